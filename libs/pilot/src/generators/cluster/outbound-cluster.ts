/**
 * One outbound cluster for an Envoy-style proxy (sidecar or router), Istio's way:
 *
 * - discovery by the service's resolution: EDS over ADS (ClientSideLB; also Passthrough services
 *   on routers, which have no original destination), STRICT_DNS (DNSLB) or LOGICAL_DNS
 *   (DNSRoundRobinLB, one endpoint) with the endpoints inlined, ORIGINAL_DST (Passthrough, or a
 *   PASSTHROUGH load balancer); a DNS cluster without endpoints is not built;
 * - upstream protocol from the port: HTTP/2 for http2/grpc ports, the downstream's protocol for a
 *   sidecar's sniffed (unnamed) ports;
 * - the DestinationRule policy for the port and subset (see traffic-policy-settings.ts,
 *   upstream-tls.ts), locality-weighted LB when priorities or weights are in play;
 * - `istio` metadata: the service (`services`), the rule (`config`), the `subset`, `external`.
 */
import { isHttp2Protocol, type MeshConfig } from '@mesh/config-model';
import type { Proxy, PushContext, Service } from '@mesh/mesh-model';
import type { Cluster } from '@mesh/xds';
import { Cluster_DiscoveryType, Cluster_DnsLookupFamily } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { ApiVersion, type ConfigSource } from '@mesh/xds/generated/envoy/config/core/v3/config_source';
import { durationFromIstio, ZERO_DURATION } from '../common/duration';
import type { EffectiveTrafficPolicy } from '../common/traffic-policy';
import {
  targetLocalityLbEndpoints,
  targetEndpoints,
  targetPolicy,
  type EndpointView,
} from '../endpoint/load-assignment';
import { localityLbSettingFor, needsLocalityWeightedLb } from '../endpoint/locality-lb';
import { finishCluster, useDownstreamProtocol, useHttp2, type ClusterDraft } from './cluster-draft';
import type { OutboundTarget } from './outbound-targets';
import {
  applyConnectionPool,
  applyH2Upgrade,
  applyLoadBalancer,
  applyOutlierDetection,
  enableLocalityWeightedLb,
} from './traffic-policy-settings';
import { applyUpstreamTls } from './upstream-tls';

/** EDS over the ADS stream; no initial fetch timeout (the cluster waits for its endpoints). */
export function adsEdsConfig(): ConfigSource {
  return { ads: {}, initialFetchTimeout: ZERO_DURATION, resourceApiVersion: ApiVersion.V3 };
}

/** The discovery type a service's resolution asks for. */
export function discoveryTypeOf(service: Service, proxy: Proxy): Cluster_DiscoveryType {
  switch (service.resolution) {
    case 'DNSLB':
      return Cluster_DiscoveryType.STRICT_DNS;
    case 'DNSRoundRobinLB':
      return Cluster_DiscoveryType.LOGICAL_DNS;
    case 'Passthrough':
      // A gateway has no original destination to pass through to: it load-balances the endpoints.
      return proxy.type === 'router' ? Cluster_DiscoveryType.EDS : Cluster_DiscoveryType.ORIGINAL_DST;
    default:
      return Cluster_DiscoveryType.EDS;
  }
}

function isIpv6(address: string): boolean {
  return address.includes(':');
}

/** Which address families a DNS cluster resolves: the proxy's own (IPv4 when it has both). */
export function dnsLookupFamily(proxy: Proxy): Cluster_DnsLookupFamily {
  const addresses = proxy.ipAddresses;
  return addresses.length > 0 && addresses.every(isIpv6)
    ? Cluster_DnsLookupFamily.V6_ONLY
    : Cluster_DnsLookupFamily.V4_ONLY;
}

/** `/apis/networking.istio.io/v1alpha3/namespaces/<ns>/destination-rule/<name>`, as Istio records a rule. */
export function destinationRuleConfigPath(namespace: string, name: string): string {
  return `/apis/networking.istio.io/v1alpha3/namespaces/${namespace}/destination-rule/${name}`;
}

export function serviceMetadata(service: Service): Record<string, string> {
  return { host: service.hostname, name: service.name, namespace: service.namespace };
}

function outboundMetadata(target: OutboundTarget): NonNullable<Cluster['metadata']> {
  const istio: Record<string, unknown> = { services: [serviceMetadata(target.service)] };
  if (target.rule) istio.config = destinationRuleConfigPath(target.rule.namespace, target.rule.name);
  if (target.subset) istio.subset = target.subset.name;
  if (target.service.meshExternal) istio.external = true;
  return { filterMetadata: { istio } };
}

export interface OutboundClusterContext {
  readonly push: PushContext;
  readonly proxy: Proxy;
  readonly view: EndpointView;
}

/** A readable name of the rule for error messages. */
function ruleWhere(target: OutboundTarget): string {
  const rule = target.rule ? `DestinationRule ${target.rule.namespace}/${target.rule.name}` : 'defaults';
  return `${rule} (cluster ${target.clusterName})`;
}

function isPassthroughLb(policy: EffectiveTrafficPolicy): boolean {
  return policy.loadBalancer?.simple === 'PASSTHROUGH';
}

function baseCluster(name: string, type: Cluster_DiscoveryType, mesh: MeshConfig): Cluster {
  return {
    name,
    type,
    connectTimeout: durationFromIstio(mesh.connectTimeout, 'mesh config connectTimeout'),
    commonLbConfig: {},
  };
}

/** Why a target has no cluster. */
export interface SkippedCluster {
  readonly skipped: string;
}

export function isSkipped(result: Cluster | SkippedCluster): result is SkippedCluster {
  return 'skipped' in result;
}

/**
 * The cluster of one target, or why it cannot exist: a DNS cluster without endpoints, or TLS
 * settings that cannot be met (MUTUAL without a client certificate: the cluster is left out so
 * that traffic fails rather than going out in plaintext).
 */
export function buildOutboundCluster(
  context: OutboundClusterContext,
  target: OutboundTarget,
): Cluster | SkippedCluster {
  const { push, proxy, view } = context;
  const { service, port } = target;
  const policy = targetPolicy(target);
  const where = ruleWhere(target);

  let type = discoveryTypeOf(service, proxy);
  if (isPassthroughLb(policy)) type = Cluster_DiscoveryType.ORIGINAL_DST;
  const draft: ClusterDraft = { cluster: baseCluster(target.clusterName, type, push.mesh) };
  const cluster = draft.cluster;

  if (type === Cluster_DiscoveryType.STRICT_DNS || type === Cluster_DiscoveryType.LOGICAL_DNS) {
    let endpoints = targetEndpoints(view, target);
    // Envoy's LOGICAL_DNS cluster takes exactly one host (it resolves and re-resolves that name).
    if (type === Cluster_DiscoveryType.LOGICAL_DNS) endpoints = endpoints.slice(0, 1);
    if (endpoints.length === 0) return { skipped: `${target.clusterName}: DNS cluster without endpoints` };
    cluster.dnsLookupFamily = dnsLookupFamily(proxy);
    cluster.dnsRefreshRate = durationFromIstio(push.mesh.dnsRefreshRate, 'mesh config dnsRefreshRate');
    cluster.respectDnsTtl = true;
    cluster.loadAssignment = {
      clusterName: target.clusterName,
      endpoints: targetLocalityLbEndpoints(view, target, endpoints),
    };
  }

  if (isHttp2Protocol(port.protocol)) useHttp2(draft);
  else if (proxy.type === 'sidecar' && port.protocol === 'UNKNOWN') useDownstreamProtocol(draft);
  cluster.metadata = outboundMetadata(target);

  applyConnectionPool(draft, policy.connectionPool, push.mesh, where);
  applyH2Upgrade(draft, policy.connectionPool);
  applyOutlierDetection(draft, policy.outlierDetection, where);
  const localitySetting = localityLbSettingFor(push.mesh, policy.loadBalancer?.localityLbSetting);
  if (needsLocalityWeightedLb(localitySetting, policy.outlierDetection !== undefined)) enableLocalityWeightedLb(draft);
  applyLoadBalancer(draft, policy.loadBalancer, where);

  const tls = applyUpstreamTls(draft, {
    push,
    proxy,
    service,
    port,
    subset: target.subset?.name ?? '',
    tls: policy.tls,
    loadBalancer: policy.loadBalancer,
    ruleHasWorkloadSelector: target.rule?.workloadSelector !== undefined,
  });
  if (!tls.ok) return { skipped: `${where}: ${tls.reason}` };

  if (cluster.type === Cluster_DiscoveryType.EDS) {
    cluster.edsClusterConfig = { serviceName: target.clusterName, edsConfig: adsEdsConfig() };
  }
  return finishCluster(draft);
}
