/**
 * KubernetesConfigSource across a kube-apiserver restart (etcd and its data stay): objects changed
 * right before the stop and right after the restart, then the source must converge to exactly
 * what the API server holds, with one event per change: none lost, none repeated, and none for
 * the objects that did not change.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { informersFromKubeConfig, KubernetesConfigSource } from '@mesh/config-store';
import { validateConfig } from '@mesh/config-validation';
import { applyCrds } from '../harness/crds';
import { Envtest } from '../harness/envtest';
import { EventRecorder } from '../harness/events';
import { fixtureOf, withLabel, type FixtureKind } from '../harness/fixtures';
import { kindClient, versionOf } from '../harness/kinds';
import { createNamespace } from '../harness/kube';
import { waitFor, withDeadline } from '../harness/wait';

const NS = 'restart';
/** An Istio kind (custom objects) and a core kind (typed list path) go through the same script. */
const kinds: FixtureKind[] = ['VirtualService', 'Service'];
/** What happens to each object: nothing, or one change just before the stop or just after the restart. */
const roles = [
  'unchanged',
  'update-before',
  'delete-before',
  'create-before',
  'update-after',
  'delete-after',
  'create-after',
] as const;
type Role = (typeof roles)[number];

let envtest: Envtest;
let source: KubernetesConfigSource;
let recorder: EventRecorder;
/** The version of each object as the source first served it (objects that exist at start). */
const initial = new Map<string, KubernetesObject>();
const keyOf = (kind: FixtureKind, role: Role) => `${kind}/${role}`;

beforeAll(async () => {
  envtest = await Envtest.start();
  await applyCrds(envtest.kubeConfig);
  await createNamespace(envtest.kubeConfig, NS);
  for (const kind of kinds) {
    for (const role of roles.filter((r) => !r.startsWith('create'))) {
      initial.set(keyOf(kind, role), await kindClient(envtest.kubeConfig, kind).create(fixtureOf[kind](NS, role)));
    }
  }
  source = new KubernetesConfigSource({
    informers: informersFromKubeConfig(envtest.kubeConfig),
    kinds,
    validate: validateConfig,
    // Short backoff so the source is back within a second of the API server.
    backoff: { initialMs: 100, maxMs: 500 },
  });
  await withDeadline(source.ready(), 30_000, 'the source to be ready');
  // From here on: events are changes only (the initial objects were delivered as adds before).
  recorder = new EventRecorder(source);
});

afterAll(async () => {
  recorder?.stop();
  await source?.close();
  await envtest?.stop();
});

/** Applies one change per object of the given phase; returns the version each change produced. */
async function change(phase: 'before' | 'after'): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  for (const kind of kinds) {
    const client = kindClient(envtest.kubeConfig, kind);
    const updated = await client.replace(withLabel(initial.get(keyOf(kind, `update-${phase}`))!, 'changed', phase));
    versions.set(keyOf(kind, `update-${phase}`), versionOf(updated));
    await client.delete(NS, `delete-${phase}`);
    const created = await client.create(fixtureOf[kind](NS, `create-${phase}`));
    versions.set(keyOf(kind, `create-${phase}`), versionOf(created));
  }
  return versions;
}

/** name → resourceVersion, as the API server lists them and as the source serves them. */
async function states(
  kind: FixtureKind,
): Promise<{ apiServer: Record<string, string>; source: Record<string, string> }> {
  const listed = await kindClient(envtest.kubeConfig, kind).list(NS);
  return {
    apiServer: Object.fromEntries(listed.map((o) => [o.metadata!.name!, versionOf(o)]).sort()),
    source: Object.fromEntries(
      source
        .list(kind, NS)
        .map((c) => [c.name, c.resourceVersion])
        .sort(),
    ),
  };
}

it('converges to the API server state after a restart, with one event per change and none lost', async () => {
  const before = await change('before');
  await envtest.stopApiServer();

  // While it is down the source says so and keeps serving what it has.
  await waitFor('the source to report the outage', () =>
    Object.values(source.status()).some((status) => status.lastError !== undefined),
  );
  expect(source.get('VirtualService', NS, 'unchanged')?.resourceVersion).toBe(
    versionOf(initial.get(keyOf('VirtualService', 'unchanged'))!),
  );

  await envtest.startApiServer();
  const after = await change('after');

  for (const kind of kinds) {
    await waitFor(
      `${kind}: the source to hold what the API server holds`,
      async () => {
        const { apiServer, source: served } = await states(kind);
        return JSON.stringify(apiServer) === JSON.stringify(served);
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }
  // Anything still on its way (a late duplicate) arrives before a new object's add.
  for (const kind of kinds) {
    const sentinel = await kindClient(envtest.kubeConfig, kind).create(fixtureOf[kind](NS, 'sentinel'));
    await recorder.waitForEvent(kind, NS, 'sentinel', `add ${versionOf(sentinel)}`, { timeoutMs: 30_000 });
  }

  for (const kind of kinds) {
    const v0 = (role: Role) => versionOf(initial.get(keyOf(kind, role))!);
    const changed = (role: Role) => (before.get(keyOf(kind, role)) ?? after.get(keyOf(kind, role)))!;
    const histories = Object.fromEntries(roles.map((role) => [role, recorder.history(kind, NS, role)]));
    expect({ kind, histories }).toEqual({
      kind,
      histories: {
        unchanged: [],
        'update-before': [`update ${changed('update-before')} (was ${v0('update-before')})`],
        'delete-before': [`delete ${v0('delete-before')}`],
        'create-before': [`add ${changed('create-before')}`],
        'update-after': [`update ${changed('update-after')} (was ${v0('update-after')})`],
        'delete-after': [`delete ${v0('delete-after')}`],
        'create-after': [`add ${changed('create-after')}`],
      },
    });
    const { apiServer, source: served } = await states(kind);
    expect(served).toEqual(apiServer);
  }

  // Every kind recovered: synced, no error left, and each informer was restarted after the outage.
  const status = source.status();
  for (const kind of kinds) {
    expect({ kind, ...status[kind] }).toMatchObject({ kind, synced: true });
    expect(status[kind]?.lastError).toBeUndefined();
    expect(status[kind]?.restarts).toBeGreaterThan(0);
  }
});
