/**
 * networking.istio.io DestinationRule: what happens to traffic for a host after routing
 * (load balancing, connection pools, outlier detection, client TLS), per subset and per port.
 */
import type { Duration, LabelMap, PortSelector, WorkloadSelector } from './common';

export interface DestinationRuleSpec {
  /** A registry host; a short name is resolved against the rule's namespace. */
  host: string;
  trafficPolicy?: TrafficPolicy;
  subsets?: Subset[];
  exportTo?: string[];
  /** Limits the rule to these workloads (their outbound traffic); namespace-local rules only. */
  workloadSelector?: WorkloadSelector;
}

export interface Subset {
  name: string;
  labels?: LabelMap;
  trafficPolicy?: TrafficPolicy;
}

export interface TrafficPolicy {
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTLSSettings;
  portLevelSettings?: PortTrafficPolicy[];
  tunnel?: TunnelSettings;
  proxyProtocol?: ProxyProtocol;
  retryBudget?: RetryBudget;
}

/** Per-port overrides; only these four settings can vary by port. */
export interface PortTrafficPolicy {
  port?: PortSelector;
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTLSSettings;
}

export type SimpleLB = 'UNSPECIFIED' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'ROUND_ROBIN' | 'LEAST_REQUEST';

/** `simple` or `consistentHash` (at most one), plus locality and warm-up settings. */
export interface LoadBalancerSettings {
  simple?: SimpleLB;
  consistentHash?: ConsistentHashLB;
  localityLbSetting?: LocalityLoadBalancerSetting;
  /** @deprecated use `warmup`. */
  warmupDurationSecs?: Duration;
  warmup?: WarmupConfiguration;
}

/** One hash key (`httpHeaderName` | `httpCookie` | `useSourceIp` | `httpQueryParameterName`) and one ring. */
export interface ConsistentHashLB {
  httpHeaderName?: string;
  httpCookie?: HTTPCookie;
  useSourceIp?: boolean;
  httpQueryParameterName?: string;
  ringHash?: { minimumRingSize?: number };
  maglev?: { tableSize?: number };
  /** @deprecated use `ringHash.minimumRingSize`. */
  minimumRingSize?: number;
}

export interface HTTPCookie {
  name: string;
  path?: string;
  ttl?: Duration;
}

export interface WarmupConfiguration {
  duration: Duration;
  minimumPercent?: number;
  aggression?: number;
}

/** Locality-aware load balancing; at most one of distribute, failover, failoverPriority. */
export interface LocalityLoadBalancerSetting {
  distribute?: { from?: string; to?: Record<string, number> }[];
  failover?: { from?: string; to?: string }[];
  failoverPriority?: string[];
  enabled?: boolean;
}

export interface ConnectionPoolSettings {
  tcp?: TCPSettings;
  http?: HTTPSettings;
}

export interface TCPSettings {
  maxConnections?: number;
  connectTimeout?: Duration;
  tcpKeepalive?: { probes?: number; time?: Duration; interval?: Duration };
  maxConnectionDuration?: Duration;
  idleTimeout?: Duration;
}

export type H2UpgradePolicy = 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';

export interface HTTPSettings {
  http1MaxPendingRequests?: number;
  http2MaxRequests?: number;
  maxRequestsPerConnection?: number;
  maxRetries?: number;
  idleTimeout?: Duration;
  h2UpgradePolicy?: H2UpgradePolicy;
  useClientProtocol?: boolean;
  maxConcurrentStreams?: number;
}

export interface OutlierDetection {
  splitExternalLocalOriginErrors?: boolean;
  consecutiveLocalOriginFailures?: number;
  consecutiveGatewayErrors?: number;
  consecutive5xxErrors?: number;
  interval?: Duration;
  baseEjectionTime?: Duration;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
  /** @deprecated use `consecutive5xxErrors`. */
  consecutiveErrors?: number;
}

export type ClientTLSMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';

/** TLS from the proxy to the upstream. */
export interface ClientTLSSettings {
  mode?: ClientTLSMode;
  clientCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  credentialName?: string;
  subjectAltNames?: string[];
  sni?: string;
  insecureSkipVerify?: boolean;
  caCrl?: string;
}

/** Tunnels TCP to the host through an HTTP proxy (`CONNECT` or `POST`). */
export interface TunnelSettings {
  protocol?: string;
  targetHost: string;
  targetPort: number;
}

export interface ProxyProtocol {
  version?: 'V1' | 'V2';
}

export interface RetryBudget {
  percent?: number;
  minRetryConcurrency?: number;
}
