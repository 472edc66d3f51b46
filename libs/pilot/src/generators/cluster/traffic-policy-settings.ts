/**
 * DestinationRule traffic policy settings → Cluster fields, as Istio maps them:
 *
 * - connection pool → circuit breaker thresholds (unset limits are 2^32-1, not Envoy's 1024: a
 *   mesh client should not be the one limiting), connect timeout, TCP keepalive, and HTTP idle
 *   timeout / max requests per connection / max connection duration in the upstream HTTP options;
 * - `h2UpgradePolicy: UPGRADE` on an HTTP port → HTTP/2 upstream; `useClientProtocol` → the
 *   downstream's protocol;
 * - outlier detection → Envoy's consecutive 5xx / gateway-failure ejection with success-rate
 *   ejection disabled, and the panic threshold set to `minHealthPercent` (0 unless set);
 * - load balancer → lb_policy (LEAST_REQUEST by default), slow start, RING_HASH / MAGLEV for
 *   consistent hashing (the hash key itself belongs to the route, see common/consistent-hash.ts).
 */
import type { ConnectionPoolSettings, LoadBalancerSettings, MeshConfig, OutlierDetection } from '@mesh/config-model';
import type { CircuitBreakers_Thresholds } from '@mesh/xds/generated/envoy/config/cluster/v3/circuit_breaker';
import {
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  type Cluster_SlowStartConfig,
} from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { durationFromIstio } from '../common/duration';
import { commonHttpOptions, useDownstreamProtocol, useHttp2, type ClusterDraft } from './cluster-draft';

export const MAX_UINT32 = 4_294_967_295;

/** Envoy's defaults (1024 connections, 3 retries, ...) replaced by "no limit", as Istio does. */
export function defaultThresholds(): CircuitBreakers_Thresholds {
  return {
    maxConnections: MAX_UINT32,
    maxPendingRequests: MAX_UINT32,
    maxRequests: MAX_UINT32,
    maxRetries: MAX_UINT32,
    trackRemaining: true,
  };
}

/** The mesh's connect timeout (10s unless configured). */
export function meshConnectTimeout(mesh: Pick<MeshConfig, 'connectTimeout'>) {
  return durationFromIstio(mesh.connectTimeout, 'mesh config connectTimeout');
}

function wholeSeconds(text: string, where: string): number {
  return durationFromIstio(text, where).seconds ?? 0;
}

/**
 * Applies a connection pool (absent = defaults) to a cluster: every cluster gets the default
 * thresholds and the mesh connect timeout, then whatever the settings override. `where` names the
 * rule for error messages.
 */
export function applyConnectionPool(
  draft: ClusterDraft,
  settings: ConnectionPoolSettings | undefined,
  mesh: Pick<MeshConfig, 'connectTimeout'>,
  where: string,
): void {
  const threshold = defaultThresholds();
  const http = settings?.http;
  const tcp = settings?.tcp;
  let idleTimeout: string | undefined;
  if (http) {
    // Envoy applies max_requests to HTTP/2 and max_pending_requests to HTTP/1.1 pools.
    if ((http.http2MaxRequests ?? 0) > 0) threshold.maxRequests = http.http2MaxRequests;
    if ((http.http1MaxPendingRequests ?? 0) > 0) threshold.maxPendingRequests = http.http1MaxPendingRequests;
    if ((http.maxRetries ?? 0) > 0) threshold.maxRetries = http.maxRetries;
    idleTimeout = http.idleTimeout;
  }
  draft.cluster.connectTimeout = meshConnectTimeout(mesh);
  if (tcp) {
    if (tcp.connectTimeout) {
      draft.cluster.connectTimeout = durationFromIstio(
        tcp.connectTimeout,
        `${where}: connectionPool.tcp.connectTimeout`,
      );
    }
    if ((tcp.maxConnections ?? 0) > 0) threshold.maxConnections = tcp.maxConnections;
    idleTimeout ??= tcp.idleTimeout;
    if (tcp.tcpKeepalive) {
      const keepalive = tcp.tcpKeepalive;
      const options: NonNullable<NonNullable<typeof draft.cluster.upstreamConnectionOptions>['tcpKeepalive']> = {};
      if ((keepalive.probes ?? 0) > 0) options.keepaliveProbes = keepalive.probes;
      if (keepalive.time) options.keepaliveTime = wholeSeconds(keepalive.time, `${where}: tcpKeepalive.time`);
      if (keepalive.interval) {
        options.keepaliveInterval = wholeSeconds(keepalive.interval, `${where}: tcpKeepalive.interval`);
      }
      draft.cluster.upstreamConnectionOptions = { tcpKeepalive: options };
    }
  }
  draft.cluster.circuitBreakers = { thresholds: [threshold] };

  const maxRequestsPerConnection = http?.maxRequestsPerConnection ?? 0;
  const maxConcurrentStreams = http?.maxConcurrentStreams ?? 0;
  const maxConnectionDuration = tcp?.maxConnectionDuration;
  if (idleTimeout || maxRequestsPerConnection > 0 || maxConnectionDuration || maxConcurrentStreams > 0) {
    const common = commonHttpOptions(draft);
    if (idleTimeout) common.idleTimeout = durationFromIstio(idleTimeout, `${where}: connectionPool idleTimeout`);
    if (maxRequestsPerConnection > 0) common.maxRequestsPerConnection = maxRequestsPerConnection;
    if (maxConnectionDuration) {
      common.maxConnectionDuration = durationFromIstio(
        maxConnectionDuration,
        `${where}: connectionPool.tcp.maxConnectionDuration`,
      );
    }
    const http2 = draft.http?.explicitHttpConfig?.http2ProtocolOptions;
    if (http2 && maxConcurrentStreams > 0) http2.maxConcurrentStreams = maxConcurrentStreams;
  }
  if (http?.useClientProtocol) useDownstreamProtocol(draft);
}

/**
 * HTTP/2 to the upstream when the rule asks for it (`h2UpgradePolicy: UPGRADE`): Istio takes that
 * as the user vouching that the port speaks HTTP, whatever its declared protocol. The mesh-wide
 * default (MeshConfig h2UpgradePolicy) is not part of this mesh's MeshConfig: DO_NOT_UPGRADE.
 */
export function applyH2Upgrade(draft: ClusterDraft, settings: ConnectionPoolSettings | undefined): void {
  if (settings?.http?.h2UpgradePolicy === 'UPGRADE') useHttp2(draft);
}

/** Outlier detection, Istio's mapping; sets the panic threshold too. */
export function applyOutlierDetection(draft: ClusterDraft, outlier: OutlierDetection | undefined, where: string): void {
  if (!outlier) return;
  const out: NonNullable<typeof draft.cluster.outlierDetection> = { enforcingSuccessRate: 0 };
  // The deprecated `consecutiveErrors` is the old name of `consecutive5xxErrors`.
  const consecutive5xx = outlier.consecutive5xxErrors ?? outlier.consecutiveErrors;
  if (consecutive5xx !== undefined) {
    out.consecutive5xx = consecutive5xx;
    out.enforcingConsecutive5xx = consecutive5xx > 0 ? 100 : 0;
  }
  if (outlier.consecutiveGatewayErrors !== undefined) {
    out.consecutiveGatewayFailure = outlier.consecutiveGatewayErrors;
    out.enforcingConsecutiveGatewayFailure = outlier.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  if (outlier.interval) out.interval = durationFromIstio(outlier.interval, `${where}: outlierDetection.interval`);
  if (outlier.baseEjectionTime) {
    out.baseEjectionTime = durationFromIstio(outlier.baseEjectionTime, `${where}: outlierDetection.baseEjectionTime`);
  }
  if ((outlier.maxEjectionPercent ?? 0) > 0) out.maxEjectionPercent = outlier.maxEjectionPercent;
  if (outlier.splitExternalLocalOriginErrors) {
    out.splitExternalLocalOriginErrors = true;
    if ((outlier.consecutiveLocalOriginFailures ?? 0) > 0) {
      out.consecutiveLocalOriginFailure = outlier.consecutiveLocalOriginFailures;
      out.enforcingConsecutiveLocalOriginFailure = 100;
    }
    out.enforcingLocalOriginSuccessRate = 0;
  }
  draft.cluster.outlierDetection = out;
  // Envoy's default panic threshold (50%) rarely suits small Kubernetes services: Istio writes the
  // rule's minHealthPercent, 0 (panic mode off) unless set.
  draft.cluster.commonLbConfig = {
    ...draft.cluster.commonLbConfig,
    healthyPanicThreshold: { value: outlier.minHealthPercent ?? 0 },
  };
}

function slowStart(lb: LoadBalancerSettings | undefined, where: string): Cluster_SlowStartConfig | undefined {
  const window = lb?.warmup?.duration ?? lb?.warmupDurationSecs;
  if (!window) return undefined;
  const config: Cluster_SlowStartConfig = {
    slowStartWindow: durationFromIstio(window, `${where}: loadBalancer.warmup`),
  };
  if (lb?.warmup?.minimumPercent !== undefined) config.minWeightPercent = { value: lb.warmup.minimumPercent };
  return config;
}

function clearLbConfig(draft: ClusterDraft): void {
  delete draft.cluster.roundRobinLbConfig;
  delete draft.cluster.leastRequestLbConfig;
  delete draft.cluster.ringHashLbConfig;
  delete draft.cluster.maglevLbConfig;
}

/**
 * The lb policy. PASSTHROUGH turns the cluster into an original-destination one (its endpoints
 * dropped); an original-destination cluster always lets the cluster pick (CLUSTER_PROVIDED).
 */
export function applyLoadBalancer(draft: ClusterDraft, lb: LoadBalancerSettings | undefined, where: string): void {
  const cluster = draft.cluster;
  if (cluster.type === Cluster_DiscoveryType.ORIGINAL_DST) {
    cluster.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
    return;
  }
  clearLbConfig(draft);
  switch (lb?.simple) {
    case 'RANDOM':
      cluster.lbPolicy = Cluster_LbPolicy.RANDOM;
      break;
    case 'ROUND_ROBIN': {
      cluster.lbPolicy = Cluster_LbPolicy.ROUND_ROBIN;
      const slow = slowStart(lb, where);
      if (slow) cluster.roundRobinLbConfig = { slowStartConfig: slow };
      break;
    }
    case 'PASSTHROUGH':
      cluster.type = Cluster_DiscoveryType.ORIGINAL_DST;
      cluster.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
      delete cluster.loadAssignment;
      delete cluster.edsClusterConfig;
      return;
    default: {
      // LEAST_CONN (its old name), LEAST_REQUEST, UNSPECIFIED and no setting: least request.
      cluster.lbPolicy = Cluster_LbPolicy.LEAST_REQUEST;
      const slow = slowStart(lb, where);
      if (slow) cluster.leastRequestLbConfig = { slowStartConfig: slow };
    }
  }
  applyConsistentHash(draft, lb);
}

/** RING_HASH or MAGLEV for consistent hashing, with the ring/table size when given. */
export function applyConsistentHash(draft: ClusterDraft, lb: LoadBalancerSettings | undefined): void {
  const hash = lb?.consistentHash;
  if (!hash) return;
  const cluster = draft.cluster;
  clearLbConfig(draft);
  if (hash.maglev) {
    cluster.lbPolicy = Cluster_LbPolicy.MAGLEV;
    if (hash.maglev.tableSize) cluster.maglevLbConfig = { tableSize: hash.maglev.tableSize };
  } else if (hash.ringHash) {
    cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
    if (hash.ringHash.minimumRingSize) cluster.ringHashLbConfig = { minimumRingSize: hash.ringHash.minimumRingSize };
  } else {
    cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
    // The deprecated top-level minimumRingSize; Envoy's default ring is 1024.
    cluster.ringHashLbConfig = { minimumRingSize: hash.minimumRingSize || 1024 };
  }
}

/** Priorities and locality weights only take effect with Envoy's locality-weighted LB on. */
export function enableLocalityWeightedLb(draft: ClusterDraft): void {
  draft.cluster.commonLbConfig = { ...draft.cluster.commonLbConfig, localityWeightedLbConfig: {} };
}
