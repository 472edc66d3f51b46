/**
 * Cluster (CDS): discovery type, load-balancing policy, connect timeout and upstream TLS.
 * EDS clusters name the ClusterLoadAssignment to fetch (their service name); static and DNS
 * clusters carry their endpoints inline.
 */
import { Cluster } from '@mesh/xds';
import { isIP } from 'node:net';
import {
  type Cluster_CommonLbConfig,
  Cluster_DiscoveryType,
  Cluster_DnsLookupFamily,
  Cluster_LbPolicy,
  type Cluster_TransportSocketMatch,
} from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import type { BindConfig } from '@mesh/xds/generated/envoy/config/core/v3/address';
import type { XdsCluster, XdsDnsLookupFamily, XdsIstioService, XdsLbPolicy, XdsTransportSocketMatch } from '../model';
import { circuitBreakers, outlierDetection } from './cluster-resilience';
import { allowOnly, durationMs, nonEmpty, requireAds } from './common';
import { upstreamProtocolOptions } from './upstream-protocol-options';
import { fail, field, index, type ResourceSpec } from './decode-result';
import { checkLoadAssignment } from './endpoints';
import { upstreamTransportSocket } from './tls';

export const clusterSpec: ResourceSpec<Cluster, XdsCluster> = {
  codec: Cluster,
  nameField: 'name',
  nameOf: (m) => m.name,
  check: checkCluster,
};

/** Envoy's default connect timeout. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

const LB_POLICIES: Record<number, XdsLbPolicy> = {
  [Cluster_LbPolicy.ROUND_ROBIN]: 'round_robin',
  [Cluster_LbPolicy.LEAST_REQUEST]: 'least_request',
  [Cluster_LbPolicy.RANDOM]: 'random',
  [Cluster_LbPolicy.RING_HASH]: 'ring_hash',
  [Cluster_LbPolicy.MAGLEV]: 'maglev',
  [Cluster_LbPolicy.CLUSTER_PROVIDED]: 'cluster_provided',
};

function checkCluster(cluster: Cluster, name: string): XdsCluster {
  // Stat names, metadata, buffer limits, DNS refresh timing and the tuning of the chosen load
  // balancer do not change where traffic goes; they are accepted with the engine's defaults.
  allowOnly(
    cluster,
    [
      'name',
      'altStatName',
      'type',
      'edsClusterConfig',
      'connectTimeout',
      'lbPolicy',
      'loadAssignment',
      'transportSocket',
      'transportSocketMatches',
      'metadata',
      'perConnectionBufferLimitBytes',
      'dnsRefreshRate',
      'dnsFailureRefreshRate',
      'respectDnsTtl',
      'ringHashLbConfig',
      'maglevLbConfig',
      'leastRequestLbConfig',
      'roundRobinLbConfig',
      'cleanupInterval',
      'circuitBreakers',
      'outlierDetection',
      'commonLbConfig',
      'upstreamBindConfig',
      'typedExtensionProtocolOptions',
      'dnsLookupFamily',
    ],
    '',
  );
  const lbPolicy = LB_POLICIES[cluster.lbPolicy ?? 0];
  if (!lbPolicy) fail('lb_policy', `policy ${cluster.lbPolicy} is not supported by this proxy`);
  const base = {
    name,
    lbPolicy,
    connectTimeoutMs: durationMs(cluster.connectTimeout, 'connect_timeout') ?? DEFAULT_CONNECT_TIMEOUT_MS,
    tls: upstreamTransportSocket(cluster.transportSocket, 'transport_socket'),
    transportSocketMatches: (cluster.transportSocketMatches ?? []).map((m, i) =>
      transportSocketMatch(m, index('transport_socket_matches', i)),
    ),
    circuitBreakers: circuitBreakers(cluster.circuitBreakers, 'circuit_breakers'),
    outlierDetection: outlierDetection(cluster.outlierDetection, 'outlier_detection'),
    healthyPanicThresholdPercent: healthyPanicThreshold(cluster.commonLbConfig),
    upstreamBindAddress: bindAddress(cluster.upstreamBindConfig, 'upstream_bind_config'),
    ...upstreamProtocolOptions(cluster.typedExtensionProtocolOptions, 'typed_extension_protocol_options'),
    istioServices: istioServices(cluster.metadata?.filterMetadata?.istio),
  };
  const type = cluster.type ?? Cluster_DiscoveryType.STATIC;
  if (type === Cluster_DiscoveryType.ORIGINAL_DST) {
    // Envoy's rule: the original destination cluster picks its own host.
    if (lbPolicy !== 'cluster_provided') fail('lb_policy', 'an ORIGINAL_DST cluster needs CLUSTER_PROVIDED');
    rejectEndpointSources(cluster, 'ORIGINAL_DST');
    return { ...base, type: 'original_dst' };
  }
  if (lbPolicy === 'cluster_provided') fail('lb_policy', 'CLUSTER_PROVIDED is only valid for ORIGINAL_DST clusters');
  if (type === Cluster_DiscoveryType.EDS) {
    const eds = cluster.edsClusterConfig;
    if (!eds) fail('eds_cluster_config', 'is required for an EDS cluster');
    allowOnly(eds, ['edsConfig', 'serviceName'], 'eds_cluster_config');
    requireAds(eds.edsConfig, 'eds_cluster_config.eds_config');
    if (cluster.loadAssignment) fail('load_assignment', 'an EDS cluster gets its endpoints over EDS');
    return { ...base, type: 'eds', serviceName: eds.serviceName || name };
  }
  const inlineType =
    type === Cluster_DiscoveryType.STATIC
      ? 'static'
      : type === Cluster_DiscoveryType.STRICT_DNS
        ? 'strict_dns'
        : type === Cluster_DiscoveryType.LOGICAL_DNS
          ? 'logical_dns'
          : undefined;
  if (!inlineType) fail('type', `discovery type ${type} is not supported by this proxy`);
  if (cluster.edsClusterConfig) fail('eds_cluster_config', `is only valid for EDS clusters`);
  if (!cluster.loadAssignment && inlineType !== 'static') {
    fail('load_assignment', `is required for a ${inlineType.toUpperCase()} cluster`);
  }
  // A STATIC cluster without endpoints is valid (Istio's BlackHoleCluster): every request gets 503 UH.
  const loadAssignment = cluster.loadAssignment
    ? checkLoadAssignment(cluster.loadAssignment, 'load_assignment', { allowHostname: inlineType !== 'static' })
    : { clusterName: name, localities: [] };
  const dnsLookupFamily = DNS_LOOKUP_FAMILIES[cluster.dnsLookupFamily ?? Cluster_DnsLookupFamily.AUTO];
  if (!dnsLookupFamily) fail('dns_lookup_family', `unknown family ${cluster.dnsLookupFamily}`);
  if (inlineType === 'logical_dns') {
    const count = loadAssignment.localities.reduce((n, l) => n + l.endpoints.length, 0);
    if (count !== 1) fail('load_assignment', `a LOGICAL_DNS cluster needs exactly one endpoint, has ${count}`);
  }
  return { ...base, type: inlineType, loadAssignment, dnsLookupFamily };
}

const DNS_LOOKUP_FAMILIES: Record<number, XdsDnsLookupFamily> = {
  [Cluster_DnsLookupFamily.AUTO]: 'auto',
  [Cluster_DnsLookupFamily.V4_ONLY]: 'v4_only',
  [Cluster_DnsLookupFamily.V6_ONLY]: 'v6_only',
  [Cluster_DnsLookupFamily.V4_PREFERRED]: 'v4_preferred',
  [Cluster_DnsLookupFamily.ALL]: 'all',
};

/** Envoy's default healthy panic threshold. */
const DEFAULT_PANIC_THRESHOLD_PERCENT = 50;

/**
 * Of the common load-balancing settings only the panic threshold is implemented; locality-weighted
 * and zone-aware balancing, and the others, change which host is picked and are rejected.
 */
function healthyPanicThreshold(common: Cluster_CommonLbConfig | undefined): number {
  if (!common) return DEFAULT_PANIC_THRESHOLD_PERCENT;
  allowOnly(common, ['healthyPanicThreshold'], 'common_lb_config');
  const value = common.healthyPanicThreshold?.value ?? DEFAULT_PANIC_THRESHOLD_PERCENT;
  if (value < 0 || value > 100) fail('common_lb_config.healthy_panic_threshold', `${value} is not a percentage`);
  return value;
}

/** The source address of upstream connections; extra source addresses and socket options are rejected. */
function bindAddress(config: BindConfig | undefined, path: string): string | undefined {
  if (!config) return undefined;
  allowOnly(config, ['sourceAddress'], path);
  const source = config.sourceAddress;
  if (!source) fail(field(path, 'source_address'), 'is required');
  const at = field(path, 'source_address');
  allowOnly(source, ['address', 'portValue'], at);
  const address = nonEmpty(source.address, field(at, 'address'));
  if (isIP(address) === 0) fail(field(at, 'address'), `"${address}" is not an IP address`);
  if (source.portValue) fail(field(at, 'port_value'), 'a fixed source port is not supported by this proxy');
  return address;
}

function rejectEndpointSources(cluster: Cluster, type: string): void {
  if (cluster.edsClusterConfig) fail('eds_cluster_config', `is not valid for ${type} clusters`);
  if (cluster.loadAssignment) fail('load_assignment', `is not valid for ${type} clusters`);
}

function transportSocketMatch(match: Cluster_TransportSocketMatch, path: string): XdsTransportSocketMatch {
  allowOnly(match, ['name', 'match', 'transportSocket'], path);
  return {
    name: nonEmpty(match.name, field(path, 'name')),
    match: { ...(match.match ?? {}) },
    tls: upstreamTransportSocket(match.transportSocket, field(path, 'transport_socket')),
  };
}

/**
 * The `services` list of the cluster's `istio` metadata (host, name, namespace of each), read only
 * for telemetry labels: entries of another shape are skipped rather than rejected, because
 * metadata never changes where traffic goes.
 */
function istioServices(istio: { readonly [key: string]: unknown } | undefined): XdsIstioService[] | undefined {
  const list = istio?.services;
  if (!Array.isArray(list)) return undefined;
  const services: XdsIstioService[] = [];
  for (const entry of list as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { host, name, namespace } = entry as Record<string, unknown>;
    if (typeof host !== 'string') continue;
    services.push({
      host,
      name: typeof name === 'string' ? name : host,
      namespace: typeof namespace === 'string' ? namespace : '',
    });
  }
  return services.length > 0 ? services : undefined;
}
