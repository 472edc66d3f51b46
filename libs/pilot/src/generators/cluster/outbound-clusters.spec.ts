/**
 * What sidecars and routers get in CDS, asserted on the behaviour that matters (the golden files
 * record the rest): which clusters exist, how they discover endpoints, and what the
 * DestinationRule policies turn into.
 */
import { defaultMeshConfig } from '@mesh/config-model';
import { ConfigSnapshot, PushContext, ServiceRegistry, type Proxy } from '@mesh/mesh-model';
import {
  Cluster_DiscoveryType,
  Cluster_DnsLookupFamily,
  Cluster_LbPolicy,
} from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { OutlierDetection } from '@mesh/xds/generated/envoy/config/cluster/v3/outlier_detection';
import { configsFromYaml, proxyOf } from '../testing/scenario';
import { EnvoyClusterGenerator } from './cluster-generator';
import { clustersOf, httpOptionsOf, named } from './testdata/generate';
import { scenarioPush, scenarioProxy } from './testdata/scenarios';

const REVIEWS = 'reviews.default.svc.cluster.local';

function pushOf(yaml: string, mesh = defaultMeshConfig()): PushContext {
  const snapshot = new ConfigSnapshot(configsFromYaml(yaml, 'inline.yaml'));
  return PushContext.build({ config: snapshot, discovery: ServiceRegistry.fromSnapshot(snapshot), mesh, version: 't' });
}

describe('Bookinfo sidecar (destination-rule-all.yaml)', () => {
  const { scenario, push } = scenarioPush('bookinfo');
  const proxy = scenarioProxy(scenario, 'productpage-sidecar');
  const clusters = clustersOf(push, proxy);
  const names = clusters.map((cluster) => cluster.name);

  it('has a default cluster per service port and one per subset, then the fixed clusters', () => {
    expect(names).toEqual([
      'outbound|9080||details.default.svc.cluster.local',
      'outbound|9080|v1|details.default.svc.cluster.local',
      'outbound|9080|v2|details.default.svc.cluster.local',
      'outbound|9080||productpage.default.svc.cluster.local',
      'outbound|9080|v1|productpage.default.svc.cluster.local',
      'outbound|9080||ratings.default.svc.cluster.local',
      'outbound|9080|v1|ratings.default.svc.cluster.local',
      'outbound|9080|v2|ratings.default.svc.cluster.local',
      'outbound|9080|v2-mysql|ratings.default.svc.cluster.local',
      'outbound|9080|v2-mysql-vm|ratings.default.svc.cluster.local',
      `outbound|9080||${REVIEWS}`,
      `outbound|9080|v1|${REVIEWS}`,
      `outbound|9080|v2|${REVIEWS}`,
      `outbound|9080|v3|${REVIEWS}`,
      'BlackHoleCluster',
      'PassthroughCluster',
      'inbound|9080||',
      'InboundPassthroughCluster',
    ]);
  });

  it('discovers Kubernetes service endpoints over ADS, named after the cluster', () => {
    const v2 = named(clusters, `outbound|9080|v2|${REVIEWS}`);
    expect(v2.type).toBe(Cluster_DiscoveryType.EDS);
    expect(v2.edsClusterConfig?.serviceName).toBe(`outbound|9080|v2|${REVIEWS}`);
    expect(v2.edsClusterConfig?.edsConfig?.ads).toMatchObject({});
    expect(v2.loadAssignment).toBeUndefined();
  });

  it('uses least request and the mesh connect timeout (10s) when no rule says otherwise', () => {
    const reviews = named(clusters, `outbound|9080||${REVIEWS}`);
    expect(reviews.lbPolicy).toBe(Cluster_LbPolicy.LEAST_REQUEST);
    expect(reviews.connectTimeout).toMatchObject({ seconds: 10, nanos: 0 });
    expect(reviews.circuitBreakers?.thresholds?.[0]).toMatchObject({
      maxConnections: 4294967295,
      maxRetries: 4294967295,
    });
  });

  it('takes connectTimeout from the mesh config', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: a, namespace: default}
spec: {hosts: [a.internal], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 10.0.0.1}]}
`;
    const local = pushOf(yaml, { ...defaultMeshConfig(), connectTimeout: '1.5s' });
    for (const cluster of clustersOf(local, proxy)) {
      expect(cluster.connectTimeout).toMatchObject({ seconds: 1, nanos: 500_000_000 });
    }
  });

  it('records the service, rule and subset in istio metadata', () => {
    const v3 = named(clusters, `outbound|9080|v3|${REVIEWS}`);
    expect(v3.metadata?.filterMetadata?.istio).toEqual({
      services: [{ host: REVIEWS, name: 'reviews', namespace: 'default' }],
      config: '/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews',
      subset: 'v3',
    });
  });

  it('reaches its own workload on loopback through inbound|9080||', () => {
    const inbound = named(clusters, 'inbound|9080||');
    expect(inbound.type).toBe(Cluster_DiscoveryType.STATIC);
    expect(inbound.loadAssignment?.endpoints?.[0].lbEndpoints?.[0].endpoint?.address?.socketAddress).toMatchObject({
      address: '127.0.0.1',
      portValue: 9080,
    });
    expect(inbound.metadata?.filterMetadata?.istio?.services).toEqual([
      { host: 'productpage.default.svc.cluster.local', name: 'productpage', namespace: 'default' },
    ]);
  });

  it('passes unknown traffic through and drops black-holed traffic', () => {
    expect(named(clusters, 'PassthroughCluster')).toMatchObject({
      type: Cluster_DiscoveryType.ORIGINAL_DST,
      lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED,
    });
    expect(httpOptionsOf(named(clusters, 'PassthroughCluster'))?.useDownstreamProtocolConfig).toBeDefined();
    const blackHole = named(clusters, 'BlackHoleCluster');
    expect(blackHole.type).toBe(Cluster_DiscoveryType.STATIC);
    expect(blackHole.loadAssignment).toBeUndefined();
    expect(named(clusters, 'InboundPassthroughCluster').upstreamBindConfig?.sourceAddress?.address).toBe('127.0.0.6');
  });

  it('answers only the names a request asks for', () => {
    const asked = clustersOf(push, proxy, [`outbound|9080|v1|${REVIEWS}`, 'BlackHoleCluster', 'outbound|1||nothing']);
    expect(asked.map((cluster) => cluster.name)).toEqual([`outbound|9080|v1|${REVIEWS}`, 'BlackHoleCluster']);
  });
});

describe('a router (Bookinfo ingress gateway)', () => {
  const { scenario, push } = scenarioPush('bookinfo-gateway');
  const clusters = clustersOf(push, scenarioProxy(scenario, 'ingress-gateway'));

  it('gets clusters only for the services its VirtualServices route to, and no passthrough or inbound', () => {
    expect(clusters.map((cluster) => cluster.name)).toEqual([
      'outbound|9080||productpage.default.svc.cluster.local',
      'outbound|9080|v1|productpage.default.svc.cluster.local',
      'BlackHoleCluster',
    ]);
  });

  it('load-balances a headless service itself: a gateway has no original destination', () => {
    const yaml = `
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: tcp, port: 5432}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: data}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 5432, name: tcp, protocol: TCP}, hosts: ['*']}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: data}
spec:
  hosts: ['*']
  gateways: [gw]
  tcp: [{route: [{destination: {host: db}}]}]
`;
    const local = pushOf(yaml);
    const router = proxyOf('data', 'gw-0', '10.9.0.1', { type: 'router', labels: { istio: 'ingressgateway' } });
    const sidecar = proxyOf('data', 'app-0', '10.9.0.2');
    expect(named(clustersOf(local, router), 'outbound|5432||db.data.svc.cluster.local').type).toBe(
      Cluster_DiscoveryType.EDS,
    );
    expect(named(clustersOf(local, sidecar), 'outbound|5432||db.data.svc.cluster.local').type).toBe(
      Cluster_DiscoveryType.ORIGINAL_DST,
    );
  });
});

describe('ServiceEntry resolutions', () => {
  const { scenario, push } = scenarioPush('service-entries');
  const clusters = clustersOf(push, scenarioProxy(scenario, 'default-sidecar'));

  it('NONE: original destination, no endpoints of its own', () => {
    const legacy = named(clusters, 'outbound|5432||legacy-db.internal');
    expect(legacy.type).toBe(Cluster_DiscoveryType.ORIGINAL_DST);
    expect(legacy.lbPolicy).toBe(Cluster_LbPolicy.CLUSTER_PROVIDED);
    expect(legacy.edsClusterConfig).toBeUndefined();
    expect(legacy.loadAssignment).toBeUndefined();
  });

  it('STATIC: EDS; HTTP/2 upstream on its grpc port', () => {
    expect(named(clusters, 'outbound|8080||payments.internal').type).toBe(Cluster_DiscoveryType.EDS);
    const grpc = named(clusters, 'outbound|9090||payments.internal');
    expect(httpOptionsOf(grpc)?.explicitHttpConfig?.http2ProtocolOptions).toMatchObject({});
  });

  it('DNS: STRICT_DNS over the endpoints named by host, refreshed at the mesh rate, honouring TTLs', () => {
    const db = named(clusters, 'outbound|3306||db.example.com');
    expect(db.type).toBe(Cluster_DiscoveryType.STRICT_DNS);
    expect(db.dnsLookupFamily).toBe(Cluster_DnsLookupFamily.V4_ONLY);
    expect(db.dnsRefreshRate).toMatchObject({ seconds: 60, nanos: 0 });
    expect(db.respectDnsTtl).toBe(true);
    const hosts = db.loadAssignment?.endpoints?.flatMap((group) =>
      (group.lbEndpoints ?? []).map((lb) => lb.endpoint?.address?.socketAddress?.address),
    );
    expect(hosts).toEqual(['db-1.example.com', 'db-2.example.com']);
    // Without endpoints, the host itself is resolved.
    const api = named(clusters, 'outbound|443||api.example.com');
    expect(api.loadAssignment?.endpoints?.[0].lbEndpoints?.[0].endpoint?.address?.socketAddress).toMatchObject({
      address: 'api.example.com',
      portValue: 443,
    });
  });

  it('DNS_ROUND_ROBIN: LOGICAL_DNS with exactly one host', () => {
    const cdn = named(clusters, 'outbound|80||cdn.example.com');
    expect(cdn.type).toBe(Cluster_DiscoveryType.LOGICAL_DNS);
    expect(cdn.loadAssignment?.endpoints).toHaveLength(1);
    expect(cdn.loadAssignment?.endpoints?.[0].lbEndpoints).toHaveLength(1);
  });

  it('builds no cluster for a DNS wildcard host (nothing to resolve)', () => {
    expect(clusters.some((cluster) => cluster.name?.includes('wild.example.com'))).toBe(false);
  });

  it('marks mesh-external services and never upgrades them to mTLS', () => {
    const api = named(clusters, 'outbound|443||api.example.com');
    expect(api.metadata?.filterMetadata?.istio?.external).toBe(true);
    expect(api.transportSocket).toBeUndefined();
    expect(api.transportSocketMatches ?? []).toHaveLength(0);
  });

  it('derives DNS lookup family from the proxy addresses', () => {
    const v6 = proxyOf('default', 'v6-0', 'fd00::5');
    expect(named(clustersOf(push, v6), 'outbound|3306||db.example.com').dnsLookupFamily).toBe(
      Cluster_DnsLookupFamily.V6_ONLY,
    );
  });
});

describe('DestinationRule traffic policy', () => {
  const { scenario, push } = scenarioPush('traffic-policy');
  const clusters = clustersOf(push, scenarioProxy(scenario, 'shop-sidecar'));
  const CART = 'cart.shop.svc.cluster.local';

  it('maps the connection pool to circuit breakers, timeouts, keepalive and HTTP options', () => {
    const cart = named(clusters, `outbound|8080||${CART}`);
    expect(cart.circuitBreakers?.thresholds).toMatchObject([
      { maxConnections: 100, maxPendingRequests: 10, maxRequests: 1000, maxRetries: 4, trackRemaining: true },
    ]);
    expect(cart.connectTimeout).toMatchObject({ seconds: 0, nanos: 250_000_000 });
    expect(cart.upstreamConnectionOptions?.tcpKeepalive).toMatchObject({
      keepaliveProbes: 5,
      keepaliveTime: 7200,
      keepaliveInterval: 75,
    });
    expect(httpOptionsOf(cart)?.commonHttpProtocolOptions).toMatchObject({
      idleTimeout: { seconds: 30, nanos: 0 },
      maxConnectionDuration: { seconds: 3600, nanos: 0 },
      maxRequestsPerConnection: 5,
    });
  });

  it('maps outlier detection as Istio does: consecutive errors enforced, success rate off, panic at minHealthPercent', () => {
    const cart = named(clusters, `outbound|8080||${CART}`);
    // Strict: exactly these fields are set (toJSON leaves out what is unset).
    expect(OutlierDetection.toJSON(cart.outlierDetection!)).toEqual({
      consecutive5xx: 7,
      enforcingConsecutive5xx: 100,
      consecutiveGatewayFailure: 0,
      enforcingConsecutiveGatewayFailure: 0,
      enforcingSuccessRate: 0,
      interval: { seconds: 300 },
      baseEjectionTime: { seconds: 900 },
      maxEjectionPercent: 50,
    });
    expect(cart.commonLbConfig?.healthyPanicThreshold).toMatchObject({ value: 20 });
  });

  it('uses a hash ring for consistent hashing, Maglev where the subset asks for it', () => {
    const cart = named(clusters, `outbound|8080||${CART}`);
    expect(cart.lbPolicy).toBe(Cluster_LbPolicy.RING_HASH);
    expect(cart.ringHashLbConfig?.minimumRingSize).toBe(2048);
    const v2 = named(clusters, `outbound|8080|v2|${CART}`);
    expect(v2.lbPolicy).toBe(Cluster_LbPolicy.MAGLEV);
    expect(v2.maglevLbConfig?.tableSize).toBe(65537);
  });

  it('lets a subset replace settings one by one and keep the others', () => {
    const v2 = named(clusters, `outbound|8080|v2|${CART}`);
    // The subset's connection pool replaces the rule's whole pool (limits back to defaults)...
    expect(v2.circuitBreakers?.thresholds?.[0].maxConnections).toBe(4294967295);
    expect(httpOptionsOf(v2)?.explicitHttpConfig?.http2ProtocolOptions).toMatchObject({}); // h2UpgradePolicy: UPGRADE
    // ...while outlier detection comes from the rule.
    expect(v2.outlierDetection?.consecutive5xx).toBe(7);
    const v1 = named(clusters, `outbound|8080|v1|${CART}`);
    expect(v1.circuitBreakers?.thresholds?.[0].maxConnections).toBe(100);
  });

  it('lets a port-level setting replace the rule-level ones for its port (no inheritance)', () => {
    const grpc = named(clusters, `outbound|9090||${CART}`);
    expect(grpc.lbPolicy ?? Cluster_LbPolicy.ROUND_ROBIN).toBe(Cluster_LbPolicy.ROUND_ROBIN);
    expect(grpc.roundRobinLbConfig?.slowStartConfig?.slowStartWindow).toMatchObject({ seconds: 30, nanos: 0 });
    expect(grpc.outlierDetection).toBeUndefined();
    expect(grpc.circuitBreakers?.thresholds?.[0].maxConnections).toBe(4294967295);
    expect(httpOptionsOf(grpc)?.explicitHttpConfig?.http2ProtocolOptions?.maxConcurrentStreams).toBe(64);
    expect(named(clusters, `outbound|7070||${CART}`).lbPolicy).toBe(Cluster_LbPolicy.RANDOM);
  });

  it('follows the client protocol when asked to, and turns a PASSTHROUGH subset into original destination', () => {
    const pinned = named(clusters, 'outbound|8080|pinned|ledger.shop.svc.cluster.local');
    expect(httpOptionsOf(pinned)?.useDownstreamProtocolConfig).toBeDefined();
    const direct = named(clusters, 'outbound|8080|direct|ledger.shop.svc.cluster.local');
    expect(direct.type).toBe(Cluster_DiscoveryType.ORIGINAL_DST);
    expect(direct.lbPolicy).toBe(Cluster_LbPolicy.CLUSTER_PROVIDED);
    expect(direct.edsClusterConfig).toBeUndefined();
  });

  it('starts slowly when the rule asks for warmup', () => {
    const ledger = named(clusters, 'outbound|8080||ledger.shop.svc.cluster.local');
    expect(ledger.leastRequestLbConfig?.slowStartConfig).toMatchObject({
      slowStartWindow: { seconds: 60, nanos: 0 },
      minWeightPercent: { value: 10 },
    });
  });
});

describe('Sidecar scope', () => {
  const { scenario, push } = scenarioPush('sidecar-scope');
  const proxy: Proxy = scenarioProxy(scenario, 'team-sidecar');
  const clusters = clustersOf(push, proxy);

  it('limits outbound clusters to the egress hosts (own namespace and istio-system), skipping UDP ports', () => {
    const outbound = clusters.map((cluster) => cluster.name).filter((name) => name?.startsWith('outbound|'));
    expect(outbound).toEqual([
      'outbound|8080||api.team.svc.cluster.local',
      'outbound|9090||api.team.svc.cluster.local',
      'outbound|15010||istiod.istio-system.svc.cluster.local',
      'outbound|443||istiod.istio-system.svc.cluster.local',
    ]);
  });

  it('builds inbound clusters from the ingress listeners, to their default endpoints, with the inbound pool', () => {
    const http = named(clusters, 'inbound|8080||');
    expect(http.loadAssignment?.endpoints?.[0].lbEndpoints?.[0].endpoint?.address?.socketAddress).toMatchObject({
      address: '127.0.0.1',
      portValue: 18080,
    });
    expect(http.circuitBreakers?.thresholds?.[0].maxPendingRequests).toBe(20);
    expect(httpOptionsOf(http)?.commonHttpProtocolOptions?.idleTimeout).toMatchObject({ seconds: 15, nanos: 0 });
    const grpc = named(clusters, 'inbound|9090||');
    // 0.0.0.0 in defaultEndpoint means the workload's own address.
    expect(grpc.loadAssignment?.endpoints?.[0].lbEndpoints?.[0].endpoint?.address?.socketAddress).toMatchObject({
      address: '10.7.0.1',
      portValue: 19090,
    });
    expect(httpOptionsOf(grpc)?.explicitHttpConfig?.http2ProtocolOptions).toBeDefined();
  });
});

describe('bad input', () => {
  it('leaves out a MUTUAL cluster without a client certificate rather than sending plaintext, and says why', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [ext.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: default}
spec:
  host: ext.example.com
  trafficPolicy: {tls: {mode: MUTUAL}}
`;
    const push = pushOf(yaml);
    const proxy = proxyOf('default', 'app-0', '10.0.0.1');
    const skipped: string[] = [];
    const generator = new EnvoyClusterGenerator({ onSkippedCluster: (_proxy, reason) => skipped.push(reason) });
    const names = generator.clusters(proxy, push).map((entry) => entry.name);
    expect(names).toContain('BlackHoleCluster');
    expect(names).not.toContain('outbound|443||ext.example.com');
    expect(skipped).toEqual([
      'DestinationRule default/ext (cluster outbound|443||ext.example.com): tls mode MUTUAL needs clientCertificate and privateKey (or credentialName)',
    ]);
  });

  it('reports an unparsable duration with the rule and field instead of building a wrong cluster', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [ext.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: default}
spec:
  host: ext.example.com
  trafficPolicy: {outlierDetection: {interval: soon}}
`;
    expect(() => clustersOf(pushOf(yaml), proxyOf('default', 'app-0', '10.0.0.1'))).toThrow(
      /DestinationRule default\/ext .*outlierDetection\.interval.*"soon" is not a duration/,
    );
  });
});
