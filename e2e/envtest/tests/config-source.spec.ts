/**
 * KubernetesConfigSource (@mesh/config-store) against a real kube-apiserver: the initial list,
 * add/update/delete events with the API server's resourceVersions, and objects that the CRD
 * schema accepts but validateConfig refuses. The restart of the API server is in
 * config-source-restart.spec.ts (it needs its own API server).
 */
import { configFromObject, formatPath, schemaOfKind, type Config, type Kind } from '@mesh/config-model';
import { informersFromKubeConfig, KubernetesConfigSource, type KindStatus } from '@mesh/config-store';
import { validateConfig } from '@mesh/config-validation';
import { applyCrds } from '../harness/crds';
import { Envtest } from '../harness/envtest';
import { EventRecorder } from '../harness/events';
import { fixtureOf, virtualService, withLabel, withSpec, type FixtureKind } from '../harness/fixtures';
import { kindClient, versionOf } from '../harness/kinds';
import { createNamespace, getRaw } from '../harness/kube';
import { waitFor, withDeadline } from '../harness/wait';

const NS = 'mesh';
const kinds = Object.keys(fixtureOf) as FixtureKind[];

let envtest: Envtest;
let source: KubernetesConfigSource;
let recorder: EventRecorder;
/** Started before the CRDs were installed, as istiod may be. */
let earlySource: KubernetesConfigSource;
let earlyStatusBeforeCrds: KindStatus | undefined;
/** resourceVersion of each object created before the source started, by kind. */
const preexisting = new Map<FixtureKind, string>();

beforeAll(async () => {
  envtest = await Envtest.start();
  earlySource = new KubernetesConfigSource({
    informers: informersFromKubeConfig(envtest.kubeConfig),
    kinds: ['VirtualService', 'Service'],
    validate: validateConfig,
    backoff: { initialMs: 100, maxMs: 500 },
  });
  // A kind whose CRD is missing (404) does not hold readiness back.
  await withDeadline(earlySource.ready(), 30_000, 'the early source to be ready without CRDs');
  earlyStatusBeforeCrds = earlySource.status().VirtualService;
  await applyCrds(envtest.kubeConfig);
  await createNamespace(envtest.kubeConfig, NS);
  for (const kind of kinds) {
    const created = await kindClient(envtest.kubeConfig, kind).create(fixtureOf[kind](NS, 'before-start'));
    preexisting.set(kind, versionOf(created));
  }
  source = new KubernetesConfigSource({
    informers: informersFromKubeConfig(envtest.kubeConfig),
    validate: validateConfig,
    backoff: { initialMs: 100, maxMs: 1_000 },
  });
  recorder = new EventRecorder(source);
  await withDeadline(source.ready(), 30_000, 'the source to be ready');
});

afterAll(async () => {
  recorder?.stop();
  await source?.close();
  await earlySource?.close();
  await envtest?.stop();
});

/** The raw JSON the API server holds for an object, read into a Config the same way the source does. */
async function configFromApiServer(kind: Kind, name: string): Promise<Config> {
  const schema = schemaOfKind(kind);
  const base = schema.group === '' ? `/api/${schema.versions[0]}` : `/apis/${schema.group}/${schema.versions[0]}`;
  const raw = await getRaw(envtest.kubeConfig, `${base}/namespaces/${NS}/${schema.plural}/${name}`);
  const result = configFromObject(raw);
  if (!result.ok) throw new Error(`${kind} ${name}: ${JSON.stringify(result.issues)}`);
  return result.config;
}

let sentinels = 0;
/**
 * Waits until every event the API server has sent for `kind` so far has reached the source:
 * one watch stream per kind delivers in order, so once a new object's `add` arrives, nothing
 * sent before it is still on its way (a later duplicate would have to come from a relist).
 */
async function flush(kind: FixtureKind): Promise<void> {
  const name = `sentinel-${++sentinels}`;
  const created = await kindClient(envtest.kubeConfig, kind).create(fixtureOf[kind](NS, name));
  await recorder.waitForEvent(kind, NS, name, `add ${versionOf(created)}`);
}

describe('initial list', () => {
  it('serves the objects created before the source started, with the API server resourceVersions', () => {
    for (const kind of kinds) {
      expect({ kind, version: source.get(kind, NS, 'before-start')?.resourceVersion }).toEqual({
        kind,
        version: preexisting.get(kind),
      });
    }
  });

  it('reads list items exactly as the API server stores them (same Config as from its raw JSON)', async () => {
    for (const kind of kinds) {
      expect(source.get(kind, NS, 'before-start')).toEqual(await configFromApiServer(kind, 'before-start'));
    }
  });

  it('lists every kind it watches without an error (CRDs installed, core kinds served)', () => {
    const status = source.status();
    const failing = Object.entries(status).filter(([, s]) => !s.synced || s.lastError !== undefined);
    expect(failing).toEqual([]);
    expect(Object.keys(status).length).toBeGreaterThanOrEqual(kinds.length);
  });

  it('a source started before the CRDs were installed serves their objects once they are', async () => {
    expect(earlyStatusBeforeCrds?.lastError).toMatch(/does not serve virtualservices\.networking\.istio\.io/);
    await waitFor(
      'the early source to list VirtualServices',
      () =>
        earlySource.get('VirtualService', NS, 'before-start')?.resourceVersion === preexisting.get('VirtualService'),
    );
    expect(earlySource.status().VirtualService).toMatchObject({ synced: true });
    expect(earlySource.status().VirtualService?.lastError).toBeUndefined();
    expect(earlySource.get('Service', NS, 'before-start')?.resourceVersion).toBe(preexisting.get('Service'));
  });
});

describe('events', () => {
  it.each(kinds)('%s: add, update and delete arrive once each with the API server resourceVersion', async (kind) => {
    const client = kindClient(envtest.kubeConfig, kind);
    const name = `lifecycle-${kind.toLowerCase()}`;
    // No waiting between the writes: the watch must deliver each revision, not just the last.
    const created = await client.create(fixtureOf[kind](NS, name));
    const updated = await client.replace(withLabel(created, 'revision', '2'));
    const deleted = await client.delete(NS, name);
    await flush(kind);

    const [v1, v2] = [versionOf(created), versionOf(updated)];
    const history = recorder.history(kind, NS, name);
    if (kind === 'Pod') {
      // Pods are deleted gracefully: the API server first sets deletionTimestamp (an update), then,
      // with no kubelet to wait for, removes the pod at the revision the DELETE call answers with.
      // The delete event carries the last version served, the marked one.
      const marked = /^update (\d+) \(was \d+\)$/.exec(history[2] ?? '')?.[1] ?? 'none';
      expect(history).toEqual([
        `add ${v1}`,
        `update ${v2} (was ${v1})`,
        `update ${marked} (was ${v2})`,
        `delete ${marked}`,
      ]);
      // etcd revisions are integers: the mark comes between the update and the removal.
      expect(Number(marked)).toBeGreaterThan(Number(v2));
      expect(Number(marked)).toBeLessThan(Number(versionOf(deleted!)));
    } else {
      expect(history).toEqual([`add ${v1}`, `update ${v2} (was ${v1})`, `delete ${v2}`]);
    }
    const update = recorder.of(kind, NS, name)[1]!;
    expect(update.config.labels).toMatchObject({ revision: '2' });
    expect(source.get(kind, NS, name)).toBeUndefined();
  });

  it('an object added through the watch is the same Config as the API server JSON', async () => {
    const created = await kindClient(envtest.kubeConfig, 'Service').create(fixtureOf.Service(NS, 'watched'));
    await recorder.waitForEvent('Service', NS, 'watched', `add ${versionOf(created)}`);
    expect(source.get('Service', NS, 'watched')).toEqual(await configFromApiServer('Service', 'watched'));
  });
});

describe('validation', () => {
  const vsClient = () => kindClient(envtest.kubeConfig, 'VirtualService');
  const issuesOf = (name: string) =>
    source.rejected().filter((issue) => issue.resource?.kind === 'VirtualService' && issue.resource.name === name);

  it('an object the CRD accepts but validateConfig refuses (a regex RE2 rejects) is reported, never emitted', async () => {
    const lookBehind = {
      hosts: ['ratings'],
      http: [{ match: [{ uri: { regex: '(?<=/api)/v1' } }], route: [{ destination: { host: 'ratings' } }] }],
    };
    const created = await vsClient().create(virtualService(NS, 'bad-regex', lookBehind));
    const issues = await waitFor('bad-regex to be reported', () =>
      issuesOf('bad-regex').length > 0 ? issuesOf('bad-regex') : undefined,
    );
    expect(issues.map((i) => formatPath(i.path))).toEqual(['spec.http[0].match[0].uri.regex']);
    expect(issues[0]!.resource).toEqual({ kind: 'VirtualService', namespace: NS, name: 'bad-regex' });
    await flush('VirtualService');
    expect(recorder.history('VirtualService', NS, 'bad-regex')).toEqual([]);
    expect(source.get('VirtualService', NS, 'bad-regex')).toBeUndefined();

    // Fixed: it is served from then on, with one `add` (subscribers never saw the bad version).
    const fixed = await vsClient().replace(
      withSpec(created, {
        ...lookBehind,
        http: [{ ...lookBehind.http[0]!, match: [{ uri: { regex: '/api/v1(/.*)?' } }] }],
      }),
    );
    await recorder.waitForEvent('VirtualService', NS, 'bad-regex', `add ${versionOf(fixed)}`);
    expect(issuesOf('bad-regex')).toEqual([]);
  });

  it('a served object that becomes invalid (weight < 0, which the CRD allows) keeps its last good version', async () => {
    const good = await vsClient().create(virtualService(NS, 'weights'));
    await recorder.waitForEvent('VirtualService', NS, 'weights', `add ${versionOf(good)}`);

    const negative = {
      hosts: ['weights'],
      http: [
        {
          route: [
            { destination: { host: 'weights', subset: 'v1' }, weight: -10 },
            { destination: { host: 'weights', subset: 'v2' }, weight: 110 },
          ],
        },
      ],
    };
    await vsClient().replace(withSpec(good, negative));
    const issues = await waitFor('weights to be reported', () =>
      issuesOf('weights').length > 0 ? issuesOf('weights') : undefined,
    );
    expect(issues.map((i) => formatPath(i.path))).toContain('spec.http[0].route[0].weight');
    await flush('VirtualService');
    expect(recorder.history('VirtualService', NS, 'weights')).toEqual([`add ${versionOf(good)}`]);
    expect(source.get('VirtualService', NS, 'weights')?.resourceVersion).toBe(versionOf(good));

    // Deleting it deletes the version subscribers have.
    await vsClient().delete(NS, 'weights');
    await recorder.waitForEvent('VirtualService', NS, 'weights', `delete ${versionOf(good)}`);
    expect(issuesOf('weights')).toEqual([]);
  });
});
