/**
 * Proxyless gRPC clients: only the clusters they name, in the forms gRPC's xDS client accepts
 * (interop/grpc-xds-acceptance.spec.ts runs grpc-js-xds's own validation over the same output).
 */
import { pushRequest } from '@mesh/mesh-model';
import { Cluster_DiscoveryType, Cluster_LbPolicy } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { clustersOf, generateClusters, named, upstreamTls } from './testdata/generate';
import { scenarioPush, scenarioProxy } from './testdata/scenarios';

const REVIEWS = 'reviews.default.svc.cluster.local';

describe('CDS for proxyless gRPC', () => {
  const bookinfo = scenarioPush('bookinfo');
  const client = scenarioProxy(bookinfo.scenario, 'grpc-client');

  it('answers the names asked for: a known subset, any default cluster, not an undefined subset', () => {
    const clusters = clustersOf(bookinfo.push, client, [
      `outbound|9080||${REVIEWS}`,
      `outbound|9080|v2|${REVIEWS}`,
      `outbound|9080|v9|${REVIEWS}`,
      'outbound|9080||unknown.default.svc.cluster.local',
      'inbound|9080||',
    ]);
    expect(clusters.map((cluster) => cluster.name)).toEqual([
      `outbound|9080||${REVIEWS}`,
      `outbound|9080|v2|${REVIEWS}`,
      'outbound|9080||unknown.default.svc.cluster.local',
    ]);
    for (const cluster of clusters) {
      expect(cluster.type).toBe(Cluster_DiscoveryType.EDS);
      expect(cluster.edsClusterConfig?.serviceName).toBe(cluster.name);
      expect(cluster.edsClusterConfig?.edsConfig?.ads).toBeDefined();
      // No auto mTLS for gRPC: it would need the client's xDS credentials, which the server cannot see.
      expect(cluster.transportSocket).toBeUndefined();
      expect(cluster.transportSocketMatches ?? []).toHaveLength(0);
    }
  });

  it('sends nothing for a wildcard request (gRPC always names its clusters)', () => {
    expect(clustersOf(bookinfo.push, client)).toEqual([]);
  });

  it('answers noChange to an endpoints-only push', () => {
    const push = pushRequest({ reason: 'endpoint', start: 0, full: false, edsHosts: new Set([REVIEWS]) });
    expect(generateClusters(bookinfo.push, client, [`outbound|9080||${REVIEWS}`], push).noChange).toBe(true);
  });

  it('resolves DNS services itself through LOGICAL_DNS with the one host', () => {
    const { scenario, push } = scenarioPush('service-entries');
    const clusters = clustersOf(push, scenarioProxy(scenario, 'grpc-client'), ['outbound|443||api.example.com']);
    expect(clusters[0].type).toBe(Cluster_DiscoveryType.LOGICAL_DNS);
    expect(clusters[0].loadAssignment?.endpoints).toHaveLength(1);
    expect(clusters[0].loadAssignment?.endpoints?.[0].lbEndpoints?.[0].endpoint?.address?.socketAddress).toMatchObject({
      address: 'api.example.com',
      portValue: 443,
    });
  });

  describe('DestinationRule policies it can honour', () => {
    const { scenario, push } = scenarioPush('traffic-policy');
    const clusters = clustersOf(push, scenarioProxy(scenario, 'grpc-client'), [
      'outbound|9090||cart.shop.svc.cluster.local',
      'outbound|8080|v1|cart.shop.svc.cluster.local',
      'outbound|8080|v2|cart.shop.svc.cluster.local',
      'outbound|8080||ledger.shop.svc.cluster.local',
    ]);

    it('consistent hashing as a ring (Maglev too), other algorithms as round robin', () => {
      const v1 = named(clusters, 'outbound|8080|v1|cart.shop.svc.cluster.local');
      expect(v1.lbPolicy).toBe(Cluster_LbPolicy.RING_HASH);
      expect(v1.ringHashLbConfig?.minimumRingSize).toBe(2048);
      expect(named(clusters, 'outbound|8080|v2|cart.shop.svc.cluster.local').lbPolicy).toBe(Cluster_LbPolicy.RING_HASH);
      expect(named(clusters, 'outbound|9090||cart.shop.svc.cluster.local').lbPolicy).toBe(Cluster_LbPolicy.ROUND_ROBIN);
    });

    it('max_requests from http2MaxRequests, and nothing gRPC would ignore (outlier detection, timeouts)', () => {
      const v1 = named(clusters, 'outbound|8080|v1|cart.shop.svc.cluster.local');
      expect(v1.circuitBreakers?.thresholds).toMatchObject([{ maxRequests: 1000 }]);
      expect(v1.circuitBreakers?.thresholds?.[0].maxConnections).toBeUndefined();
      expect(v1.outlierDetection).toBeUndefined();
      expect(v1.connectTimeout).toBeUndefined();
    });

    it('ISTIO_MUTUAL through the client certificate provider instance "default"', () => {
      const ledger = named(clusters, 'outbound|8080||ledger.shop.svc.cluster.local');
      const common = upstreamTls(ledger.transportSocket?.typedConfig).commonTlsContext;
      expect(common?.tlsCertificateProviderInstance).toMatchObject({
        instanceName: 'default',
        certificateName: 'default',
      });
      expect(common?.combinedValidationContext?.defaultValidationContext?.caCertificateProviderInstance).toMatchObject({
        instanceName: 'default',
        certificateName: 'ROOTCA',
      });
      expect(common?.combinedValidationContext?.defaultValidationContext?.matchSubjectAltNames).toMatchObject([
        { exact: 'spiffe://cluster.local/ns/shop/sa/ledger' },
      ]);
      // gRPC rejects tls_params and SDS secrets: neither is sent.
      expect(common?.tlsParams).toBeUndefined();
      expect(common?.tlsCertificateSdsSecretConfigs ?? []).toHaveLength(0);
    });
  });
});
