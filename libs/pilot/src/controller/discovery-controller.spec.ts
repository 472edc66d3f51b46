/**
 * The push path with a MemoryConfigStore (validating like every real source), generators that
 * read the PushContext, and a manual debounce clock: what reaches the generators, and when.
 */
import { MemoryConfigStore } from '@mesh/config-store';
import { defaultMeshConfig } from '@mesh/config-model';
import { validateConfig } from '@mesh/config-validation';
import { TypeUrl } from '@mesh/xds';
import { ControllerMetricsRecorder } from './controller-metrics';
import { DiscoveryController } from './discovery-controller';
import { FakeClock } from '@mesh/testing';
import { object, reviewsEntry, reviewsWorkload, routeToReviews, sidecarProxy } from './testing/mesh-objects';
import { RecordingGenerators } from './testing/recording-generators';
import { RecordingServer } from './testing/recording-server';
import type { XdsLogger } from '../xds-server';

const REVIEWS_CLUSTER = 'outbound|9080||reviews.example.com';
const silent: XdsLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

async function setUp(initial: Parameters<MemoryConfigStore['create']>[0][] = []) {
  const store = new MemoryConfigStore({ validate: validateConfig });
  for (const config of initial) store.create(config);
  const generators = new RecordingGenerators();
  const registry = generators.registry();
  const server = new RecordingServer(registry, [REVIEWS_CLUSTER]);
  const clock = new FakeClock();
  const metrics = new ControllerMetricsRecorder();
  const controller = new DiscoveryController({
    store,
    mesh: defaultMeshConfig(),
    generators: registry,
    server,
    clock,
    metrics,
    logger: silent,
    debounce: { quietMs: 100, maxMs: 1_000 },
  });
  await controller.start();
  return { store, generators, server, clock, metrics, controller };
}

describe('DiscoveryController', () => {
  it('serves the first PushContext built from the store before any push', async () => {
    const { server, controller, generators } = await setUp([reviewsEntry(), reviewsWorkload('vm-1', '10.1.0.1')]);
    expect(controller.ready).toBe(true);
    expect(server.current).toBe(controller.pushContext);
    expect(server.current?.version).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\/1$/);
    expect(server.current?.services().map((s) => s.hostname)).toEqual(['reviews.example.com']);
    expect(server.pushes).toHaveLength(0);
    expect(generators.calls).toHaveLength(0);
  });

  it('merges a burst of config changes into one debounced full push', async () => {
    const { store, server, clock, generators, metrics } = await setUp([reviewsEntry()]);
    store.create(routeToReviews('a'));
    clock.advance(50);
    store.create(routeToReviews('b'));
    clock.advance(40);
    store.create(routeToReviews('c'));
    clock.advance(99); // 99 ms after the last change: still quiet time
    expect(server.pushes).toHaveLength(0);

    clock.advance(1);
    expect(server.pushes).toHaveLength(1);
    const [{ request, push }] = server.pushes;
    expect(request.full).toBe(true);
    expect(request.reasons).toEqual({ config: 3 });
    expect([...request.configsUpdated].sort()).toEqual([
      'VirtualService/default/a',
      'VirtualService/default/b',
      'VirtualService/default/c',
    ]);
    expect(push.version).toMatch(/\/2$/);
    const cds = generators.callsOf(TypeUrl.Cluster);
    expect(cds).toHaveLength(1);
    expect(cds[0].virtualServices.map((vs) => vs.split(':')[0])).toEqual(['a', 'b', 'c']);
    expect(metrics.debouncedEvents).toEqual([3]);
    expect(metrics.debounceSeconds).toEqual([0.19]);
    expect(metrics.triggers).toEqual({ config: 3 });
    expect(metrics.inbound).toEqual({ config: 3 });
    expect(metrics.virtualServices).toBe(3);

    clock.advance(5_000);
    expect(server.pushes).toHaveLength(1);
  });

  it('pushes at --debounce-max even while changes keep coming', async () => {
    const { store, server, clock } = await setUp([reviewsEntry()]);
    for (let i = 0; i < 15; i++) {
      store.create(routeToReviews(`vs-${i}`));
      clock.advance(80);
    }
    // 15 changes 80 ms apart never leave 100 ms of quiet; the first push went out at 1 s.
    expect(server.pushes.map((p) => p.request.reasons.config)).toEqual([13]);
  });

  it('turns an endpoint-only change into an incremental EDS push', async () => {
    const { store, server, clock, generators, controller, metrics } = await setUp([
      reviewsEntry(),
      reviewsWorkload('vm-1', '10.1.0.1'),
    ]);
    const before = controller.pushContext!;
    store.create(reviewsWorkload('vm-2', '10.1.0.2'));
    clock.advance(100);

    expect(server.pushes).toHaveLength(1);
    const { request, push } = server.pushes[0];
    expect(request.full).toBe(false);
    expect(request.reasons).toEqual({ endpoint: 1 });
    expect([...request.edsHosts]).toEqual(['reviews.example.com']);
    // Only the endpoints were re-read: every other index is the previous context's.
    expect(push.sharesIndex(before, 'services')).toBe(true);
    expect(push.sharesIndex(before, 'virtualServices')).toBe(true);
    expect(push.sharesIndex(before, 'endpoints')).toBe(false);

    expect(generators.callsOf(TypeUrl.Cluster)).toHaveLength(0);
    const eds = generators.callsOf(TypeUrl.ClusterLoadAssignment);
    expect(eds).toHaveLength(1);
    expect(eds[0]).toMatchObject({ full: false, edsHosts: ['reviews.example.com'] });
    expect(eds[0].endpoints['reviews.example.com:9080']).toEqual(['10.1.0.1', '10.1.0.2']);
    expect(metrics.inbound).toEqual({ eds: 1 });
  });

  it('makes a new service a full push', async () => {
    const { store, server, clock, metrics } = await setUp();
    store.create(reviewsEntry());
    clock.advance(100);
    expect(server.pushes.map((p) => [p.request.full, p.request.reasons])).toEqual([[true, { service: 1 }]]);
    expect(server.current?.services().map((s) => s.hostname)).toEqual(['reviews.example.com']);
    expect(metrics.services).toBe(1);
    expect(metrics.inbound).toEqual({ svc: 1 });
  });

  it('never lets invalid config reach a generator', async () => {
    const { store, server, clock, generators } = await setUp([reviewsEntry(), routeToReviews('good', 100)]);
    // Invalid from the start: a negative weight. The store refuses to serve it: no event, no push.
    store.create(routeToReviews('bad', -5));
    clock.advance(1_000);
    expect(server.pushes).toHaveLength(0);
    expect(store.rejected().map((issue) => issue.resource?.name)).toEqual(['bad']);

    // A valid object updated to an invalid version keeps serving its last good version.
    const good = store.get('VirtualService', 'default', 'good')!;
    store.update({ ...routeToReviews('good', -1), resourceVersion: good.resourceVersion });
    clock.advance(1_000);
    expect(server.pushes).toHaveLength(0);

    // Something else changes: the push carries the last good version of `good` and nothing of `bad`.
    store.create(routeToReviews('other'));
    clock.advance(100);
    expect(server.pushes).toHaveLength(1);
    const seen = generators.callsOf(TypeUrl.Cluster).flatMap((call) => call.virtualServices);
    expect(seen.filter((vs) => vs.startsWith('good:'))).toEqual([expect.stringContaining('"weight":100')]);
    expect(seen.some((vs) => vs.startsWith('bad:'))).toBe(false);
    for (const call of generators.calls) expect(call.virtualServices.join('\n')).not.toMatch(/"weight":-/);
  });

  it('ignores kinds that make no proxy config', async () => {
    const { store, server, clock } = await setUp([reviewsEntry()]);
    store.create(object('WorkloadEntry', 'unselected', { address: '10.9.9.9', labels: { app: 'other' } }));
    clock.advance(1_000);
    expect(server.pushes).toHaveLength(0);
  });

  it('drops pending changes on stop() and is no longer ready', async () => {
    const { store, server, clock, controller } = await setUp([reviewsEntry()]);
    store.create(routeToReviews('late'));
    expect(controller.status().pendingEvents).toBe(1);
    controller.stop();
    clock.advance(1_000);
    expect(server.pushes).toHaveLength(0);
    expect(controller.ready).toBe(false);
  });

  it('generates every type for a proxy on demand, with its watched names', async () => {
    const { controller, generators } = await setUp([reviewsEntry(), reviewsWorkload('vm-1', '10.1.0.1')]);
    const watched = new Map([
      [
        TypeUrl.ClusterLoadAssignment,
        { typeUrl: TypeUrl.ClusterLoadAssignment, resourceNames: new Set([REVIEWS_CLUSTER]) },
      ],
    ]);
    const generated = await controller.generateFor(sidecarProxy(), watched);
    expect(generated.map((g) => [g.typeUrl, g.generated?.resources.map((r) => r.name)])).toEqual([
      [TypeUrl.Cluster, [REVIEWS_CLUSTER]],
      [TypeUrl.ClusterLoadAssignment, [REVIEWS_CLUSTER]],
    ]);
    expect(generators.calls.every((call) => call.full)).toBe(true);

    generators.failEndpoints = 'no endpoints today';
    const failed = await controller.generateFor(sidecarProxy(), watched);
    expect(failed[1]).toMatchObject({ typeUrl: TypeUrl.ClusterLoadAssignment, error: 'no endpoints today' });
  });

  it('reports a store that cannot load', async () => {
    const store = new MemoryConfigStore();
    const broken = Object.assign(store, { ready: () => Promise.reject(new Error('cannot read /nowhere')) });
    const controller = new DiscoveryController({
      store: broken,
      mesh: defaultMeshConfig(),
      generators: new RecordingGenerators().registry(),
      server: new RecordingServer(new RecordingGenerators().registry()),
      logger: silent,
    });
    await expect(controller.start()).rejects.toThrow('cannot read /nowhere');
    expect(controller.ready).toBe(false);
  });
});

describe('DiscoveryController and VirtualService delegation', () => {
  const root = object('VirtualService', 'shop', {
    hosts: ['shop.example.com'],
    http: [{ match: [{ uri: { prefix: '/reviews' } }], delegate: { name: 'reviews-routes' } }],
  });
  const delegate = (subset: string) =>
    object('VirtualService', 'reviews-routes', {
      http: [{ route: [{ destination: { host: 'reviews.example.com', subset } }] }],
    });
  const rootRoutes = (controller: DiscoveryController) =>
    controller.pushContext?.virtualServices().find((vs) => vs.name === 'shop')?.spec.http ?? [];

  it('warns of a missing delegate, and a delegate created or changed later is a push rebuilding the root', async () => {
    const warnings: string[] = [];
    const store = new MemoryConfigStore({ validate: validateConfig });
    store.create(reviewsEntry());
    store.create(root);
    const clock = new FakeClock();
    const metrics = new ControllerMetricsRecorder();
    const generators = new RecordingGenerators().registry();
    const server = new RecordingServer(generators, [REVIEWS_CLUSTER]);
    const controller = new DiscoveryController({
      store,
      mesh: defaultMeshConfig(),
      generators,
      server,
      clock,
      metrics,
      logger: { ...silent, warn: (message) => warnings.push(message) },
      debounce: { quietMs: 100, maxMs: 1_000 },
    });
    await controller.start();
    expect(rootRoutes(controller)).toEqual([]);
    expect(warnings).toEqual([
      'VirtualService delegation: VirtualService/default/shop spec.http[0] delegates to ' +
        'VirtualService/default/reviews-routes, which does not exist (or has hosts): the route is left out',
    ]);

    const created = store.create(delegate('v1'));
    clock.advance(100);
    expect(server.pushes).toHaveLength(1);
    expect([...server.pushes[0].request.configsUpdated]).toEqual(['VirtualService/default/reviews-routes']);
    expect(rootRoutes(controller)).toEqual([
      {
        match: [{ uri: { prefix: '/reviews' } }],
        route: [{ destination: { host: 'reviews.example.com', subset: 'v1' } }],
      },
    ]);
    // pilot_virt_services counts the delegate too.
    expect(metrics.virtualServices).toBe(2);

    store.update({ ...created, spec: delegate('v2').spec });
    clock.advance(100);
    expect(server.pushes).toHaveLength(2);
    expect(rootRoutes(controller)[0].route?.[0].destination.subset).toBe('v2');
    expect(warnings).toHaveLength(1);
    controller.stop();
  });
});
