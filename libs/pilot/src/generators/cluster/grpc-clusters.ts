/**
 * Clusters for proxyless gRPC clients (`@grpc/grpc-js-xds` and the other gRPC xDS clients), which
 * validate clusters more strictly than Envoy and support less. Only what they accept is sent:
 *
 * - clusters only by name (a gRPC client asks for the clusters its routes name, never a wildcard):
 *   a service port's default cluster whenever the name is an outbound cluster name (its endpoints
 *   come from EDS; an unknown host has none), a subset cluster when the DestinationRule in force
 *   defines the subset;
 * - EDS over ADS; a DNS service becomes a LOGICAL_DNS cluster with its one host (gRPC resolves it);
 * - lb_policy ROUND_ROBIN, or RING_HASH for consistent hashing (Maglev too: gRPC has no Maglev, the
 *   ring keeps the same session affinity); LEAST_REQUEST and RANDOM are not offered by gRPC's
 *   `lb_policy` and fall back to round robin, as Istio's gRPC generator does;
 * - `circuit_breakers` max_requests (the one threshold gRPC reads) when the rule sets
 *   http2MaxRequests;
 * - ISTIO_MUTUAL (explicit in the rule only: a gRPC client uses mTLS only with xDS credentials,
 *   which the control plane cannot see) through the certificate provider instance `default`
 *   (certificate `default`, root `ROOTCA`) that the client's bootstrap must define. SIMPLE and
 *   MUTUAL origination are not supported by gRPC's xDS credentials and are left out;
 * - no outlier detection: gRPC ejects by success rate or failure percentage only, and Istio's
 *   consecutive-error settings have no equivalent there.
 */
import type { PushContext } from '@mesh/mesh-model';
import { packAny, type Cluster } from '@mesh/xds';
import {
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  Cluster_RingHashLbConfig_HashFunction,
} from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import {
  UpstreamTlsContext,
  type CommonTlsContext,
} from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { effectiveTrafficPolicy, type EffectiveTrafficPolicy } from '../common/traffic-policy';
import { WellKnown } from '../common/well-known';
import { targetEndpoints, type EndpointView } from '../endpoint/load-assignment';
import { envoyAddress } from '../endpoint/lb-endpoints';
import { parseClusterName } from '../naming';
import { outboundTargetForName, type OutboundTarget } from './outbound-targets';
import { exactMatchers } from './upstream-tls';

/** The certificate provider instance gRPC clients define in their bootstrap, as Istio names it. */
export const GRPC_CERTIFICATE_PROVIDER = 'default';
export const GRPC_IDENTITY_CERTIFICATE = 'default';
export const GRPC_ROOT_CERTIFICATE = 'ROOTCA';
/** gRPC refuses rings larger than this. */
export const GRPC_MAX_RING_SIZE = 8_388_608;

function edsCluster(name: string): Cluster {
  return { name, type: Cluster_DiscoveryType.EDS, edsClusterConfig: { serviceName: name, edsConfig: { ads: {} } } };
}

/**
 * mTLS with the client's own certificate providers. Both the current fields and the deprecated
 * ones older gRPC releases read are set (gRPC ignores the ones it does not know).
 */
export function grpcMtlsContext(subjectAltNames: readonly string[]): UpstreamTlsContext {
  const identity = { instanceName: GRPC_CERTIFICATE_PROVIDER, certificateName: GRPC_IDENTITY_CERTIFICATE };
  const root = { instanceName: GRPC_CERTIFICATE_PROVIDER, certificateName: GRPC_ROOT_CERTIFICATE };
  const common: CommonTlsContext = {
    tlsCertificateProviderInstance: identity,
    tlsCertificateCertificateProviderInstance: identity,
    combinedValidationContext: {
      defaultValidationContext: {
        matchSubjectAltNames: exactMatchers(subjectAltNames) ?? [],
        caCertificateProviderInstance: root,
      },
      validationContextCertificateProviderInstance: root,
    },
  };
  return { commonTlsContext: common };
}

function applyGrpcPolicy(
  push: PushContext,
  cluster: Cluster,
  target: OutboundTarget,
  policy: EffectiveTrafficPolicy,
): void {
  const hash = policy.loadBalancer?.consistentHash;
  if (hash) {
    const requested = hash.ringHash?.minimumRingSize ?? hash.minimumRingSize;
    cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
    cluster.ringHashLbConfig = {
      hashFunction: Cluster_RingHashLbConfig_HashFunction.XX_HASH,
      ...(requested ? { minimumRingSize: Math.min(requested, GRPC_MAX_RING_SIZE) } : {}),
    };
  } else {
    cluster.lbPolicy = Cluster_LbPolicy.ROUND_ROBIN;
  }
  const maxRequests = policy.connectionPool?.http?.http2MaxRequests ?? 0;
  if (maxRequests > 0) cluster.circuitBreakers = { thresholds: [{ maxRequests }] };
  if (policy.tls?.mode === 'ISTIO_MUTUAL') {
    const sans = policy.tls.subjectAltNames?.length
      ? policy.tls.subjectAltNames
      : push.serviceAccountsFor(target.service);
    cluster.transportSocket = {
      name: WellKnown.TlsTransportSocket,
      typedConfig: packAny(UpstreamTlsContext, grpcMtlsContext(sans)),
    };
  }
}

/** The cluster for one requested name, or undefined when the name stands for nothing gRPC can use. */
export function buildGrpcCluster(view: EndpointView, name: string): Cluster | undefined {
  const parsed = parseClusterName(name);
  if (!parsed || parsed.direction !== 'outbound') return undefined;
  const target = outboundTargetForName(view.push, view.proxy, name);
  if (!target) {
    // Istio answers a default cluster even for a host it does not know; its EDS is then empty.
    return parsed.subset === '' ? { ...edsCluster(name), lbPolicy: Cluster_LbPolicy.ROUND_ROBIN } : undefined;
  }
  let cluster = edsCluster(name);
  const resolution = target.service.resolution;
  if (resolution === 'DNSLB' || resolution === 'DNSRoundRobinLB') {
    // gRPC takes exactly one host in a LOGICAL_DNS cluster and resolves it itself.
    const host = targetEndpoints({ ...view, family: 'envoy' }, target)[0];
    if (host && !host.address.startsWith('unix://')) {
      cluster = {
        name,
        type: Cluster_DiscoveryType.LOGICAL_DNS,
        loadAssignment: {
          clusterName: name,
          endpoints: [
            { locality: {}, lbEndpoints: [{ endpoint: { address: envoyAddress(host.address, host.port) } }] },
          ],
        },
      };
    }
  }
  applyGrpcPolicy(
    view.push,
    cluster,
    target,
    effectiveTrafficPolicy(target.rule?.spec, target.port.port, target.subset?.name),
  );
  return cluster;
}

/** Clusters for a gRPC client's requested names, each once, in the order asked. */
export function buildGrpcClusters(view: EndpointView, names: Iterable<string>): Cluster[] {
  const out: Cluster[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const cluster = buildGrpcCluster(view, name);
    if (cluster) out.push(cluster);
  }
  return out;
}
