/**
 * What the traffic simulator takes and answers: a request as a client would make it, and where
 * the generated configuration sends it (Istio's simulation habit: assert behaviour, "this request
 * reaches this cluster", instead of comparing protos field by field).
 */
import type { Cluster } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import type { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import type { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import type { HeaderValueOption } from '@mesh/xds/generated/envoy/config/core/v3/base';
import type { RetryPolicy, RouteAction_HashPolicy } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import type { CorsPolicy } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import type { HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';

/** The configuration of one proxy, decoded. */
export interface SimulationInput {
  readonly listeners: readonly Listener[];
  readonly routes: readonly RouteConfiguration[];
  /** When given, every cluster a result names must be among them (else `unknown-cluster`). */
  readonly clusters?: readonly Cluster[];
}

/**
 * How the connection reaches the proxy: redirected outbound traffic (to `virtualOutbound`, which
 * hands it to the listener of its original destination), redirected inbound traffic (to
 * `virtualInbound`, destination port kept), or straight to a bound listener (gateways).
 */
export type Capture = 'outbound' | 'inbound' | 'none';

export interface ClientTls {
  readonly sni?: string;
  readonly alpn?: readonly string[];
  /** The client presents a certificate (mTLS). */
  readonly clientCertificate?: boolean;
}

export interface SimulationRequest {
  /** Destination port of the connection. */
  readonly port: number;
  /** Destination address; absent means one no listener binds specifically (wildcard listeners apply). */
  readonly address?: string;
  readonly capture?: Capture;
  /** What the client speaks: HTTP/1.1 (default), HTTP/2 in cleartext, or opaque TCP. */
  readonly protocol?: 'http' | 'http2' | 'tcp';
  /** The client opens TLS (with this SNI / ALPN) before speaking. */
  readonly tls?: ClientTls;
  readonly authority?: string;
  readonly path?: string;
  readonly method?: string;
  readonly scheme?: string;
  /** Request headers, lower-case names. */
  readonly headers?: Readonly<Record<string, string>>;
}

export type SimulationError =
  | 'no-listener'
  | 'no-filter-chain'
  | 'tls-required'
  /** The client sent TLS to a chain that speaks plaintext HTTP: the HTTP codec sees a handshake. */
  | 'tls-not-terminated'
  | 'client-certificate-required'
  | 'no-route-configuration'
  | 'no-virtual-host'
  | 'no-route'
  | 'unknown-cluster';

export interface WeightedDestination {
  readonly name: string;
  readonly weight: number;
}

export interface SimulatedRedirect {
  readonly scheme?: string;
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
  readonly prefixRewrite?: string;
  readonly responseCode: number;
}

export interface SimulationResult {
  /** The listener that accepted the connection (after original-destination hand-off). */
  readonly listener?: string;
  /** The filter chain's name, or `#<index>` for an unnamed one, `default` for the default chain. */
  readonly filterChain?: string;
  /** The chain terminated TLS (SDS names of its certificates). */
  readonly tlsCertificates?: readonly string[];
  readonly network?: 'http' | 'tcp';
  /** HTTP filters of the connection manager, in order. */
  readonly httpFilters?: readonly string[];
  readonly routeConfiguration?: string;
  readonly virtualHost?: string;
  /** The matched route's name ('' when unnamed). */
  readonly route?: string;
  /** Where the request goes: one cluster (weight 1) or weighted clusters. */
  readonly clusters?: readonly WeightedDestination[];
  readonly directResponse?: { readonly status: number; readonly body?: string };
  readonly redirect?: SimulatedRedirect;
  readonly fault?: HTTPFault;
  readonly cors?: CorsPolicy;
  readonly retryPolicy?: RetryPolicy;
  /** Route timeout in milliseconds (0 = disabled). */
  readonly timeoutMs?: number;
  readonly hashPolicy?: readonly RouteAction_HashPolicy[];
  readonly mirrors?: readonly string[];
  readonly prefixRewrite?: string;
  readonly hostRewrite?: string;
  readonly requestHeadersToAdd?: readonly HeaderValueOption[];
  readonly error?: SimulationError;
}
