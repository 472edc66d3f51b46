/**
 * Cluster (CDS): discovery type, load-balancing policy, connect timeout and upstream TLS.
 * EDS clusters name the ClusterLoadAssignment to fetch (their service name); static and DNS
 * clusters carry their endpoints inline.
 */
import { Cluster } from '@mesh/xds';
import {
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  type Cluster_TransportSocketMatch,
} from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import type { XdsCluster, XdsLbPolicy, XdsTransportSocketMatch } from '../model';
import { allowOnly, durationMs, nonEmpty, requireAds } from './common';
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
  if (!cluster.loadAssignment) fail('load_assignment', `is required for a ${inlineType.toUpperCase()} cluster`);
  const loadAssignment = checkLoadAssignment(cluster.loadAssignment, 'load_assignment', {
    allowHostname: inlineType !== 'static',
  });
  if (inlineType === 'logical_dns') {
    const count = loadAssignment.localities.reduce((n, l) => n + l.endpoints.length, 0);
    if (count !== 1) fail('load_assignment', `a LOGICAL_DNS cluster needs exactly one endpoint, has ${count}`);
  }
  return { ...base, type: inlineType, loadAssignment };
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
