/**
 * networking.istio.io VirtualService: routing rules for hosts, applied by sidecars (`mesh`) and/or
 * the gateways it names. HTTP, TLS (by SNI) and opaque TCP rules; the first match wins.
 */
import type { Destination, Duration, LabelMap, Percent, StringMatch } from './common';

export interface VirtualServiceSpec {
  /** Hosts this service answers for; short names resolve against the VirtualService's namespace. */
  hosts?: string[];
  /** `mesh` (the default), `name`, or `namespace/name` of Gateways. */
  gateways?: string[];
  http?: HTTPRoute[];
  tls?: TLSRoute[];
  tcp?: TCPRoute[];
  exportTo?: string[];
}

/** One HTTP rule: forward (`route`), `redirect`, `directResponse`, or hand over to a `delegate`. */
export interface HTTPRoute {
  name?: string;
  match?: HTTPMatchRequest[];
  route?: HTTPRouteDestination[];
  redirect?: HTTPRedirect;
  directResponse?: HTTPDirectResponse;
  delegate?: Delegate;
  rewrite?: HTTPRewrite;
  timeout?: Duration;
  retries?: HTTPRetry;
  fault?: HTTPFaultInjection;
  mirror?: Destination;
  /** @deprecated use `mirrorPercentage`. */
  mirrorPercent?: number;
  mirrorPercentage?: Percent;
  mirrors?: HTTPMirrorPolicy[];
  corsPolicy?: CorsPolicy;
  headers?: Headers;
}

/** All conditions of one match must hold; the matches of a rule are ORed. */
export interface HTTPMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  /** Keys are lower-case header names; an empty match checks presence. */
  headers?: Record<string, StringMatch>;
  port?: number;
  sourceLabels?: LabelMap;
  gateways?: string[];
  queryParams?: Record<string, StringMatch>;
  ignoreUriCase?: boolean;
  withoutHeaders?: Record<string, StringMatch>;
  sourceNamespace?: string;
  statPrefix?: string;
}

export interface HTTPRouteDestination {
  destination: Destination;
  /** Relative weight; weights of a rule's destinations should add up to 100. */
  weight?: number;
  headers?: Headers;
}

export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

export interface HeaderOperations {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

export interface HTTPRedirect {
  uri?: string;
  authority?: string;
  /** At most one of `port` and `derivePort`. */
  port?: number;
  derivePort?: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';
  scheme?: string;
  /** Defaults to 301. */
  redirectCode?: number;
}

export interface HTTPDirectResponse {
  status: number;
  /** `string`, or `bytes` (base64). */
  body?: { string?: string; bytes?: string };
}

export interface Delegate {
  name?: string;
  namespace?: string;
}

export interface HTTPRewrite {
  uri?: string;
  authority?: string;
  uriRegexRewrite?: { match?: string; rewrite?: string };
}

export interface HTTPRetry {
  attempts?: number;
  perTryTimeout?: Duration;
  /** Comma-separated Envoy retry conditions, e.g. "gateway-error,connect-failure,refused-stream". */
  retryOn?: string;
  retryRemoteLocalities?: boolean;
  retryIgnorePreviousHosts?: boolean;
  backoff?: Duration;
}

export interface HTTPFaultInjection {
  delay?: {
    fixedDelay?: Duration;
    exponentialDelay?: Duration;
    percentage?: Percent;
    /** @deprecated use `percentage`. */
    percent?: number;
  };
  abort?: {
    httpStatus?: number;
    grpcStatus?: string;
    http2Error?: string;
    percentage?: Percent;
  };
}

export interface HTTPMirrorPolicy {
  destination: Destination;
  percentage?: Percent;
}

export interface CorsPolicy {
  allowOrigins?: StringMatch[];
  /** @deprecated use `allowOrigins`. */
  allowOrigin?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: Duration;
  allowCredentials?: boolean;
  unmatchedPreflights?: 'UNSPECIFIED' | 'FORWARD' | 'IGNORE';
}

/** Routing of TLS that is not terminated, by SNI. */
export interface TLSRoute {
  match: TLSMatchAttributes[];
  route?: RouteDestination[];
}

export interface TLSMatchAttributes {
  sniHosts: string[];
  destinationSubnets?: string[];
  port?: number;
  sourceLabels?: LabelMap;
  gateways?: string[];
  sourceNamespace?: string;
}

/** Routing of opaque TCP. */
export interface TCPRoute {
  match?: L4MatchAttributes[];
  route?: RouteDestination[];
}

export interface L4MatchAttributes {
  destinationSubnets?: string[];
  port?: number;
  sourceSubnet?: string;
  sourceLabels?: LabelMap;
  gateways?: string[];
  sourceNamespace?: string;
}

export interface RouteDestination {
  destination: Destination;
  weight?: number;
}
