/**
 * Built resources outlive a push while their inputs do: an endpoint change rebuilds only the
 * changed host's assignments (and versions them anew for delta streams); a config change rebuilds
 * everything.
 */
import { defaultMeshConfig, type ConfigOfKind } from '@mesh/config-model';
import { ConfigSnapshot, PushContext, pushRequest, ServiceRegistry } from '@mesh/mesh-model';
import { ClusterLoadAssignment, TypeUrl, unpackAnyAs } from '@mesh/xds';
import type { GeneratedResource } from '../../xds-server/generator';
import { EnvoyClusterGenerator } from '../cluster/cluster-generator';
import { configsFromYaml, proxyOf } from '../testing/scenario';
import { EndpointGenerator } from './endpoint-generator';

const YAML = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a, namespace: apps}
spec:
  hosts: [a.apps.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  workloadSelector: {labels: {app: a}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: b, namespace: apps}
spec:
  hosts: [b.apps.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 10.0.2.1}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: a-1, namespace: apps}
spec: {address: 10.0.1.1, labels: {app: a}}
`;

const A = 'outbound|80||a.apps.svc.cluster.local';
const B = 'outbound|80||b.apps.svc.cluster.local';
const watched = { typeUrl: TypeUrl.ClusterLoadAssignment, resourceNames: new Set([A, B]) };
const full = pushRequest({ reason: 'proxy', start: 0 });

function setUp() {
  const configs = configsFromYaml(YAML, 'reuse.yaml');
  const snapshot = new ConfigSnapshot(configs);
  const registry = ServiceRegistry.fromSnapshot(snapshot);
  const push = PushContext.build({ config: snapshot, discovery: registry, mesh: defaultMeshConfig(), version: '1' });
  const entry = configs.find((config) => config.kind === 'WorkloadEntry') as ConfigOfKind<'WorkloadEntry'>;
  return { snapshot, registry, push, entry };
}

function addresses(entry: GeneratedResource): string[] {
  const assignment = unpackAnyAs(ClusterLoadAssignment, entry.resource);
  return (assignment.endpoints ?? []).flatMap((group) =>
    (group.lbEndpoints ?? []).map((lb) => lb.endpoint?.address?.socketAddress?.address ?? ''),
  );
}

it('rebuilds only the assignment whose endpoints changed, and gives it a new version', () => {
  const { registry, push, entry } = setUp();
  const generator = new EndpointGenerator();
  const proxy = proxyOf('apps', 'client-0', '10.0.9.1');
  const [a1, b1] = generator.generate(proxy, watched, push, full).resources;

  const moved = { ...entry, resourceVersion: '2', spec: { ...entry.spec, address: '10.0.1.2' } };
  const update = registry.apply({ type: 'update', config: moved, previous: entry });
  expect([...update.edsHosts]).toEqual(['a.apps.svc.cluster.local']);
  const next = push.updateEndpoints(update.edsHosts, registry, '2');
  const request = pushRequest({ reason: 'endpoint', start: 0, full: false, edsHosts: update.edsHosts });
  const incremental = generator.generate(proxy, watched, next, request);
  // Only the changed host's assignment is sent, marked partial (B is unchanged, not removed).
  expect(incremental).toEqual({ resources: [expect.objectContaining({ name: A })], partial: true });
  const [a2] = incremental.resources;
  expect(addresses(a1)).toEqual(['10.0.1.1']);
  expect(addresses(a2)).toEqual(['10.0.1.2']);
  expect(a2.version).not.toBe(a1.version);

  // Asked in full afterwards, B is the very resource built before (reused, same version).
  const [a3, b3] = generator.generate(proxy, watched, next, full).resources;
  expect(a3).toBe(a2);
  expect(b3).toBe(b1);
});

it('rebuilds everything after a config change (a new rule may change any cluster)', () => {
  const { snapshot, registry, push } = setUp();
  const clusters = new EnvoyClusterGenerator();
  const endpoints = new EndpointGenerator();
  const proxy = proxyOf('apps', 'client-0', '10.0.9.1');
  const cdsWatch = { typeUrl: TypeUrl.Cluster, resourceNames: new Set([B]) };
  const [before] = clusters.generate(proxy, cdsWatch, push, full).resources;
  const [, bBefore] = endpoints.generate(proxy, watched, push, full).resources;

  snapshot.put(
    configsFromYaml(
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: b, namespace: apps}
spec: {host: b.apps.svc.cluster.local, trafficPolicy: {loadBalancer: {simple: RANDOM}}}`,
      'dr.yaml',
    )[0],
  );
  const changed = PushContext.update(
    push,
    pushRequest({ reason: 'config', start: 0, configsUpdated: new Set(['DestinationRule/apps/b']) }),
    { config: snapshot, discovery: registry, mesh: push.mesh, version: '2' },
  );
  const [after] = clusters.generate(proxy, cdsWatch, changed, full).resources;
  const [, bAfter] = endpoints.generate(proxy, watched, changed, full).resources;
  expect(after).not.toBe(before);
  expect(after.version).not.toBe(before.version);
  expect(bAfter).not.toBe(bBefore);
});
