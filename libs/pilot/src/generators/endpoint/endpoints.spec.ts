/**
 * EDS: which endpoints each cluster gets, with what locality, weight, health, metadata and
 * priority, for Envoy-style proxies and proxyless gRPC clients.
 */
import { pushRequest } from '@mesh/mesh-model';
import { ClusterLoadAssignment, unpackAnyAs } from '@mesh/xds';
import { HealthStatus } from '@mesh/xds/generated/envoy/config/core/v3/health_check';
import { Cluster_DiscoveryType } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import {
  addressesByPriority,
  clustersOf,
  generateEndpoints,
  loadAssignmentsOf,
  named,
} from '../cluster/testdata/generate';
import { SCENARIOS, scenarioPush, scenarioProxy } from '../cluster/testdata/scenarios';
import { EndpointGenerator } from './endpoint-generator';

const REVIEWS = 'reviews.default.svc.cluster.local';

describe('Bookinfo endpoints', () => {
  const { scenario, push } = scenarioPush('bookinfo');
  const proxy = scenarioProxy(scenario, 'productpage-sidecar');
  const assignments = loadAssignmentsOf(push, proxy);

  it('gives a subset cluster only the endpoints carrying its labels', () => {
    expect(addressesByPriority(named(assignments, `outbound|9080||${REVIEWS}`))).toEqual({
      0: ['10.1.0.31:9080', '10.1.0.32:9080', '10.1.0.33:9080'],
    });
    expect(addressesByPriority(named(assignments, `outbound|9080|v2|${REVIEWS}`))).toEqual({ 0: ['10.1.0.32:9080'] });
    expect(named(assignments, 'outbound|9080|v2-mysql|ratings.default.svc.cluster.local').endpoints).toEqual([]);
  });

  it('groups endpoints by locality, weighting each locality by its endpoints', () => {
    const reviews = named(assignments, `outbound|9080||${REVIEWS}`);
    expect(
      reviews.endpoints?.map((group) => [group.locality?.region, group.locality?.zone, group.loadBalancingWeight]),
    ).toEqual([
      ['us-east', 'zone-a', 1],
      ['us-east', 'zone-b', 1],
      ['us-west', 'zone-c', 1],
    ]);
  });

  it('marks sidecar endpoints for mTLS and names the workload for telemetry', () => {
    const endpoint = named(assignments, `outbound|9080|v3|${REVIEWS}`).endpoints?.[0].lbEndpoints?.[0];
    expect(endpoint?.healthStatus).toBe(HealthStatus.HEALTHY);
    expect(endpoint?.loadBalancingWeight).toBe(1);
    expect(endpoint?.metadata?.filterMetadata).toEqual({
      'envoy.transport_socket_match': { tlsMode: 'istio' },
      istio: { workload: 'reviews-v3-0;default;reviews;v3;' },
    });
  });

  it('covers every EDS cluster CDS sends, and a wildcard request names exactly those', () => {
    const edsClusters = clustersOf(push, proxy).filter((cluster) => cluster.type === Cluster_DiscoveryType.EDS);
    expect(assignments.map((assignment) => assignment.clusterName)).toEqual(
      edsClusters.map((cluster) => cluster.edsClusterConfig?.serviceName),
    );
  });

  it('answers a name it cannot resolve with an empty assignment, as Istio does', () => {
    const answered = loadAssignmentsOf(push, proxy, [
      `outbound|9080|v9|${REVIEWS}`,
      'outbound|9080||nowhere.default.svc.cluster.local',
      'outbound|1234||reviews.default.svc.cluster.local',
      'not-a-cluster-name',
    ]);
    expect(answered.map((assignment) => [assignment.clusterName, assignment.endpoints])).toEqual([
      [`outbound|9080|v9|${REVIEWS}`, []],
      ['outbound|9080||nowhere.default.svc.cluster.local', []],
      ['outbound|1234||reviews.default.svc.cluster.local', []],
      ['not-a-cluster-name', []],
    ]);
  });
});

describe('health and mTLS metadata', () => {
  const { scenario, push } = scenarioPush('auto-mtls');
  const assignments = loadAssignmentsOf(push, scenarioProxy(scenario, 'mixed-sidecar'));

  it('leaves out endpoints that are not ready, and draining ones of services without persistent sessions', () => {
    expect(addressesByPriority(named(assignments, 'outbound|80||orders.mixed.svc.cluster.local'))).toEqual({
      0: ['10.5.0.1:8080', '10.5.0.2:8080'],
    });
  });

  it('labels only endpoints with a sidecar whose PeerAuthentication allows mTLS', () => {
    const tlsModes = (name: string) =>
      named(assignments, name).endpoints?.flatMap((group) =>
        (group.lbEndpoints ?? []).map((lb) => [
          lb.endpoint?.address?.socketAddress?.address,
          lb.metadata?.filterMetadata?.['envoy.transport_socket_match']?.tlsMode,
        ]),
      );
    expect(tlsModes('outbound|80||orders.mixed.svc.cluster.local')).toEqual([
      ['10.5.0.1', 'istio'],
      ['10.5.0.2', undefined],
    ]);
    expect(tlsModes('outbound|9100||metrics.mixed.svc.cluster.local')).toEqual([['10.5.2.1', undefined]]);
    expect(tlsModes('outbound|80||legacy.legacy.svc.cluster.local')).toEqual([['10.5.3.1', undefined]]);
  });
});

describe('ServiceEntry endpoints', () => {
  const { scenario, push } = scenarioPush('service-entries');

  it('carry their weights, localities and per-endpoint ports', () => {
    const payments = named(
      loadAssignmentsOf(push, scenarioProxy(scenario, 'default-sidecar')),
      'outbound|8080||payments.internal',
    );
    expect(
      payments.endpoints?.map((group) => ({
        locality: `${group.locality?.region}/${group.locality?.zone}`,
        weight: group.loadBalancingWeight,
        endpoints: (group.lbEndpoints ?? []).map(
          (lb) => `${lb.endpoint?.address?.socketAddress?.address}:${lb.endpoint?.address?.socketAddress?.portValue}`,
        ),
      })),
    ).toEqual([
      { locality: 'eu-west/zone-x', weight: 1, endpoints: ['10.2.0.3:18080'] },
      { locality: 'us-east/zone-a', weight: 1, endpoints: ['10.2.0.1:8080'] },
      { locality: 'us-east/zone-b', weight: 3, endpoints: ['10.2.0.2:8080'] },
    ]);
  });

  it('give gRPC clients IP endpoints only', () => {
    const client = scenarioProxy(scenario, 'grpc-client');
    const [payments, cdn] = loadAssignmentsOf(push, client, [
      'outbound|9090||payments.internal',
      'outbound|80||cdn.example.com',
    ]);
    expect(addressesByPriority(payments)[0]).toHaveLength(3);
    expect(cdn.endpoints).toEqual([]);
  });
});

describe('locality load balancing (proxy in us-east/zone-a/rack-1)', () => {
  const { scenario, push } = scenarioPush('locality');
  const proxy = scenarioProxy(scenario, 'us-east-sidecar');
  const assignments = loadAssignmentsOf(push, proxy);
  const clusters = clustersOf(push, proxy);

  it('failover: priorities by closeness, other regions after the failover target', () => {
    expect(addressesByPriority(named(assignments, 'outbound|80||failover.geo.internal'))).toEqual({
      0: ['10.6.0.1:80'],
      1: ['10.6.0.2:80'],
      2: ['10.6.0.3:80'],
      3: ['10.6.0.5:80'],
      4: ['10.6.0.4:80'],
    });
    expect(
      named(clusters, 'outbound|80||failover.geo.internal').commonLbConfig?.localityWeightedLbConfig,
    ).toBeDefined();
  });

  it('distribute: weights per matching locality, no endpoints for the others', () => {
    const distribute = named(assignments, 'outbound|80||distribute.geo.internal');
    expect(
      distribute.endpoints?.map((group) => [
        group.locality?.region,
        group.locality?.zone,
        group.locality?.subZone,
        group.loadBalancingWeight,
        group.lbEndpoints?.length,
      ]),
    ).toEqual([
      ['eu-central', 'zone-d', '', 1, 0],
      ['us-east', 'zone-a', 'rack-1', 40, 1],
      ['us-east', 'zone-a', 'rack-2', 40, 1],
      ['us-east', 'zone-b', '', 1, 0],
      ['us-west', 'zone-c', '', 20, 1],
    ]);
    expect(
      named(clusters, 'outbound|80||distribute.geo.internal').commonLbConfig?.localityWeightedLbConfig,
    ).toBeDefined();
  });

  it('failoverPriority: endpoints sharing more of the listed labels with the proxy come first', () => {
    expect(addressesByPriority(named(assignments, 'outbound|80||priority.geo.internal'))).toEqual({
      0: ['10.6.0.1:80', '10.6.0.5:80'],
      1: ['10.6.0.2:80'],
      2: ['10.6.0.3:80', '10.6.0.4:80'],
    });
  });

  it('no failover without outlier detection (nothing would ever eject an endpoint)', () => {
    expect(Object.keys(addressesByPriority(named(assignments, 'outbound|80||nodetect.geo.internal')))).toEqual(['0']);
    expect(
      named(clusters, 'outbound|80||nodetect.geo.internal').commonLbConfig?.localityWeightedLbConfig,
    ).toBeUndefined();
  });

  it('computes priorities relative to each proxy', () => {
    const west = { ...proxy, metadata: { LOCALITY: 'us-west/zone-c' } };
    expect(addressesByPriority(named(loadAssignmentsOf(push, west), 'outbound|80||failover.geo.internal'))).toEqual({
      0: ['10.6.0.4:80'],
      1: ['10.6.0.1:80', '10.6.0.2:80', '10.6.0.3:80', '10.6.0.5:80'],
    });
  });
});

describe('pushes', () => {
  const { scenario, push } = scenarioPush('bookinfo');
  const proxy = scenarioProxy(scenario, 'productpage-sidecar');
  const names = [`outbound|9080||${REVIEWS}`, `outbound|9080|v1|${REVIEWS}`];

  it('answers noChange when an endpoints-only push concerns none of the requested clusters', () => {
    const unrelated = pushRequest({
      reason: 'endpoint',
      start: 0,
      full: false,
      edsHosts: new Set(['ratings.default.svc.cluster.local']),
    });
    expect(generateEndpoints(push, proxy, names, unrelated)).toEqual({ resources: [], noChange: true });
  });

  it('sends every requested assignment when one of them changed (state of the world)', () => {
    const related = pushRequest({ reason: 'endpoint', start: 0, full: false, edsHosts: new Set([REVIEWS]) });
    const result = generateEndpoints(push, proxy, names, related);
    expect(result.noChange).toBeUndefined();
    expect(result.resources.map((entry) => entry.name)).toEqual(names);
  });

  it('shares one built assignment between proxies with the same view of a push', () => {
    const generator = new EndpointGenerator();
    const twin = { ...proxy, id: 'sidecar~10.1.0.41~productpage-v1-1.default~default.svc.cluster.local' };
    const first = generateEndpoints(push, proxy, names, undefined, generator).resources[0];
    const second = generateEndpoints(push, twin, names, undefined, generator).resources[0];
    expect(second).toBe(first);
    expect(unpackAnyAs(ClusterLoadAssignment, second.resource).clusterName).toBe(names[0]);
  });
});

it('every scenario proxy gets an assignment for every EDS cluster in its CDS', () => {
  for (const scenario of SCENARIOS) {
    const { push } = scenarioPush(scenario.name);
    for (const { proxy, requestedClusters } of scenario.proxies) {
      const clusters = clustersOf(push, proxy, requestedClusters ?? []);
      const edsNames = clusters
        .filter((cluster) => cluster.type === Cluster_DiscoveryType.EDS)
        .map((cluster) => cluster.edsClusterConfig?.serviceName ?? '');
      const answered = loadAssignmentsOf(push, proxy, edsNames).map((assignment) => assignment.clusterName);
      expect(answered).toEqual(edsNames);
    }
  }
});
