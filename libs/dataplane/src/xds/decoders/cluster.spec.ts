import { RoutingPriority } from '@mesh/xds/generated/envoy/config/core/v3/base';
import { HttpProtocolOptions } from '@mesh/xds/generated/envoy/extensions/upstreams/http/v3/http_protocol_options';
import { Cluster, ClusterLoadAssignment, packAny } from '@mesh/xds';
import { Cluster_DiscoveryType, Cluster_LbPolicy } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { UpstreamTlsContext } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { SubjectAltNameMatcher_SanType } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/common';
import { edsCluster, endpoints, staticCluster } from '../../../testdata/envoy-fixtures';
import { ClusterType, EndpointsType } from '../resource-types';

const decode = (cluster: Cluster, position = 0) => ClusterType.decode(packAny(Cluster, cluster), position);
const errorOf = (cluster: Cluster, position = 0) => {
  const result = decode(cluster, position);
  if (result.ok) throw new Error('expected a decode error');
  return result.error;
};

describe('Cluster decoder', () => {
  it('reads an EDS cluster, its service name defaulting to the cluster name', () => {
    expect(decode(edsCluster('outbound|9080||reviews.default.svc.cluster.local'))).toEqual({
      ok: true,
      name: 'outbound|9080||reviews.default.svc.cluster.local',
      value: {
        name: 'outbound|9080||reviews.default.svc.cluster.local',
        type: 'eds',
        serviceName: 'outbound|9080||reviews.default.svc.cluster.local',
        lbPolicy: 'round_robin',
        connectTimeoutMs: 1000,
        tls: undefined,
        transportSocketMatches: [],
        // Envoy's defaults.
        circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
        outlierDetection: undefined,
        healthyPanicThresholdPercent: 50,
        upstreamBindAddress: undefined,
        idleTimeoutMs: undefined,
      },
    });
    expect(decode(edsCluster('a', 'svc-a')).ok && decode(edsCluster('a', 'svc-a'))).toMatchObject({
      value: { serviceName: 'svc-a' },
    });
  });

  it('reads a static cluster with its endpoints inline, defaulting the connect timeout to 5 s', () => {
    const result = decode(staticCluster('inbound|8080||', 8080));
    expect(result.ok && result.value).toMatchObject({
      type: 'static',
      connectTimeoutMs: 5000,
      loadAssignment: { localities: [{ endpoints: [{ address: { address: '127.0.0.1', port: 8080 } }] }] },
    });
  });

  it("reads Istio's auto-mTLS transport socket matches (TLS over SDS for tlsMode=istio, plaintext otherwise)", () => {
    const tls = packAny(UpstreamTlsContext, {
      sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
      commonTlsContext: {
        tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: { apiConfigSource: {} } }],
        combinedValidationContext: {
          defaultValidationContext: {
            matchTypedSubjectAltNames: [
              {
                sanType: SubjectAltNameMatcher_SanType.URI,
                matcher: { exact: 'spiffe://cluster.local/ns/default/sa/reviews' },
              },
            ],
          },
          validationContextSdsSecretConfig: { name: 'ROOTCA', sdsConfig: { apiConfigSource: {} } },
        },
        alpnProtocols: ['istio-peer-exchange', 'istio'],
      },
    });
    const result = decode({
      ...edsCluster('c'),
      transportSocketMatches: [
        {
          name: 'tlsMode-istio',
          match: { tlsMode: 'istio' },
          transportSocket: { name: 'envoy.transport_sockets.tls', typedConfig: tls },
        },
        {
          name: 'tlsMode-disabled',
          transportSocket: {
            name: 'envoy.transport_sockets.raw_buffer',
            typedConfig: {
              typeUrl: 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
              value: Buffer.alloc(0),
            },
          },
        },
      ],
    });
    expect(result.ok && result.value.transportSocketMatches).toEqual([
      {
        name: 'tlsMode-istio',
        match: { tlsMode: 'istio' },
        tls: {
          sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
          certificates: [{ name: 'default', viaAds: false }],
          validationContext: { name: 'ROOTCA', viaAds: false },
          matchSubjectAltNames: [
            { kind: 'exact', value: 'spiffe://cluster.local/ns/default/sa/reviews', ignoreCase: false, sanType: 'uri' },
          ],
          alpnProtocols: ['istio-peer-exchange', 'istio'],
        },
      },
      { name: 'tlsMode-disabled', match: {}, tls: undefined },
    ]);
  });

  it('rejects a cluster without a name, by its position', () => {
    expect(errorOf({ ...edsCluster('x'), name: '' }, 1).message).toBe(
      'Cluster at resources[1]: name: must not be empty',
    );
  });

  it('checks the discovery type against its endpoint source and load balancer', () => {
    expect(errorOf({ ...edsCluster('c'), edsClusterConfig: { serviceName: 's' } }).message).toBe(
      'Cluster "c": eds_cluster_config.eds_config: is required',
    );
    expect(errorOf({ name: 'c', type: Cluster_DiscoveryType.STRICT_DNS }).field).toBe('load_assignment');
    expect(errorOf({ name: 'c', type: Cluster_DiscoveryType.ORIGINAL_DST }).reason).toBe(
      'an ORIGINAL_DST cluster needs CLUSTER_PROVIDED',
    );
    expect(
      decode({
        name: 'PassthroughCluster',
        type: Cluster_DiscoveryType.ORIGINAL_DST,
        lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED,
      }).ok,
    ).toBe(true);
    expect(errorOf({ ...edsCluster('c'), lbPolicy: Cluster_LbPolicy.LOAD_BALANCING_POLICY_CONFIG }).field).toBe(
      'lb_policy',
    );
    expect(errorOf({ ...staticCluster('c', 80), loadAssignment: endpoints('c', [80], 'db.example.com') }).message).toBe(
      'Cluster "c": load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address: "db.example.com" is not an IP address',
    );
    const dns = decode({
      ...staticCluster('c', 80),
      type: Cluster_DiscoveryType.LOGICAL_DNS,
      loadAssignment: endpoints('c', [80], 'db.example.com'),
    });
    expect(dns.ok && dns.value).toMatchObject({ type: 'logical_dns' });
  });

  it('reads the DEFAULT priority circuit breaker thresholds, unset ones keeping Envoy defaults', () => {
    const result = decode({
      ...edsCluster('c'),
      circuitBreakers: {
        thresholds: [
          { priority: RoutingPriority.HIGH, maxConnections: 9 },
          { maxConnections: 1, maxPendingRequests: 2, trackRemaining: true },
        ],
      },
    });
    expect(result.ok && result.value.circuitBreakers).toEqual({
      maxConnections: 1,
      maxPendingRequests: 2,
      maxRequests: 1024,
      maxRetries: 3,
    });
  });

  it('rejects retry budgets and per-host thresholds', () => {
    expect(
      errorOf({
        ...edsCluster('c'),
        circuitBreakers: { thresholds: [{ retryBudget: { budgetPercent: { value: 20 } } }] },
      }).message,
    ).toBe('Cluster "c": circuit_breakers.thresholds[0].retry_budget: is not supported by this proxy');
    expect(errorOf({ ...edsCluster('c'), circuitBreakers: { perHostThresholds: [{ maxConnections: 1 }] } }).field).toBe(
      'circuit_breakers.per_host_thresholds',
    );
  });

  it('reads consecutive-failure outlier detection with Envoy defaults, and the panic threshold', () => {
    const result = decode({
      ...edsCluster('c'),
      outlierDetection: { consecutive5xx: 3, interval: { seconds: 1 }, enforcingSuccessRate: 0 },
      commonLbConfig: { healthyPanicThreshold: { value: 0 } },
    });
    expect(result.ok && result.value).toMatchObject({
      outlierDetection: {
        consecutive5xx: 3,
        enforcingConsecutive5xx: 100,
        consecutiveGatewayFailure: 5,
        enforcingConsecutiveGatewayFailure: 0,
        intervalMs: 1000,
        baseEjectionTimeMs: 30_000,
        maxEjectionTimeMs: 300_000,
        maxEjectionPercent: 10,
      },
      healthyPanicThresholdPercent: 0,
    });
  });

  it('rejects outlier detectors it does not implement, and locality-weighted balancing', () => {
    // Success-rate ejection is enforced unless turned off.
    expect(errorOf({ ...edsCluster('c'), outlierDetection: { consecutive5xx: 3 } }).field).toBe(
      'outlier_detection.enforcing_success_rate',
    );
    expect(
      errorOf({
        ...edsCluster('c'),
        outlierDetection: { enforcingSuccessRate: 0, splitExternalLocalOriginErrors: true },
      }).field,
    ).toBe('outlier_detection.split_external_local_origin_errors');
    expect(errorOf({ ...edsCluster('c'), commonLbConfig: { localityWeightedLbConfig: {} } }).field).toBe(
      'common_lb_config.locality_weighted_lb_config',
    );
  });

  it('reads the upstream bind address, HTTP/1.1 protocol options with their idle timeout, and a STATIC cluster without endpoints', () => {
    const result = decode({
      ...staticCluster('BlackHoleCluster', 1),
      loadAssignment: undefined,
      upstreamBindConfig: { sourceAddress: { address: '127.0.0.6', portValue: 0 } },
      typedExtensionProtocolOptions: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': packAny(HttpProtocolOptions, {
          commonHttpProtocolOptions: { idleTimeout: { seconds: 3600 } },
          useDownstreamProtocolConfig: {},
        }),
      },
    });
    expect(result.ok && result.value).toMatchObject({
      upstreamBindAddress: '127.0.0.6',
      idleTimeoutMs: 3_600_000,
      loadAssignment: { localities: [] },
    });
  });

  it('rejects HTTP/2 upstreams', () => {
    const error = errorOf({
      ...edsCluster('c'),
      typedExtensionProtocolOptions: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': packAny(HttpProtocolOptions, {
          explicitHttpConfig: { http2ProtocolOptions: {} },
        }),
      },
    });
    expect(error.message).toBe(
      'Cluster "c": typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config.http2_protocol_options: HTTP/2 upstream is not supported by this proxy yet',
    );
  });
});

describe('ClusterLoadAssignment decoder', () => {
  const decodeCla = (cla: ClusterLoadAssignment) => EndpointsType.decode(packAny(ClusterLoadAssignment, cla), 0);

  it('reads localities, priorities, weights, health and transport-socket metadata', () => {
    const result = decodeCla({
      clusterName: 'outbound|9080||reviews.default.svc.cluster.local',
      endpoints: [
        {
          locality: { region: 'eu', zone: 'eu-1', subZone: '' },
          loadBalancingWeight: 3,
          priority: 1,
          lbEndpoints: [
            {
              endpoint: { address: { socketAddress: { address: '10.1.0.7', portValue: 9080 } } },
              healthStatus: 1,
              loadBalancingWeight: 2,
              metadata: { filterMetadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } } },
            },
          ],
        },
      ],
    });
    expect(result.ok && result.value).toEqual({
      clusterName: 'outbound|9080||reviews.default.svc.cluster.local',
      localities: [
        {
          locality: { region: 'eu', zone: 'eu-1', subZone: '' },
          priority: 1,
          weight: 3,
          endpoints: [
            {
              address: { address: '10.1.0.7', port: 9080 },
              healthStatus: 'healthy',
              weight: 2,
              metadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } },
            },
          ],
        },
      ],
    });
  });

  it('rejects endpoints without a usable socket address', () => {
    const error = (cla: ClusterLoadAssignment) => {
      const result = decodeCla(cla);
      return result.ok ? undefined : result.error.message;
    };
    expect(error(endpoints('c', [0]))).toBe(
      'ClusterLoadAssignment "c": endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: 0 is not a valid port',
    );
    expect(
      error({
        clusterName: 'c',
        endpoints: [
          { lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.0.1', namedPort: 'http' } } } }] },
        ],
      }),
    ).toBe(
      'ClusterLoadAssignment "c": endpoints[0].lb_endpoints[0].endpoint.address.socket_address.named_port: is not supported by this proxy',
    );
    expect(error({ clusterName: 'c', endpoints: [{ lbEndpoints: [{}] }] })).toBe(
      'ClusterLoadAssignment "c": endpoints[0].lb_endpoints[0].endpoint: is required',
    );
    expect(error({ ...endpoints('', [80]) })).toBe(
      'ClusterLoadAssignment at resources[0]: cluster_name: must not be empty',
    );
  });
});
