import type { Config, ServiceEntrySpec } from '@mesh/config-model';
import { ConfigSnapshot, type ConfigChange } from '../config-source';
import { corpusConfigs, endpointSlice, make, node, pod } from '../../testdata/fixtures';
import { pushRequestForRegistryUpdate, ServiceRegistry } from './service-registry';

const add = (config: Config): ConfigChange => ({ type: 'add', config });
const update = (config: Config, previous: Config): ConfigChange => ({ type: 'update', config, previous });
const remove = (config: Config): ConfigChange => ({ type: 'delete', config });

const sorted = (set: ReadonlySet<string>) => [...set].sort();

function serviceEntry(namespace: string, name: string, spec: Partial<ServiceEntrySpec>) {
  return make('ServiceEntry', namespace, name, {
    hosts: [`${name}.example.com`],
    ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
    resolution: 'STATIC',
    ...spec,
  });
}

function workloadEntry(namespace: string, name: string, address: string, labels: Record<string, string>, extra = {}) {
  return make('WorkloadEntry', namespace, name, { address, labels, ...extra });
}

describe('ServiceRegistry: ServiceEntry and WorkloadEntry', () => {
  it('selects WorkloadEntries of the entry namespace only, and a label change is an endpoint-only update', () => {
    const registry = new ServiceRegistry();
    const se = serviceEntry('vms', 'db', {
      ports: [{ number: 3306, name: 'mysql', protocol: 'MySQL' }],
      workloadSelector: { labels: { app: 'db' } },
    });
    const vm1 = workloadEntry(
      'vms',
      'vm1',
      '10.10.0.1',
      { app: 'db', version: 'v1' },
      { ports: { mysql: 13306 }, serviceAccount: 'db', locality: 'r/z' },
    );
    const vm2 = workloadEntry('vms', 'vm2', '10.10.0.2', { app: 'web' });
    const elsewhere = workloadEntry('other', 'vm3', '10.10.0.3', { app: 'db' });
    for (const config of [vm1, vm2, elsewhere]) registry.apply(add(config));

    const added = registry.apply(add(se));
    expect(sorted(added.servicesChanged)).toEqual(['db.example.com']);
    expect(sorted(added.configsUpdated)).toEqual(['ServiceEntry/vms/db']);
    expect(sorted(added.edsHosts)).toEqual(['db.example.com']);
    expect(registry.endpoints('db.example.com', 'mysql')).toEqual([
      {
        hostname: 'db.example.com',
        servicePortName: 'mysql',
        address: '10.10.0.1',
        port: 13306,
        labels: { app: 'db', version: 'v1' },
        namespace: 'vms',
        serviceAccount: 'db',
        locality: { region: 'r', zone: 'z', subzone: '' },
        health: 'Healthy',
        tlsMode: 'istio',
        workloadName: 'vm1',
      },
    ]);

    // vm2 gets the label: its endpoint appears, the service definition is untouched.
    const vm2Db = workloadEntry('vms', 'vm2', '10.10.0.2', { app: 'db' });
    const relabelled = registry.apply(update(vm2Db, vm2));
    expect(relabelled.servicesChanged.size).toBe(0);
    expect(sorted(relabelled.edsHosts)).toEqual(['db.example.com']);
    expect(registry.endpoints('db.example.com', 'mysql').map((e) => `${e.address}:${e.port}`)).toEqual([
      '10.10.0.1:13306',
      '10.10.0.2:3306',
    ]);
    expect(pushRequestForRegistryUpdate(relabelled, 5)).toMatchObject({
      full: false,
      reasons: { endpoint: 1 },
      start: 5,
    });

    // A WorkloadEntry nobody selects changes nothing a proxy sees.
    const unrelated = registry.apply(update(workloadEntry('other', 'vm3', '10.10.0.4', { app: 'db' }), elsewhere));
    expect(unrelated.edsHosts.size + unrelated.servicesChanged.size).toBe(0);
    expect(pushRequestForRegistryUpdate(unrelated, 0)).toBeUndefined();

    registry.apply(remove(vm1));
    expect(registry.endpoints('db.example.com', 'mysql').map((e) => e.address)).toEqual(['10.10.0.2']);
  });

  it('selects Pods by the entry workloadSelector, Unhealthy while not ready', () => {
    const registry = new ServiceRegistry();
    registry.apply(add(serviceEntry('apps', 'cache', { workloadSelector: { labels: { app: 'cache' } } })));
    const p = pod('apps', 'cache-0', '10.1.1.1', { app: 'cache' }, { ready: false });
    expect(sorted(registry.apply(add(p)).edsHosts)).toEqual(['cache.example.com']);
    expect(registry.endpoints('cache.example.com', 'http')).toMatchObject([
      { address: '10.1.1.1', port: 80, health: 'Unhealthy', serviceAccount: 'default', workloadName: 'cache-0' },
    ]);
    registry.apply(update(pod('apps', 'cache-0', '10.1.1.1', { app: 'cache' }), p));
    expect(registry.endpoints('cache.example.com', 'http')[0].health).toBe('Healthy');
  });

  it('drops a terminating Pod (deletionTimestamp set) from the entry endpoints, as if deleted', () => {
    const registry = new ServiceRegistry();
    registry.apply(add(serviceEntry('apps', 'cache', { workloadSelector: { labels: { app: 'cache' } } })));
    const cache0 = pod('apps', 'cache-0', '10.1.1.1', { app: 'cache' });
    const cache1 = pod('apps', 'cache-1', '10.1.1.2', { app: 'cache' });
    registry.apply(add(cache0));
    registry.apply(add(cache1));
    expect(registry.endpoints('cache.example.com', 'http').map((e) => e.address)).toEqual(['10.1.1.1', '10.1.1.2']);

    // Still Ready and still holding its IP while it shuts down: no longer an endpoint at all.
    const terminating = { ...cache0, deletionTimestamp: '2026-01-02T03:04:05Z' };
    const change = registry.apply(update(terminating, cache0));
    expect(sorted(change.edsHosts)).toEqual(['cache.example.com']);
    expect(registry.endpoints('cache.example.com', 'http').map((e) => e.address)).toEqual(['10.1.1.2']);
    expect(registry.workloadInstances('apps').map((w) => w.name)).toEqual(['cache-1']);
    // A ServiceEntry change re-selecting workloads does not bring it back.
    registry.apply(
      update(
        serviceEntry('apps', 'cache', { workloadSelector: { labels: { app: 'cache' } }, exportTo: ['*'] }),
        serviceEntry('apps', 'cache', { workloadSelector: { labels: { app: 'cache' } } }),
      ),
    );
    expect(registry.endpoints('cache.example.com', 'http').map((e) => e.address)).toEqual(['10.1.1.2']);
  });

  it('tells an endpoint-only change of a ServiceEntry from a change of its service definition', () => {
    const registry = new ServiceRegistry();
    const v1 = serviceEntry('default', 'api', { endpoints: [{ address: '1.1.1.1' }] });
    registry.apply(add(v1));
    const v2 = serviceEntry('default', 'api', { endpoints: [{ address: '1.1.1.1' }, { address: '2.2.2.2' }] });
    const endpointsOnly = registry.apply(update(v2, v1));
    expect(endpointsOnly.servicesChanged.size).toBe(0);
    expect(sorted(endpointsOnly.edsHosts)).toEqual(['api.example.com']);

    const v3 = serviceEntry('default', 'api', {
      endpoints: [{ address: '1.1.1.1' }, { address: '2.2.2.2' }],
      ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }],
    });
    const definition = registry.apply(update(v3, v2));
    expect(sorted(definition.servicesChanged)).toEqual(['api.example.com']);
    expect(pushRequestForRegistryUpdate(definition, 0)).toMatchObject({ full: true, reasons: { service: 1 } });
    expect(registry.endpoints('api.example.com', 'http').map((e) => e.port)).toEqual([8080, 8080]);

    const gone = registry.apply(remove(v3));
    expect(sorted(gone.servicesChanged)).toEqual(['api.example.com']);
    expect(registry.service('api.example.com')).toBeUndefined();
    expect(registry.endpoints('api.example.com', 'http')).toEqual([]);
  });

  it('never mutates a services() array it returned', () => {
    const registry = new ServiceRegistry();
    registry.apply(add(serviceEntry('default', 'a', {})));
    const before = registry.services();
    registry.apply(add(serviceEntry('default', 'b', {})));
    expect(before.map((s) => s.hostname)).toEqual(['a.example.com']);
    expect(registry.services().map((s) => s.hostname)).toEqual(['a.example.com', 'b.example.com']);
  });
});

describe('ServiceRegistry: Kubernetes', () => {
  const reviewsService = make(
    'Service',
    'default',
    'reviews',
    { clusterIP: '10.96.0.5', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] },
    { creationTimestamp: '2024-01-01T00:00:00Z' },
  );

  it('loads Bookinfo from a snapshot: four services, no endpoints until slices come', () => {
    const registry = ServiceRegistry.fromSnapshot(
      new ConfigSnapshot(corpusConfigs('bookinfo/platform/kube/bookinfo.yaml')),
    );
    expect(
      registry
        .services()
        .map((s) => s.hostname)
        .sort(),
    ).toEqual([
      'details.default.svc.cluster.local',
      'productpage.default.svc.cluster.local',
      'ratings.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
    ]);
    expect(registry.endpointCount()).toBe(0);
  });

  it('replaces only the changed slice: the other slice keeps its very endpoint objects', () => {
    const registry = new ServiceRegistry();
    registry.apply(add(reviewsService));
    const ports = [{ name: 'http', port: 9080 }];
    const sliceA = endpointSlice('default', 'reviews-a', 'reviews', ports, [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]);
    const sliceB = endpointSlice('default', 'reviews-b', 'reviews', ports, [{ ip: '10.0.1.1' }]);
    registry.apply(add(sliceA));
    registry.apply(add(sliceB));
    const before = registry.endpoints('reviews.default.svc.cluster.local', 'http');
    expect(before.map((e) => e.address)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.1.1']);

    const sliceB2 = endpointSlice('default', 'reviews-b', 'reviews', ports, [{ ip: '10.0.1.1', ready: false }]);
    const change = registry.apply(update(sliceB2, sliceB));
    expect(change.servicesChanged.size).toBe(0);
    expect(sorted(change.edsHosts)).toEqual(['reviews.default.svc.cluster.local']);
    const after = registry.endpoints('reviews.default.svc.cluster.local', 'http');
    expect(after.map((e) => `${e.address} ${e.health}`)).toEqual([
      '10.0.0.1 Healthy',
      '10.0.0.2 Healthy',
      '10.0.1.1 Unhealthy',
    ]);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    // The value handed out before is immutable and unchanged.
    expect(before[2].health).toBe('Healthy');

    // Re-offering an identical slice reports nothing.
    expect(registry.apply(update(sliceB2, sliceB2)).edsHosts.size).toBe(0);
    registry.apply(remove(sliceA));
    expect(registry.endpoints('reviews.default.svc.cluster.local', 'http').map((e) => e.address)).toEqual(['10.0.1.1']);
  });

  it('copes with any arrival order: slice before Service, pod after slice', () => {
    const registry = new ServiceRegistry();
    const slice = endpointSlice(
      'default',
      'reviews-a',
      'reviews',
      [{ name: 'http', port: 9080 }],
      [{ ip: '10.0.0.1', pod: 'reviews-v1' }],
    );
    expect(registry.apply(add(slice)).edsHosts.size).toBe(0);
    expect(sorted(registry.apply(add(reviewsService)).edsHosts)).toEqual(['reviews.default.svc.cluster.local']);
    expect(registry.endpoints('reviews.default.svc.cluster.local', 'http')[0].labels).toEqual({});
    const podChange = registry.apply(add(pod('default', 'reviews-v1', '10.0.0.1', { app: 'reviews', version: 'v1' })));
    // The pod gives the endpoint its service account: the host's SANs change, so a full push.
    expect(sorted(podChange.servicesChanged)).toEqual(['reviews.default.svc.cluster.local']);
    expect(sorted(podChange.edsHosts)).toEqual(['reviews.default.svc.cluster.local']);
    expect(registry.endpoints('reviews.default.svc.cluster.local', 'http')[0].labels).toEqual({
      app: 'reviews',
      version: 'v1',
    });
    // Deleting the Service removes its endpoints; the slice waits for it to come back.
    const deleted = registry.apply(remove(reviewsService));
    expect(sorted(deleted.servicesChanged)).toEqual(['reviews.default.svc.cluster.local']);
    expect(registry.endpoints('reviews.default.svc.cluster.local', 'http')).toEqual([]);
  });

  it('makes a change of the service accounts behind a host a full push, keeping other endpoint changes EDS-only', () => {
    const registry = new ServiceRegistry();
    const host = 'reviews.default.svc.cluster.local';
    registry.apply(add(reviewsService));
    const ports = [{ name: 'http', port: 9080 }];
    registry.apply(add(pod('default', 'reviews-v1', '10.0.0.1', { app: 'reviews' }, { serviceAccount: 'reviews' })));
    registry.apply(add(pod('default', 'reviews-v2', '10.0.0.2', { app: 'reviews' }, { serviceAccount: 'reviews' })));
    registry.apply(add(pod('default', 'reviews-v3', '10.0.0.3', { app: 'reviews' }, { serviceAccount: 'reviews-v3' })));
    const slice1 = endpointSlice('default', 'reviews-a', 'reviews', ports, [{ ip: '10.0.0.1', pod: 'reviews-v1' }]);
    registry.apply(add(slice1));

    // A new pod running as the same account: endpoints only, an incremental push.
    const slice2 = endpointSlice('default', 'reviews-a', 'reviews', ports, [
      { ip: '10.0.0.1', pod: 'reviews-v1' },
      { ip: '10.0.0.2', pod: 'reviews-v2' },
    ]);
    const sameAccounts = registry.apply(update(slice2, slice1));
    expect(sameAccounts.servicesChanged.size).toBe(0);
    expect(sameAccounts.configsUpdated.size).toBe(0);
    expect(sorted(sameAccounts.edsHosts)).toEqual([host]);
    expect(pushRequestForRegistryUpdate(sameAccounts, 0)).toMatchObject({ full: false, reasons: { endpoint: 1 } });

    // A new pod running as another account: the SANs clusters verify change, a full push.
    const slice3 = endpointSlice('default', 'reviews-a', 'reviews', ports, [
      { ip: '10.0.0.1', pod: 'reviews-v1' },
      { ip: '10.0.0.2', pod: 'reviews-v2' },
      { ip: '10.0.0.3', pod: 'reviews-v3' },
    ]);
    const newAccount = registry.apply(update(slice3, slice2));
    expect(sorted(newAccount.servicesChanged)).toEqual([host]);
    expect(sorted(newAccount.configsUpdated)).toEqual(['Service/default/reviews']);
    expect(sorted(newAccount.edsHosts)).toEqual([host]);
    expect(pushRequestForRegistryUpdate(newAccount, 0)).toMatchObject({
      full: true,
      reasons: { service: 1 },
      configsUpdated: new Set(['Service/default/reviews']),
      edsHosts: new Set([host]),
    });

    // Removing the only endpoint of that account is a full push too; removing one of two is not.
    expect(sorted(registry.apply(update(slice2, slice3)).servicesChanged)).toEqual([host]);
    expect(registry.apply(update(slice1, slice2)).servicesChanged.size).toBe(0);
  });

  it('keeps a terminating pod behind a Service as its EndpointSlice says (serving and terminating → Draining)', () => {
    const registry = new ServiceRegistry();
    registry.apply(add(reviewsService));
    const running = pod('default', 'reviews-v1', '10.0.0.1', { app: 'reviews', version: 'v1' });
    registry.apply(add({ ...running, deletionTimestamp: '2026-01-02T03:04:05Z' }));
    const ports = [{ name: 'http', port: 9080 }];
    registry.apply(
      add(
        endpointSlice('default', 'reviews-a', 'reviews', ports, [
          { ip: '10.0.0.1', pod: 'reviews-v1', ready: false, serving: true, terminating: true },
        ]),
      ),
    );
    expect(registry.endpoints('reviews.default.svc.cluster.local', 'http')).toMatchObject([
      { address: '10.0.0.1', health: 'Draining', labels: { version: 'v1' }, serviceAccount: 'default' },
    ]);
  });

  it('gives a Kubernetes Service the WorkloadEntries its selector matches (VMs behind a Service)', () => {
    const registry = new ServiceRegistry();
    registry.apply(
      add(
        workloadEntry(
          'default',
          'reviews-vm',
          '10.20.0.1',
          { app: 'reviews', version: 'vm' },
          { ports: { http: 19080 } },
        ),
      ),
    );
    registry.apply(add(workloadEntry('default', 'other-vm', '10.20.0.2', { app: 'other' })));
    registry.apply(add(reviewsService));
    expect(registry.endpoints('reviews.default.svc.cluster.local', 'http')).toMatchObject([
      { address: '10.20.0.1', port: 19080, labels: { app: 'reviews', version: 'vm' }, workloadName: 'reviews-vm' },
    ]);
  });

  it('prefers the Kubernetes Service when a ServiceEntry declares the same hostname', () => {
    const registry = new ServiceRegistry();
    registry.apply(add(serviceEntry('default', 'squatter', { hosts: ['reviews.default.svc.cluster.local'] })));
    registry.apply(add(reviewsService));
    expect(registry.service('reviews.default.svc.cluster.local', 'default')?.registry).toBe('Kubernetes');
    expect(registry.services()).toHaveLength(2);
  });
});

describe('ServiceRegistry: Node locality', () => {
  const host = 'reviews.default.svc.cluster.local';
  const reviewsService = make('Service', 'default', 'reviews', {
    clusterIP: '10.96.0.5',
    selector: { app: 'reviews' },
    ports: [{ name: 'http', port: 9080 }],
  });
  const ports = [{ name: 'http', port: 9080 }];
  const zoneLabels = (zone: string) => ({
    'topology.kubernetes.io/region': 'eu-west1',
    'topology.kubernetes.io/zone': zone,
    'kubernetes.io/hostname': 'worker-1',
  });
  const localities = (registry: ServiceRegistry) =>
    registry.endpoints(host, 'http').map((e) => `${e.address} ${e.locality ? localityText(e.locality) : '-'}`);
  const localityText = (l: { region: string; zone: string; subzone: string }) => `${l.region}/${l.zone}/${l.subzone}`;

  /** reviews with two pods on worker-1 (one overriding its locality) and one on worker-2, one slice. */
  function reviewsOnTwoNodes(): ServiceRegistry {
    const registry = new ServiceRegistry();
    registry.apply(add(reviewsService));
    registry.apply(add(pod('default', 'reviews-1', '10.0.0.1', { app: 'reviews' }, { nodeName: 'worker-1' })));
    registry.apply(
      add(
        pod(
          'default',
          'reviews-2',
          '10.0.0.2',
          { app: 'reviews', 'istio-locality': 'us.us-b' },
          { nodeName: 'worker-1' },
        ),
      ),
    );
    registry.apply(add(pod('default', 'reviews-3', '10.0.0.3', { app: 'reviews' }, { nodeName: 'worker-2' })));
    registry.apply(
      add(
        endpointSlice('default', 'reviews-a', 'reviews', ports, [
          { ip: '10.0.0.1', pod: 'reviews-1' },
          { ip: '10.0.0.2', pod: 'reviews-2' },
          { ip: '10.0.0.3', pod: 'reviews-3' },
        ]),
      ),
    );
    return registry;
  }

  it('gives no locality until the node is known, then localizes its pods with an EDS-only update', () => {
    const registry = reviewsOnTwoNodes();
    expect(localities(registry)).toEqual(['10.0.0.1 -', '10.0.0.2 us/us-b/', '10.0.0.3 -']);

    const arrived = registry.apply(add(node('worker-1', zoneLabels('eu-west1-b'))));
    expect(arrived.servicesChanged.size).toBe(0);
    expect(sorted(arrived.edsHosts)).toEqual([host]);
    expect(pushRequestForRegistryUpdate(arrived, 7)).toMatchObject({
      full: false,
      reasons: { endpoint: 1 },
      edsHosts: new Set([host]),
    });
    // The pod with its own istio-locality keeps it; worker-2's pod waits for its node.
    expect(localities(registry)).toEqual(['10.0.0.1 eu-west1/eu-west1-b/', '10.0.0.2 us/us-b/', '10.0.0.3 -']);
  });

  it('re-localizes the pods of a relabelled node (EDS only) and ignores node changes that keep the locality', () => {
    const registry = reviewsOnTwoNodes();
    const before = node('worker-1', zoneLabels('eu-west1-b'));
    registry.apply(add(before));
    registry.apply(add(node('worker-2', zoneLabels('eu-west1-c'))));

    const moved = node('worker-1', { ...zoneLabels('eu-west1-d'), 'topology.istio.io/subzone': 'rack7' });
    const relabelled = registry.apply(update(moved, before));
    expect(relabelled.servicesChanged.size).toBe(0);
    expect(sorted(relabelled.edsHosts)).toEqual([host]);
    expect(pushRequestForRegistryUpdate(relabelled, 0)?.full).toBe(false);
    expect(localities(registry)).toEqual([
      '10.0.0.1 eu-west1/eu-west1-d/rack7',
      '10.0.0.2 us/us-b/',
      '10.0.0.3 eu-west1/eu-west1-c/',
    ]);

    // A label that is not a topology label (or a status heartbeat) changes no locality: no update.
    const cordoned = node('worker-1', {
      ...moved.labels,
      'node.kubernetes.io/exclude-from-external-load-balancers': '',
    });
    const unchanged = registry.apply(update(cordoned, moved));
    expect(unchanged.edsHosts.size + unchanged.servicesChanged.size).toBe(0);
    expect(pushRequestForRegistryUpdate(unchanged, 0)).toBeUndefined();
  });

  it('leaves a node whose pods all override their locality without an update', () => {
    const registry = new ServiceRegistry();
    registry.apply(add(reviewsService));
    registry.apply(
      add(pod('default', 'reviews-1', '10.0.0.1', { app: 'reviews', 'istio-locality': 'us.us-b' }, { nodeName: 'n' })),
    );
    registry.apply(
      add(endpointSlice('default', 'reviews-a', 'reviews', ports, [{ ip: '10.0.0.1', pod: 'reviews-1' }])),
    );
    const nodeAdded = registry.apply(add(node('n', zoneLabels('eu-west1-b'))));
    expect(nodeAdded.edsHosts.size + nodeAdded.servicesChanged.size).toBe(0);
  });

  it('follows a pod bound to a node after it was created, and drops the locality when the node goes', () => {
    const registry = new ServiceRegistry();
    const worker = node('worker-1', zoneLabels('eu-west1-b'));
    registry.apply(add(worker));
    registry.apply(add(reviewsService));
    const pending = pod('default', 'reviews-1', '10.0.0.1', { app: 'reviews' });
    registry.apply(add(pending));
    registry.apply(
      add(endpointSlice('default', 'reviews-a', 'reviews', ports, [{ ip: '10.0.0.1', pod: 'reviews-1' }])),
    );
    expect(localities(registry)).toEqual(['10.0.0.1 -']);

    // The scheduler binds it: spec.nodeName appears in a pod update.
    const bound = { ...pending, spec: { ...pending.spec, nodeName: 'worker-1' } };
    expect(sorted(registry.apply(update(bound, pending)).edsHosts)).toEqual([host]);
    expect(localities(registry)).toEqual(['10.0.0.1 eu-west1/eu-west1-b/']);

    const gone = registry.apply(remove(worker));
    expect(sorted(gone.edsHosts)).toEqual([host]);
    expect(localities(registry)).toEqual(['10.0.0.1 -']);

    // A deleted pod is no longer on the node: the node's return touches nothing.
    registry.apply(remove(bound));
    expect(registry.apply(add(worker)).edsHosts.size).toBe(0);
  });

  it('localizes pods selected by a ServiceEntry from their node too', () => {
    const registry = new ServiceRegistry();
    registry.apply(
      add(
        make('ServiceEntry', 'default', 'api', {
          hosts: ['api.example.com'],
          ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
          resolution: 'STATIC',
          workloadSelector: { labels: { app: 'api' } },
        }),
      ),
    );
    registry.apply(add(pod('default', 'api-1', '10.0.0.9', { app: 'api' }, { nodeName: 'worker-1' })));
    expect(registry.endpoints('api.example.com', 'http')[0].locality).toBeUndefined();
    const arrived = registry.apply(add(node('worker-1', zoneLabels('eu-west1-b'))));
    expect(sorted(arrived.edsHosts)).toEqual(['api.example.com']);
    expect(arrived.servicesChanged.size).toBe(0);
    expect(registry.endpoints('api.example.com', 'http')[0].locality).toEqual({
      region: 'eu-west1',
      zone: 'eu-west1-b',
      subzone: '',
    });
  });

  it('loads Nodes before Pods from a snapshot, whatever order the snapshot lists them in', () => {
    const registry = ServiceRegistry.fromSnapshot(
      new ConfigSnapshot([
        pod('default', 'reviews-1', '10.0.0.1', { app: 'reviews' }, { nodeName: 'worker-1' }),
        endpointSlice('default', 'reviews-a', 'reviews', ports, [{ ip: '10.0.0.1', pod: 'reviews-1' }]),
        reviewsService,
        node('worker-1', zoneLabels('eu-west1-b')),
      ]),
    );
    expect(localities(registry)).toEqual(['10.0.0.1 eu-west1/eu-west1-b/']);
  });
});
