/**
 * The Kubernetes source over client-node's real informer (ListWatch) with an in-memory list/watch
 * transport (testdata/fake-api-server.ts). There is no real API server in these tests: the
 * end-to-end check against kube-apiserver belongs to the envtest suite.
 */
import { ListWatch, type KubernetesObject, type Watch } from '@kubernetes/client-node';
import { formatIssue, schemaOfKind, type Kind } from '@mesh/config-model';
import { FakeApiServer } from '../../testdata/fake-api-server';
import { recordEvents, testValidator, waitFor } from '../../testdata/helpers';
import type { ConfigValidator } from '../store';
import { watchPathOf, type InformerFactory, type KubeInformer } from './informers';
import { KubernetesConfigSource } from './kubernetes-source';

const VS_PATH = watchPathOf(schemaOfKind('VirtualService'));
const SERVICE_PATH = watchPathOf(schemaOfKind('Service'));

function vs(name: string, weight = 100, namespace = 'default'): KubernetesObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: { hosts: [name], http: [{ route: [{ destination: { host: name }, weight }] }] },
  } as KubernetesObject;
}

function service(name: string, namespace = 'default'): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, creationTimestamp: new Date('2026-01-02T03:04:05Z') },
    spec: { ports: [{ name: 'http', port: 9080 }], selector: { app: name } },
  } as KubernetesObject;
}

describe('KubernetesConfigSource', () => {
  let server: FakeApiServer;
  const sources: KubernetesConfigSource[] = [];

  beforeEach(() => {
    server = new FakeApiServer();
  });

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
  });

  /** client-node's informer, exactly as makeInformer builds it, on the fake transport. */
  const informers: InformerFactory = (schema) =>
    new ListWatch(watchPathOf(schema), server.watcher as unknown as Watch, server.lister(watchPathOf(schema)), false);

  function open(kinds: Kind[], validate?: ConfigValidator): KubernetesConfigSource {
    const source = new KubernetesConfigSource({ informers, kinds, validate, backoff: { initialMs: 10, maxMs: 80 } });
    sources.push(source);
    return source;
  }

  it('lists every kind, converts the objects and then follows the watch', async () => {
    server.apply(VS_PATH, vs('reviews'));
    const ratingsVersion = server.apply(VS_PATH, vs('ratings'));
    server.apply(SERVICE_PATH, service('reviews'));
    const source = open(['VirtualService', 'Service']);
    await source.ready();
    expect(source.stats().objects).toEqual({ VirtualService: 2, Service: 1 });
    expect(source.get('VirtualService', 'default', 'ratings')).toMatchObject({
      group: 'networking.istio.io',
      version: 'v1',
      resourceVersion: ratingsVersion,
      spec: { hosts: ['ratings'] },
    });
    // Core list items arrive without apiVersion/kind, and typed clients give Dates: both are normalized.
    expect(source.get('Service', 'default', 'reviews')).toMatchObject({
      kind: 'Service',
      version: 'v1',
      creationTimestamp: '2026-01-02T03:04:05.000Z',
      spec: { selector: { app: 'reviews' } },
    });

    const { events, lines } = recordEvents(source);
    server.apply(VS_PATH, vs('reviews', 50));
    server.delete(VS_PATH, 'default', 'ratings');
    server.apply(SERVICE_PATH, service('ratings'));
    await waitFor('three watch events', () => events.length === 3);
    expect(lines().sort()).toEqual([
      'add Service default/ratings',
      'delete VirtualService default/ratings',
      'update VirtualService default/reviews',
    ]);
    expect(source.status()).toEqual({
      VirtualService: { synced: true, restarts: 0 },
      Service: { synced: true, restarts: 0 },
    });
  });

  it('resumes after the connection drops: what changed meanwhile arrives once, nothing else', async () => {
    for (const name of ['a', 'b', 'c']) server.apply(VS_PATH, vs(name));
    const source = open(['VirtualService']);
    await source.ready();
    const { lines } = recordEvents(source);
    const listsBefore = server.calls.list;

    server.crash();
    await waitFor('the error to be seen', () => source.status().VirtualService?.lastError);
    server.apply(VS_PATH, vs('a', 40));
    server.delete(VS_PATH, 'default', 'b');
    server.apply(VS_PATH, vs('d'));
    server.start();

    await waitFor('the missed changes', () => lines().length === 3);
    server.apply(VS_PATH, vs('marker'));
    await waitFor('a change after the restart', () => lines().length === 4);
    expect(lines()).toEqual([
      'update VirtualService default/a',
      'delete VirtualService default/b',
      'add VirtualService default/d',
      'add VirtualService default/marker',
    ]);
    // The informer resumed its watch from the last resourceVersion: no relist was needed.
    expect(server.calls.list).toBe(listsBefore);
    expect(source.status().VirtualService).toMatchObject({ synced: true });
    expect(source.status().VirtualService?.lastError).toBeUndefined();
    expect(source.status().VirtualService?.restarts).toBeGreaterThanOrEqual(1);
  });

  it('relists when the API server restarted without its history, and emits only real differences', async () => {
    for (const name of ['a', 'b', 'c', 'd']) server.apply(VS_PATH, vs(name));
    const source = open(['VirtualService']);
    await source.ready();
    const { lines } = recordEvents(source);
    const listsBefore = server.calls.list;

    server.crash();
    await waitFor('the error to be seen', () => source.status().VirtualService?.lastError);
    server.apply(VS_PATH, vs('a', 40));
    server.delete(VS_PATH, 'default', 'b');
    server.apply(VS_PATH, vs('e'));
    server.compact();
    server.start();

    await waitFor('the differences', () => lines().length === 3);
    server.apply(VS_PATH, vs('marker'));
    await waitFor('a change after the relist', () => lines().length === 4);
    expect(lines().slice(0, 3).sort()).toEqual([
      'add VirtualService default/e',
      'delete VirtualService default/b',
      'update VirtualService default/a',
    ]);
    expect(lines()[3]).toBe('add VirtualService default/marker');
    expect(server.calls.list).toBeGreaterThan(listsBefore);
    expect(source.list('VirtualService').map((c) => c.name)).toEqual(['a', 'c', 'd', 'e', 'marker']);
  });

  it('backs off exponentially while the API server is down', async () => {
    server.apply(VS_PATH, vs('a'));
    const source = open(['VirtualService']);
    await source.ready();
    server.crash();
    // The first restart comes 10 ms after the crash and fails; the next ones wait 20, 40, 80, 80,
    // 80 ms (backoff 10..80 ms). Timers never fire early, so each gap between refused attempts is
    // at least its delay however busy the machine is.
    await waitFor('six refused attempts', () => server.refusedAt.length >= 6);
    const gaps = server.refusedAt.slice(1, 6).map((at, i) => at - server.refusedAt[i]);
    [20, 40, 80, 80, 80].forEach((delay, i) => expect(gaps[i]).toBeGreaterThanOrEqual(delay - 1));
    expect(source.status().VirtualService?.lastError).toBe('VirtualService: connect ECONNREFUSED 127.0.0.1:6443');

    server.start();
    await waitFor('the recovery', () => source.status().VirtualService?.lastError === undefined);
    expect(source.list('VirtualService').map((c) => c.name)).toEqual(['a']);
  });

  it('waits for the API server at start-up, and is ready once it answers', async () => {
    server.apply(VS_PATH, vs('a'));
    server.crash();
    const source = open(['VirtualService']);
    let ready = false;
    void source.ready().then(() => (ready = true));
    await waitFor('a failed first attempt', () => source.status().VirtualService?.restarts);
    expect(ready).toBe(false);
    server.start();
    await source.ready();
    expect(source.list('VirtualService').map((c) => c.name)).toEqual(['a']);
  });

  it('never emits invalid objects, keeps the last good version and updates when fixed', async () => {
    server.apply(VS_PATH, vs('reviews', 80));
    server.apply(VS_PATH, vs('broken', 900));
    const source = open(['VirtualService'], testValidator);
    await source.ready();
    expect(source.list('VirtualService').map((c) => c.name)).toEqual(['reviews']);
    expect(source.rejected().map(formatIssue)).toEqual([
      'VirtualService default/broken: spec.http[0].route[0].weight: weight must be a number from 0 to 100, got 900',
    ]);
    const good = source.get('VirtualService', 'default', 'reviews');
    const { events } = recordEvents(source);

    server.apply(VS_PATH, vs('reviews', 101));
    await waitFor('the invalid update to be refused', () => source.stats().rejected === 2);
    expect(events).toEqual([]);
    expect(source.get('VirtualService', 'default', 'reviews')).toBe(good);

    server.apply(VS_PATH, vs('reviews', 70));
    server.apply(VS_PATH, vs('broken', 10));
    await waitFor('the fixes', () => events.length === 2);
    expect(events.map((e) => e.type)).toEqual(['update', 'add']);
    expect(events[0]).toMatchObject({ type: 'update', previous: good });
    expect(source.rejected()).toEqual([]);
  });

  it('refuses an object the API server holds with an invalid envelope, naming it', async () => {
    server.apply(VS_PATH, { ...vs('ok'), metadata: { name: 'ok', namespace: 'default', labels: { app: 7 } } } as never);
    const source = open(['VirtualService']);
    await source.ready();
    expect(source.list('VirtualService')).toEqual([]);
    expect(source.rejected().map(formatIssue)).toEqual([
      'VirtualService default/ok: metadata.labels.app: must be a string',
    ]);
  });

  it('does not hold readiness back for a kind the API server does not serve', async () => {
    server.serveNot(watchPathOf(schemaOfKind('Telemetry')));
    server.apply(VS_PATH, vs('a'));
    const source = open(['VirtualService', 'Telemetry']);
    await source.ready();
    expect(source.status().Telemetry).toMatchObject({
      synced: true,
      lastError: 'the API server does not serve telemetries.telemetry.istio.io (is the CRD installed?)',
    });
    expect(source.list('VirtualService')).toHaveLength(1);
  });

  it('watches Nodes cluster-wide, keeps their labels only and emits no update when the labels stay', async () => {
    const path = watchPathOf(schemaOfKind('Node'));
    expect(path).toBe('/api/v1/nodes');
    const worker = (labels: Record<string, string>, heartbeat: string): KubernetesObject =>
      ({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'worker-1', labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
        spec: { podCIDR: '10.244.1.0/24' },
        status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat }] },
      }) as KubernetesObject;
    const zoneA = { 'topology.kubernetes.io/zone': 'a' };
    server.apply(path, worker(zoneA, '2026-11-23T15:00:00Z'));
    const source = open(['Node']);
    await source.ready();
    expect(source.get('Node', '', 'worker-1')).toMatchObject({
      namespace: '',
      labels: zoneA,
      annotations: {},
      spec: {},
    });
    expect(source.get('Node', '', 'worker-1')?.extra).toBeUndefined();

    const { lines } = recordEvents(source);
    server.apply(path, worker(zoneA, '2026-11-23T15:05:00Z'));
    server.apply(path, worker({ 'topology.kubernetes.io/zone': 'b' }, '2026-11-23T15:05:00Z'));
    await waitFor('the relabel', () => lines().length === 1);
    // The heartbeat came first on the same watch: had it been emitted, it would be here already.
    expect(lines()).toEqual(['update Node worker-1']);
    expect(source.get('Node', '', 'worker-1')?.labels).toEqual({ 'topology.kubernetes.io/zone': 'b' });
  });

  it('rejects ready() when closed before the first sync', async () => {
    server.crash();
    const source = open(['VirtualService']);
    const ready = source.ready();
    await source.close();
    await expect(ready).rejects.toThrow('the Kubernetes config source was closed before its first sync');
  });
});

describe('KubernetesConfigSource reconciliation', () => {
  /** An informer whose cache the test controls, to pin the contract the source relies on. */
  class ScriptedInformer implements KubeInformer {
    objects: KubernetesObject[] = [];
    starts = 0;
    private readonly callbacks = new Map<string, Array<(value?: unknown) => void>>();
    on(verb: string, callback: (value: never) => void): void {
      this.callbacks.set(verb, [...(this.callbacks.get(verb) ?? []), callback as (value?: unknown) => void]);
    }
    emit(verb: string, value?: unknown): void {
      for (const callback of this.callbacks.get(verb) ?? []) callback(value);
    }
    async start(): Promise<void> {
      this.starts++;
      for (const object of this.objects) this.emit('add', object);
    }
    async stop(): Promise<void> {}
    list(): ReadonlyArray<KubernetesObject> {
      return this.objects;
    }
  }

  const versioned = (object: KubernetesObject, resourceVersion: string): KubernetesObject => ({
    ...object,
    metadata: { ...object.metadata, resourceVersion },
  });

  it('after a restart, deletes what the informer no longer lists even if it never said so', async () => {
    const informer = new ScriptedInformer();
    informer.objects = [versioned(vs('a'), '1'), versioned(vs('b'), '2')];
    const source = new KubernetesConfigSource({
      informers: () => informer,
      kinds: ['VirtualService'],
      backoff: { initialMs: 1, maxMs: 1 },
    });
    await source.ready();
    const { lines } = recordEvents(source);

    informer.objects = [versioned(vs('a'), '1'), versioned(vs('c'), '3')];
    informer.emit('error', new Error('watch failed'));
    await waitFor('the restart', () => informer.starts === 2 && lines().length === 2);
    // 'a' came again with the same resourceVersion: not an event.
    expect(lines()).toEqual(['add VirtualService default/c', 'delete VirtualService default/b']);
    await source.close();
  });
});
