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
  /** The filter's config type; `router` is the only one implemented so far. */
  readonly kind: 'router';
  readonly disabled: boolean;
}

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

export interface XdsForwardAction {
  readonly kind: 'route';
  readonly destination:
    | { readonly cluster: string }
    | { readonly weightedClusters: readonly XdsWeightedCluster[] }
    | { readonly clusterHeader: string };
  readonly timeoutMs?: number;
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

export interface XdsRoute {
  readonly name: string;
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

interface XdsClusterBase {
  readonly name: string;
  readonly lbPolicy: XdsLbPolicy;
  readonly connectTimeoutMs: number;
  readonly tls?: XdsUpstreamTls;
  readonly transportSocketMatches: readonly XdsTransportSocketMatch[];
}

/** Endpoints come over EDS under `serviceName`. */
export interface XdsEdsCluster extends XdsClusterBase {
  readonly type: 'eds';
  readonly serviceName: string;
}

/** Endpoints are in the cluster (`static`: IPs; the DNS types: host names to resolve). */
export interface XdsInlineEndpointsCluster extends XdsClusterBase {
  readonly type: 'static' | 'strict_dns' | 'logical_dns';
  readonly loadAssignment: XdsClusterLoadAssignment;
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
