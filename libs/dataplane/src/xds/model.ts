/**
 * The checked forms of xDS resources that the decoders produce and the engine consumes. Raw
 * protos never get past the decoders: everything here was validated, defaults are filled in,
 * and durations are milliseconds. Deliberately small: a field joins when the engine implements
 * it, and until then a resource that sets a behaviour-changing field we do not carry is NACKed
 * rather than silently served differently (see the decoders).
 */

export interface XdsSocketAddress {
  readonly address: string;
  readonly port: number;
}

/** A reference to a secret fetched over SDS. */
export interface XdsSecretRef {
  readonly name: string;
  /** True when the secret comes over this ADS stream; otherwise another SDS server serves it. */
  readonly viaAds: boolean;
}

export interface XdsStringMatcher {
  readonly kind: 'exact' | 'prefix' | 'suffix' | 'contains' | 'regex';
  readonly value: string;
  readonly ignoreCase: boolean;
}

/** A subject-alternative-name matcher; `sanType` undefined matches any SAN type. */
export interface XdsSanMatcher extends XdsStringMatcher {
  readonly sanType?: 'email' | 'dns' | 'uri' | 'ip_address';
}

// ---------------------------------------------------------------------------------- TLS

export interface XdsTlsContext {
  /** SDS references of the certificate (and key) to present. */
  readonly certificates: readonly XdsSecretRef[];
  /** SDS reference of the trust bundle that validates the peer, if any. */
  readonly validationContext?: XdsSecretRef;
  /** Subject alternative names the peer certificate must match (any of). */
  readonly matchSubjectAltNames: readonly XdsSanMatcher[];
  readonly alpnProtocols: readonly string[];
}

export interface XdsDownstreamTls extends XdsTlsContext {
  readonly requireClientCertificate: boolean;
}

export interface XdsUpstreamTls extends XdsTlsContext {
  readonly sni: string;
}

// ---------------------------------------------------------------------------------- Listener

export interface XdsHttpFilter {
  readonly name: string;
  /**
   * The filter's config type. `fault` and `cors` are accepted only with nothing to do (an empty
   * filter config, and no per-route policies, which the route decoder rejects): Istio puts both
   * in every HTTP connection manager.
   */
  readonly kind: 'router' | 'fault' | 'cors';
  readonly disabled: boolean;
}

/**
 * What happens to `x-forwarded-client-cert` (see engine/http/edge-headers.ts): the modes other
 * than `always_forward_only` keep, append or set it only on mTLS connections.
 */
export type XdsForwardClientCertDetails =
  'sanitize' | 'forward_only' | 'append_forward' | 'sanitize_set' | 'always_forward_only';

export interface XdsHttpConnectionManager {
  readonly kind: 'http_connection_manager';
  readonly statPrefix: string;
  /** Downstream protocol: sniffed (`auto`) or fixed. */
  readonly codec: 'auto' | 'http1' | 'http2';
  /** Where the routes come from: an RDS name fetched over ADS, or an inline configuration. */
  readonly routes: { readonly rds: string } | { readonly inline: XdsRouteConfiguration };
  readonly httpFilters: readonly XdsHttpFilter[];
  /** Give requests without an `x-request-id` a fresh one (Envoy's default: true). */
  readonly generateRequestId: boolean;
  /** Echo the request's `x-request-id` on the response. */
  readonly alwaysSetRequestIdInResponse: boolean;
  /** The `server` header of every response (overwritten; Envoy's default `envoy`). */
  readonly serverName: string;
  /** Append the peer address to `x-forwarded-for` and trust it as the client's (Envoy's use_remote_address). */
  readonly useRemoteAddress: boolean;
  readonly forwardClientCertDetails: XdsForwardClientCertDetails;
  /** Which client certificate facts go into XFCC; only read with a client certificate (mTLS). */
  readonly setCurrentClientCertDetails?: {
    readonly subject: boolean;
    readonly cert: boolean;
    readonly chain: boolean;
    readonly dns: boolean;
    readonly uri: boolean;
  };
  /** Lower-cased `Upgrade` values that are proxied (e.g. `websocket`); others are answered 403. */
  readonly upgradeTypes: readonly string[];
  /** Normalize the path (RFC 3986 dot segments, percent-encoding) before routing. */
  readonly normalizePath: boolean;
}

export interface XdsWeightedCluster {
  readonly name: string;
  readonly weight: number;
  /** Route weighted clusters only: header changes for requests sent to this cluster. */
  readonly headers?: XdsHeaderMutations;
  /** Route weighted clusters only: the Host to send to this cluster. */
  readonly hostRewriteLiteral?: string;
}

export interface XdsTcpProxy {
  readonly kind: 'tcp_proxy';
  readonly statPrefix: string;
  readonly destination: { readonly cluster: string } | { readonly weightedClusters: readonly XdsWeightedCluster[] };
  readonly idleTimeoutMs?: number;
}

/** The terminal network filter of a chain; the only network filters implemented. */
export type XdsNetworkFilter = XdsHttpConnectionManager | XdsTcpProxy;

export interface XdsFilterChainMatch {
  readonly destinationPort?: number;
  readonly prefixRanges: readonly string[];
  readonly directSourcePrefixRanges: readonly string[];
  readonly sourceType: 'any' | 'local' | 'external';
  readonly sourcePrefixRanges: readonly string[];
  readonly sourcePorts: readonly number[];
  readonly serverNames: readonly string[];
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
}

export interface XdsFilterChain {
  readonly name: string;
  readonly match: XdsFilterChainMatch;
  readonly tls?: XdsDownstreamTls;
  readonly filter: XdsNetworkFilter;
}

/** Recovers the original destination, detects TLS (SNI, ALPN) or sniffs the HTTP version. */
export type XdsListenerFilter = 'original_dst' | 'tls_inspector' | 'http_inspector';

/** A listener filter's `filter_disabled` predicate over the connection's destination port. */
export type XdsPortPredicate =
  | { readonly kind: 'any' }
  | { readonly kind: 'or' | 'and'; readonly rules: readonly XdsPortPredicate[] }
  | { readonly kind: 'not'; readonly rule: XdsPortPredicate }
  /** Ports in [start, end). */
  | { readonly kind: 'port_range'; readonly start: number; readonly end: number };

export interface XdsSocketListener {
  readonly kind: 'socket';
  readonly name: string;
  readonly address: XdsSocketAddress;
  /** False for listeners that only receive connections handed over by another (Istio's ports). */
  readonly bindToPort: boolean;
  /** True when connections are handed to the listener of their original destination. */
  readonly useOriginalDst: boolean;
  /** Listener filters, in order: what they detect feeds filter chain matching. */
  readonly listenerFilters: readonly XdsListenerFilter[];
  /** Connections on which an inspector is skipped (its `filter_disabled`). */
  readonly listenerFilterDisabled?: { readonly [K in XdsListenerFilter]?: XdsPortPredicate };
  readonly listenerFiltersTimeoutMs?: number;
  readonly continueOnListenerFiltersTimeout: boolean;
  readonly filterChains: readonly XdsFilterChain[];
  readonly defaultFilterChain?: XdsFilterChain;
}

/** A listener without a socket, used by proxyless gRPC clients (`api_listener`). */
export interface XdsApiListener {
  readonly kind: 'api';
  readonly name: string;
  readonly httpConnectionManager: XdsHttpConnectionManager;
}

export type XdsListener = XdsSocketListener | XdsApiListener;

// ---------------------------------------------------------------------------------- Routes

/** How a header to add meets one already there (Envoy's HeaderValueOption.HeaderAppendAction). */
export type XdsHeaderAppendAction = 'append' | 'add_if_absent' | 'overwrite_or_add' | 'overwrite_if_exists';

export interface XdsHeaderToAdd {
  /** Lower-cased. */
  readonly name: string;
  /** A literal: values with Envoy's %COMMAND% substitutions are rejected by the decoder. */
  readonly value: string;
  readonly action: XdsHeaderAppendAction;
  /** Add the header even when its value is empty (otherwise an empty value adds nothing). */
  readonly keepEmptyValue: boolean;
}

/** The header changes a route configuration, virtual host, route or weighted cluster asks for. */
export interface XdsHeaderMutations {
  readonly requestHeadersToAdd: readonly XdsHeaderToAdd[];
  /** Lower-cased names. */
  readonly requestHeadersToRemove: readonly string[];
  readonly responseHeadersToAdd: readonly XdsHeaderToAdd[];
  readonly responseHeadersToRemove: readonly string[];
}

export type XdsPathMatch =
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'path'; readonly value: string }
  | { readonly kind: 'regex'; readonly value: string }
  | { readonly kind: 'path_separated_prefix'; readonly value: string };

export type XdsHeaderMatch =
  | XdsStringMatcher
  | { readonly kind: 'present'; readonly present: boolean }
  | { readonly kind: 'range'; readonly start: number; readonly end: number };

export interface XdsHeaderMatcher {
  readonly name: string;
  readonly match: XdsHeaderMatch;
  readonly invert: boolean;
  readonly treatMissingAsEmpty: boolean;
}

export interface XdsQueryParameterMatcher {
  readonly name: string;
  readonly match: XdsStringMatcher | { readonly kind: 'present' };
}

export interface XdsRouteMatch {
  readonly path: XdsPathMatch;
  readonly caseSensitive: boolean;
  readonly headers: readonly XdsHeaderMatcher[];
  readonly queryParameters: readonly XdsQueryParameterMatcher[];
  /** Only gRPC requests (content-type application/grpc). */
  readonly grpc: boolean;
}

/** What makes a request worth another try (Envoy's `retry_on` conditions this proxy implements). */
export type XdsRetryCondition =
  | '5xx'
  | 'gateway-error'
  | 'reset'
  | 'connect-failure'
  | 'retriable-4xx'
  | 'refused-stream'
  | 'retriable-status-codes'
  | 'envoy-ratelimited'
  // gRPC conditions: the `grpc-status` of a response that ends at its headers.
  | 'cancelled'
  | 'deadline-exceeded'
  | 'internal'
  | 'resource-exhausted'
  | 'unavailable';

export interface XdsRetryPolicy {
  readonly retryOn: readonly XdsRetryCondition[];
  /** Retries after the first try (Envoy's default: 1). */
  readonly numRetries: number;
  /** Each try's own timeout; undefined = only the route timeout applies. */
  readonly perTryTimeoutMs?: number;
  /** Statuses retried under `retriable-status-codes`. */
  readonly retriableStatusCodes: readonly number[];
  /** Full-jitter exponential back-off between tries: base (default 25 ms) and cap (default 10× base). */
  readonly backOffBaseMs: number;
  readonly backOffMaxMs: number;
  /** `previous_hosts` predicate: a retry avoids the hosts already tried. */
  readonly avoidPreviousHosts: boolean;
  /** Host picks a retry may make to satisfy the predicate before taking the last one (default 1). */
  readonly hostSelectionRetryMaxAttempts: number;
}

/** Where a consistent-hash key comes from (Envoy's RouteAction.HashPolicy). */
export type XdsHashPolicy = (
  | { readonly kind: 'header'; readonly name: string }
  /** With `ttlMs`, a request without the cookie gets one generated (and set on the response). */
  | { readonly kind: 'cookie'; readonly name: string; readonly ttlMs?: number; readonly path?: string }
  | { readonly kind: 'source_ip' }
  | { readonly kind: 'query_parameter'; readonly name: string }
) & {
  /** A key found here ends the search (the later policies are not combined in). */
  readonly terminal: boolean;
};

/** A request mirror policy: a share of requests copied to another cluster. */
export interface XdsRequestMirror {
  readonly cluster: string;
  /** In [0, 1] (`runtime_fraction`'s default value; 1 when unset). */
  readonly fraction: number;
  /** Envoy appends `-shadow` to the shadow's host unless told not to. */
  readonly appendShadowHostSuffix: boolean;
}

export interface XdsForwardAction {
  readonly kind: 'route';
  readonly destination:
    | { readonly cluster: string }
    | { readonly weightedClusters: readonly XdsWeightedCluster[] }
    | { readonly clusterHeader: string };
  readonly timeoutMs?: number;
  /**
   * gRPC requests: the `grpc-timeout` header replaces the route timeout, capped by this (0 = no
   * cap); undefined = the header is not used (`max_grpc_timeout` or
   * `max_stream_duration.grpc_timeout_header_max`).
   */
  readonly grpcTimeoutHeaderMaxMs?: number;
  readonly retryPolicy?: XdsRetryPolicy;
  /** Shadow copies of the request (responses dropped). */
  readonly mirrors?: readonly XdsRequestMirror[];
  /** Consistent-hash keys for ring hash and maglev clusters. */
  readonly hashPolicies?: readonly XdsHashPolicy[];
  readonly prefixRewrite?: string;
  /** Every match of `pattern` (RE2) in the path is replaced; `\1` in `substitution` is a group. */
  readonly regexRewrite?: { readonly pattern: string; readonly substitution: string };
  readonly hostRewriteLiteral?: string;
}

export interface XdsRedirectAction {
  readonly kind: 'redirect';
  readonly scheme?: string;
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
  readonly prefixRewrite?: string;
  /** 301, 302, 303, 307 or 308. */
  readonly responseCode: number;
  readonly stripQuery: boolean;
}

export interface XdsDirectResponseAction {
  readonly kind: 'direct_response';
  readonly status: number;
  readonly body?: string;
}

/** Fault injection on a route (the fault filter's per-route config); fractions are in [0, 1]. */
export interface XdsFault {
  readonly delay?: { readonly ms: number; readonly fraction: number };
  readonly abort?:
    | { readonly httpStatus: number; readonly fraction: number }
    | { readonly grpcStatus: number; readonly fraction: number };
}

/** A CORS policy (the CORS filter's per-route config). */
export interface XdsCorsPolicy {
  readonly allowOrigins: readonly XdsStringMatcher[];
  readonly allowMethods?: string;
  readonly allowHeaders?: string;
  readonly exposeHeaders?: string;
  /** Seconds, as Envoy sends it in `access-control-max-age`. */
  readonly maxAge?: string;
  readonly allowCredentials: boolean;
  /** Share of requests the policy applies to (`filter_enabled`), in [0, 1]. */
  readonly enabledFraction: number;
  /** A preflight from an origin the policy does not allow goes upstream (true) or is answered here. */
  readonly forwardNotMatchingPreflights: boolean;
}

export interface XdsRoute {
  readonly name: string;
  /** Per-route CORS filter configs by the HTTP filter name they apply to. */
  readonly corsPolicies?: Readonly<Record<string, XdsCorsPolicy>>;
  /** Per-route fault filter configs by the HTTP filter name they apply to (`typed_per_filter_config`). */
  readonly faults?: Readonly<Record<string, XdsFault>>;
  readonly match: XdsRouteMatch;
  readonly action: XdsForwardAction | XdsRedirectAction | XdsDirectResponseAction;
  /** Undefined when the route changes no headers. */
  readonly headers?: XdsHeaderMutations;
}

export interface XdsVirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly XdsRoute[];
  readonly headers?: XdsHeaderMutations;
}

export interface XdsRouteConfiguration {
  readonly name: string;
  readonly virtualHosts: readonly XdsVirtualHost[];
  readonly headers?: XdsHeaderMutations;
  /**
   * Header changes are applied from the most specific level (weighted cluster, route, virtual
   * host) to the least, so by default the least specific one wins a conflict; true reverses it.
   */
  readonly mostSpecificHeaderMutationsWins?: boolean;
  /** Match virtual host domains against the Host without its port. */
  readonly ignorePortInHostMatching?: boolean;
}

// ---------------------------------------------------------------------------------- Clusters

export type XdsLbPolicy = 'round_robin' | 'least_request' | 'random' | 'ring_hash' | 'maglev' | 'cluster_provided';

export interface XdsTransportSocketMatch {
  readonly name: string;
  /** Endpoint metadata (`envoy.transport_socket_match`) this entry matches; empty matches all. */
  readonly match: Readonly<Record<string, unknown>>;
  /** Undefined for plaintext (raw_buffer). */
  readonly tls?: XdsUpstreamTls;
}

/** Circuit breaker thresholds of the default routing priority (Envoy's defaults: 1024, 1024, 1024, 3). */
export interface XdsCircuitBreakers {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

/** Consecutive-failure outlier detection (success-rate and failure-percentage ejection are not implemented). */
export interface XdsOutlierDetection {
  /** 0 = this detector is off; `enforcing*` is the percentage of detections that eject. */
  readonly consecutive5xx: number;
  readonly enforcingConsecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
}

interface XdsClusterBase {
  readonly name: string;
  readonly lbPolicy: XdsLbPolicy;
  readonly connectTimeoutMs: number;
  readonly circuitBreakers: XdsCircuitBreakers;
  readonly outlierDetection?: XdsOutlierDetection;
  /** Below this percentage of healthy hosts a priority level balances over all its hosts (default 50; 0 = never). */
  readonly healthyPanicThresholdPercent: number;
  /** Source address of upstream connections (`upstream_bind_config`), port chosen by the system. */
  readonly upstreamBindAddress?: string;
  /** Upstream connections idle this long are closed (HttpProtocolOptions common idle_timeout; Envoy's default 1 h). */
  readonly idleTimeoutMs?: number;
  /** An upstream connection is closed after carrying this many requests (HttpProtocolOptions common). */
  readonly maxRequestsPerConnection?: number;
  readonly tls?: XdsUpstreamTls;
  readonly transportSocketMatches: readonly XdsTransportSocketMatch[];
  /** The services behind the cluster, from its `istio.services` metadata (telemetry labels only). */
  readonly istioServices?: readonly XdsIstioService[];
}

/** One entry of a cluster's `istio.services` metadata, as pilot writes it. */
export interface XdsIstioService {
  readonly host: string;
  readonly name: string;
  readonly namespace: string;
}

/** Endpoints come over EDS under `serviceName`. */
export interface XdsEdsCluster extends XdsClusterBase {
  readonly type: 'eds';
  readonly serviceName: string;
}

/** Which addresses a DNS cluster's host names resolve to (Envoy's DnsLookupFamily). */
export type XdsDnsLookupFamily = 'auto' | 'v4_only' | 'v6_only' | 'v4_preferred' | 'all';

/** Endpoints are in the cluster (`static`: IPs; the DNS types: host names to resolve). */
export interface XdsInlineEndpointsCluster extends XdsClusterBase {
  readonly type: 'static' | 'strict_dns' | 'logical_dns';
  readonly loadAssignment: XdsClusterLoadAssignment;
  readonly dnsLookupFamily: XdsDnsLookupFamily;
}

/** Upstream is the connection's original destination. */
export interface XdsOriginalDstCluster extends XdsClusterBase {
  readonly type: 'original_dst';
}

export type XdsCluster = XdsEdsCluster | XdsInlineEndpointsCluster | XdsOriginalDstCluster;

// ---------------------------------------------------------------------------------- Endpoints

export type XdsHealthStatus = 'unknown' | 'healthy' | 'unhealthy' | 'draining' | 'timeout' | 'degraded';

export interface XdsLbEndpoint {
  readonly address: XdsSocketAddress;
  readonly healthStatus: XdsHealthStatus;
  readonly weight: number;
  /** Filter metadata by namespace (e.g. `envoy.transport_socket_match`, `istio`). */
  readonly metadata: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface XdsLocalityEndpoints {
  readonly locality: { readonly region: string; readonly zone: string; readonly subZone: string };
  readonly priority: number;
  /** Undefined when unset (all localities equal). */
  readonly weight?: number;
  readonly endpoints: readonly XdsLbEndpoint[];
}

export interface XdsClusterLoadAssignment {
  readonly clusterName: string;
  readonly localities: readonly XdsLocalityEndpoints[];
}

// ---------------------------------------------------------------------------------- Secrets

/** Inline bytes (what SDS servers send) or a file the engine reads. */
export type XdsDataSource = { readonly inline: Buffer } | { readonly filename: string };

export interface XdsTlsCertificateSecret {
  readonly kind: 'tls_certificate';
  readonly name: string;
  readonly certificateChain: XdsDataSource;
  readonly privateKey: XdsDataSource;
}

export interface XdsValidationContextSecret {
  readonly kind: 'validation_context';
  readonly name: string;
  readonly trustedCa: XdsDataSource;
  readonly matchSubjectAltNames: readonly XdsSanMatcher[];
}

export type XdsSecret = XdsTlsCertificateSecret | XdsValidationContextSecret;
