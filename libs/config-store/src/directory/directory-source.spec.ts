import { formatIssue } from '@mesh/config-model';
import { validateConfig } from '@mesh/config-validation';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { recordEvents, testValidator, waitFor } from '../../testdata/helpers';
import type { ConfigStore } from '../store';
import { DirectoryConfigSource, type DirectoryConfigSourceOptions } from './directory-source';

const bookinfo = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples', 'bookinfo');

function vs(name: string, host: string, weights: [number, number] = [80, 20], namespace?: string): string {
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata:',
    `  name: ${name}`,
    ...(namespace ? [`  namespace: ${namespace}`] : []),
    'spec:',
    `  hosts: [${host}]`,
    '  http:',
    '  - route:',
    `    - destination: {host: ${host}, subset: v1}`,
    `      weight: ${weights[0]}`,
    `    - destination: {host: ${host}, subset: v2}`,
    `      weight: ${weights[1]}`,
    '',
  ].join('\n');
}

function dr(name: string, host: string): string {
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: DestinationRule',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  host: ${host}`,
    '  subsets:',
    '  - {name: v1, labels: {version: v1}}',
    '  - {name: v2, labels: {version: v2}}',
    '',
  ].join('\n');
}

const deployment = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: {name: reviews-v1}',
  'spec: {replicas: 1}',
  '',
].join('\n');

describe('DirectoryConfigSource', () => {
  let dir: string;
  const stores: ConfigStore[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-store-'));
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  function open(options: Partial<DirectoryConfigSourceOptions> = {}): DirectoryConfigSource {
    const store = new DirectoryConfigSource({ dir, debounceMs: 30, resyncMs: 0, ...options });
    stores.push(store);
    return store;
  }

  function write(path: string, text: string): void {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }

  /** How many editors save: write a hidden temporary file beside the target, then rename it over. */
  function writeByRename(path: string, text: string): void {
    const temporary = join(dirname(join(dir, path)), `.${path.split('/').pop()}.tmp`);
    writeFileSync(temporary, text);
    renameSync(temporary, join(dir, path));
  }

  const servedNames = (store: ConfigStore): string[] =>
    (['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Service'] as const).flatMap((kind) =>
      store.list(kind).map((c) => `${kind} ${c.namespace}/${c.name}`),
    );

  it('reads all of Bookinfo: first definition by path wins, conflicts are named, other kinds only counted', async () => {
    const store = open({ dir: bookinfo, watch: false });
    await store.ready();
    const stats = store.stats();
    expect(stats.objects).toEqual({ VirtualService: 7, DestinationRule: 5, Gateway: 2, ServiceEntry: 1, Service: 10 });
    expect(stats.ignored).toEqual({ Deployment: 6, ServiceAccount: 4 });
    // 24 VirtualService documents for 7 names, 11 DestinationRule documents for 5 names.
    expect(stats.rejected).toBe(17 + 6);

    const reviews = store.get('VirtualService', 'default', 'reviews');
    expect(reviews?.source).toEqual({ file: join(bookinfo, 'networking', 'virtual-service-all-v1.yaml'), line: 14 });
    // '-' sorts before '.', so destination-rule-all-mtls.yaml comes before destination-rule-all.yaml.
    expect(store.get('DestinationRule', 'default', 'reviews')?.source?.file).toBe(
      join(bookinfo, 'networking', 'destination-rule-all-mtls.yaml'),
    );
    expect(store.get('VirtualService', 'istio-system', 'cert-manager')).toBeDefined();
    const conflict = store
      .rejected()
      .map(formatIssue)
      .find((m) => m.includes('virtual-service-reviews-v3.yaml'));
    expect(conflict).toBe(
      `VirtualService default/reviews ${join(bookinfo, 'networking', 'virtual-service-reviews-v3.yaml')}:1: ` +
        `VirtualService default/reviews is defined in both ${join(bookinfo, 'networking', 'virtual-service-all-v1.yaml')}:14 ` +
        `and ${join(bookinfo, 'networking', 'virtual-service-reviews-v3.yaml')}:1; ` +
        `using the one in ${join(bookinfo, 'networking', 'virtual-service-all-v1.yaml')} (first by path)`,
    );
  });

  it('validates with config-validation: Bookinfo passes, a bad edit is refused with its file and line', async () => {
    const store = open({ dir: bookinfo, watch: false, validate: validateConfig });
    await store.ready();
    // Only the 23 conflicts: every object Bookinfo serves is valid.
    expect(store.stats()).toMatchObject({ rejected: 23, objects: { VirtualService: 7, DestinationRule: 5 } });

    write('reviews.yaml', vs('reviews', 'reviews'));
    const local = open({ validate: validateConfig });
    await local.ready();
    const { events } = recordEvents(local);
    write('reviews.yaml', vs('reviews', 'reviews', [80, -20]));
    await waitFor('the refusal', () => local.rejected().length === 1);
    expect(local.rejected().map(formatIssue)).toEqual([
      `VirtualService default/reviews ${join(dir, 'reviews.yaml')}:12: spec.http[0].route[1].weight: must not be negative (got -20)`,
    ]);
    expect(events).toEqual([]);
    expect(local.get('VirtualService', 'default', 'reviews')?.spec).toMatchObject({
      http: [{ route: [{ weight: 80 }, { weight: 20 }] }],
    });
  });

  it('reads .yaml, .yml and .json files in subdirectories and skips hidden files and other extensions', async () => {
    write('a/reviews.yaml', vs('reviews', 'reviews'));
    write('a/b/ratings.yml', vs('ratings', 'ratings'));
    write(
      'c/details.json',
      JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'details' } }),
    );
    write('.hidden.yaml', vs('hidden', 'hidden'));
    write('a/.swap/inside.yaml', vs('swapped', 'swapped'));
    write('notes.txt', vs('notes', 'notes'));
    const store = open();
    await store.ready();
    expect(servedNames(store)).toEqual([
      'VirtualService default/ratings',
      'VirtualService default/reviews',
      'DestinationRule default/details',
    ]);
  });

  it('follows edits, editors that save by rename, new subdirectories and deletions', async () => {
    write('reviews.yaml', vs('reviews', 'reviews') + '---\n' + dr('reviews', 'reviews'));
    const store = open();
    await store.ready();
    const { events, lines } = recordEvents(store);

    write('reviews.yaml', vs('reviews', 'reviews', [50, 50]) + '---\n' + dr('reviews', 'reviews'));
    await waitFor('the edit', () => events.length === 1);
    expect(lines()).toEqual(['update VirtualService default/reviews']);

    writeByRename('reviews.yaml', vs('reviews', 'reviews', [10, 90]) + '---\n' + dr('reviews', 'reviews'));
    await waitFor('the save by rename', () => events.length === 2);
    const route = (store.get('VirtualService', 'default', 'reviews')?.spec as { http: [{ route: [{ weight: 10 }] }] })
      .http[0].route[0];
    expect(route.weight).toBe(10);

    write('team/new/ratings.yaml', vs('ratings', 'ratings'));
    await waitFor('the file in a new subdirectory', () => events.length === 3);

    // Node's recursive fs.watch misses this one (a delete after a save by rename) on Linux.
    rmSync(join(dir, 'reviews.yaml'));
    await waitFor('the deletion', () => events.length === 5);
    rmSync(join(dir, 'team'), { recursive: true });
    await waitFor('the deleted subdirectory', () => events.length === 6);
    expect(lines()).toEqual([
      'update VirtualService default/reviews',
      'update VirtualService default/reviews',
      'add VirtualService default/ratings',
      'delete DestinationRule default/reviews',
      'delete VirtualService default/reviews',
      'delete VirtualService default/ratings',
    ]);
    // Two adds from the initial load, before anyone subscribed, count too.
    expect(store.stats()).toEqual({ objects: {}, rejected: 0, ignored: {}, events: 8 });
  });

  it('follows a Kubernetes ConfigMap volume, which swaps a ..data symlink to publish an update', async () => {
    // The kubelet's layout: timestamped hidden directories, `..data` pointing at the current one,
    // and one top-level symlink per key through `..data`.
    write('..2026_01_01/reviews.yaml', vs('reviews', 'reviews', [80, 20]));
    symlinkSync('..2026_01_01', join(dir, '..data'));
    symlinkSync('..data/reviews.yaml', join(dir, 'reviews.yaml'));
    const store = open();
    await store.ready();
    expect(servedNames(store)).toEqual(['VirtualService default/reviews']);
    const { events } = recordEvents(store);

    write('..2026_01_02/reviews.yaml', vs('reviews', 'reviews', [50, 50]));
    symlinkSync('..2026_01_02', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(join(dir, '..2026_01_01'), { recursive: true });
    await waitFor('the update', () => events.length === 1);
    expect(events[0]).toMatchObject({
      type: 'update',
      config: { spec: { http: [{ route: [{ weight: 50 }, { weight: 50 }] }] } },
    });
  });

  it('reads a burst of writes to one file once', async () => {
    write('reviews.yaml', vs('reviews', 'reviews'));
    const store = open({ debounceMs: 50 });
    await store.ready();
    const { events } = recordEvents(store);
    for (let weight = 0; weight <= 20; weight++)
      write('reviews.yaml', vs('reviews', 'reviews', [weight, 100 - weight]));
    await waitFor('the update', () => events.length > 0);
    // Give a second (wrong) read time to show up before concluding there is none.
    write('marker.yaml', dr('marker', 'marker'));
    await waitFor('the marker', () => events.length > 1);
    expect(events.map((e) => e.type)).toEqual(['update', 'add']);
    expect(events[0].config.spec).toMatchObject({ http: [{ route: [{ weight: 20 }, { weight: 80 }] }] });
  });

  it('keeps the last good version of every object of a half-written file until it is whole again', async () => {
    const whole = vs('reviews', 'reviews') + '---\n' + dr('reviews', 'reviews') + '---\n' + vs('ratings', 'ratings');
    write('bookinfo.yaml', whole);
    const store = open({ validate: testValidator });
    await store.ready();
    const { events, lines } = recordEvents(store);
    const before = servedNames(store);

    // Cut inside the flow mapping of the third document, as a reader racing a writer sees it.
    const cut = whole.indexOf('{host: ratings, subset: v1}') + 10;
    write('bookinfo.yaml', whole.slice(0, cut));
    const issues = await waitFor('the broken document to be reported', () => {
      const found = store.rejected().map(formatIssue);
      return found.length > 0 && found;
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      new RegExp(
        `^${join(dir, 'bookinfo.yaml')}:32: .*\\(keeping the last good version of 1 object\\(s\\) from this file until it parses\\)$`,
      ),
    );
    expect(events).toEqual([]);
    expect(servedNames(store)).toEqual(before);

    write('bookinfo.yaml', whole.replace('weight: 80', 'weight: 70'));
    await waitFor('the whole file', () => events.length > 0 && store.rejected().length === 0);
    expect(lines()).toEqual(['update VirtualService default/reviews']);
    expect(servedNames(store)).toEqual(before);
  });

  it('serves the good documents of a file and reports the bad one with its file and line', async () => {
    write(
      'mixed.yaml',
      [
        vs('reviews', 'reviews'),
        vs('Bad_Name', 'x'),
        vs('ratings', 'ratings', [80, 200]),
        'apiVersion: networking.istio.io/v1\nkind: VirtualSevice\nmetadata: {name: typo}\n',
        deployment,
        dr('ratings', 'ratings'),
      ].join('---\n'),
    );
    const store = open({ validate: testValidator });
    await store.ready();
    expect(servedNames(store)).toEqual(['VirtualService default/reviews', 'DestinationRule default/ratings']);
    const file = join(dir, 'mixed.yaml');
    expect(store.rejected().map(formatIssue)).toEqual([
      `VirtualService Bad_Name ${file}:17: metadata.name: "Bad_Name" is not a valid name (lower-case DNS-1123 subdomain)`,
      `VirtualService default/ratings ${file}:38: spec.http[0].route[1].weight: weight must be a number from 0 to 100, got 200`,
      `VirtualSevice typo ${file}:41: kind: unknown kind "VirtualSevice" in API group "networking.istio.io"`,
    ]);
    expect(store.stats()).toMatchObject({ rejected: 3, ignored: { Deployment: 1 } });
  });

  it('serves the last good version while an object is invalid, and updates when it is fixed', async () => {
    write('reviews.yaml', vs('reviews', 'reviews'));
    const store = open({ validate: testValidator });
    await store.ready();
    const { events } = recordEvents(store);
    const good = store.get('VirtualService', 'default', 'reviews');

    write('reviews.yaml', vs('reviews', 'reviews', [80, -1]));
    await waitFor('the invalid edit to be reported', () => store.rejected().length === 1);
    expect(store.rejected().map(formatIssue)).toEqual([
      `VirtualService default/reviews ${join(dir, 'reviews.yaml')}:12: spec.http[0].route[1].weight: weight must be a number from 0 to 100, got -1`,
    ]);
    expect(events).toEqual([]);
    expect(store.get('VirtualService', 'default', 'reviews')).toBe(good);

    write('reviews.yaml', vs('reviews', 'reviews', [60, 40]));
    await waitFor('the fix', () => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'update', previous: good });
    expect(store.rejected()).toEqual([]);
  });

  it('resolves an object defined in two files to the first by path and switches when that file goes', async () => {
    write('a/reviews.yaml', vs('reviews', 'reviews', [80, 20]));
    write('b/reviews.yaml', vs('reviews', 'reviews', [0, 100]));
    const store = open();
    await store.ready();
    expect(store.get('VirtualService', 'default', 'reviews')?.source?.file).toBe(join(dir, 'a', 'reviews.yaml'));
    expect(store.rejected().map(formatIssue)).toEqual([
      `VirtualService default/reviews ${join(dir, 'b', 'reviews.yaml')}:1: VirtualService default/reviews is defined in both ` +
        `${join(dir, 'a', 'reviews.yaml')}:1 and ${join(dir, 'b', 'reviews.yaml')}:1; using the one in ${join(dir, 'a', 'reviews.yaml')} (first by path)`,
    ]);
    const { events } = recordEvents(store);

    // Editing the losing file changes nothing that is served.
    write('b/reviews.yaml', vs('reviews', 'reviews', [1, 99]));
    write('marker.yaml', dr('marker', 'marker'));
    await waitFor('the marker', () => events.length > 0);
    expect(events.map((e) => e.type)).toEqual(['add']);

    rmSync(join(dir, 'a'), { recursive: true });
    await waitFor('the switch to the other file', () => events.length === 2);
    expect(events[1]).toMatchObject({ type: 'update', config: { source: { file: join(dir, 'b', 'reviews.yaml') } } });
    expect(store.rejected()).toEqual([]);
  });

  it('reports two definitions of one object in the same file and uses the first', async () => {
    write('twice.yaml', vs('reviews', 'reviews', [80, 20]) + '---\n' + vs('reviews', 'reviews', [0, 100]));
    const store = open();
    await store.ready();
    expect(store.get('VirtualService', 'default', 'reviews')?.spec).toMatchObject({
      http: [{ route: [{ weight: 80 }, { weight: 20 }] }],
    });
    expect(store.rejected().map(formatIssue)).toEqual([
      `VirtualService default/reviews ${join(dir, 'twice.yaml')}:14: defined twice in ${join(dir, 'twice.yaml')} (lines 1 and 14); using the first one`,
    ]);
  });

  it('uses the default namespace for objects that name none', async () => {
    write('ns.yaml', vs('reviews', 'reviews') + '---\n' + vs('ratings', 'ratings', [80, 20], 'prod'));
    const store = open({ defaultNamespace: 'bookinfo' });
    await store.ready();
    expect(servedNames(store)).toEqual(['VirtualService bookinfo/reviews', 'VirtualService prod/ratings']);
  });

  it('reads cluster-scoped Nodes without a namespace, keeping only their labels, even when one is written', async () => {
    const node = (name: string, extra = '') =>
      `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name}\n${extra}  labels: {topology.kubernetes.io/zone: z1}\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.1}]}\n`;
    write('nodes.yaml', node('worker-1') + '---\n' + node('worker-2', '  namespace: prod\n'));
    const store = open({ defaultNamespace: 'bookinfo', validate: validateConfig });
    await store.ready();
    expect(store.list('Node').map((c) => `${c.namespace}/${c.name} ${JSON.stringify(c.labels)}`)).toEqual([
      '/worker-1 {"topology.kubernetes.io/zone":"z1"}',
      '/worker-2 {"topology.kubernetes.io/zone":"z1"}',
    ]);
    expect(store.get('Node', '', 'worker-1')?.extra).toBeUndefined();
    expect(store.rejected()).toEqual([]);
  });

  it('fails ready() with the directory named when it cannot be read', async () => {
    const store = open({ dir: join(dir, 'missing') });
    await expect(store.ready()).rejects.toThrow(`cannot read config directory ${join(dir, 'missing')}: ENOENT`);
  });

  it('keeps what it has when the directory disappears, and says so', async () => {
    const root = join(dir, 'config');
    mkdirSync(root);
    writeFileSync(join(root, 'reviews.yaml'), vs('reviews', 'reviews'));
    const store = open({ dir: root, resyncMs: 50 });
    await store.ready();
    const { events } = recordEvents(store);
    renameSync(root, join(dir, 'moved'));
    const issues = await waitFor('the missing directory to be reported', () => {
      const found = store.rejected().map(formatIssue);
      return found.length > 0 && found;
    });
    expect(issues[0]).toMatch(`cannot read config directory ${root}: ENOENT`);
    expect(issues[0]).toMatch('(keeping the objects loaded before)');
    expect(servedNames(store)).toEqual(['VirtualService default/reviews']);

    renameSync(join(dir, 'moved'), root);
    writeFileSync(join(root, 'ratings.yaml'), vs('ratings', 'ratings'));
    await waitFor('the directory to come back', () => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'add', config: { name: 'ratings' } });
    expect(store.rejected()).toEqual([]);
  });
});
