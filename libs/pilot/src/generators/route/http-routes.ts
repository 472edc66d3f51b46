/**
 * The HTTP rules of one VirtualService as Envoy routes, for one listener port and one set of
 * gateways (`mesh` for sidecars, `ns/name` for a router). Used by the sidecar, gateway and
 * proxyless gRPC route configurations alike.
 *
 * Conditions the proxy cannot see are decided here, for the proxy the config is generated for:
 * a match's `port` (the listener port), `gateways`, `sourceLabels` (subset of the proxy's labels)
 * and `sourceNamespace`. Rules are taken in order; once a route matches every request the rest
 * can never be reached and are not sent.
 */
import type {
  Destination,
  HTTPMatchRequest,
  HTTPRoute,
  HTTPRouteDestination,
  VirtualServiceSpec,
} from '@mesh/config-model';
import type { MergedDestinationRule, Proxy, Service, VirtualServiceConfig } from '@mesh/mesh-model';
import type {
  RedirectAction,
  Route,
  RouteAction,
  RouteAction_RequestMirrorPolicy,
  WeightedCluster_ClusterWeight,
} from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { RedirectAction_RedirectResponseCode } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import type { Any } from '@mesh/xds';
import { packAny } from '@mesh/xds';
import { CorsPolicy } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import { HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';
import { consistentHashFor, hashPolicyFor } from '../common/consistent-hash';
import { durationFromIstio, ZERO_DURATION } from '../common/duration';
import { re2Matcher } from '../common/string-match';
import { WellKnown } from '../common/well-known';
import { outboundClusterName, parseClusterName } from '../naming';
import { translateCors } from './cors';
import { translateFault } from './fault';
import { applyHeaderMutations, headerMutations } from './headers';
import { isCatchAllMatch, translateRouteMatch } from './match';
import { ALL_REQUESTS, fractionFromInteger, fractionFromPercent, runtimeFraction } from './percent';
import { translateRetries } from './retry';

export interface RouteContext {
  readonly proxy: Proxy;
  /** The port the request arrived on (the service port for sidecars, the server port for gateways). */
  readonly listenerPort: number;
  /** `mesh` for sidecars; the `ns/name` of the Gateway(s) for a router. */
  readonly gateways: ReadonlySet<string>;
  /** The listener terminates TLS (gateway HTTPS servers): redirects default to https. */
  readonly isTls: boolean;
  /** Proxyless gRPC: timeouts go to max_stream_duration, which gRPC reads. */
  readonly proxyless: boolean;
  /** The service a destination host names, as this proxy sees it. */
  readonly lookupService: (hostname: string) => Service | undefined;
  /** The DestinationRule for traffic from this proxy to a host. */
  readonly lookupDestinationRule: (hostname: string) => MergedDestinationRule | undefined;
}

/** `outbound|<port>|<subset>|<host>`: the destination's port, else the service's only port, else the listener's. */
export function destinationCluster(
  destination: Destination,
  service: Service | undefined,
  listenerPort: number,
): string {
  let port = listenerPort;
  if (destination.port?.number !== undefined) port = destination.port.number;
  else if (service && service.ports.length === 1) port = service.ports[0].port;
  return outboundClusterName(port, destination.subset ?? '', destination.host);
}

/** Istio's config reference in route metadata, for debugging: which VirtualService made the route. */
function configMetadata(vs: VirtualServiceConfig) {
  return {
    filterMetadata: {
      istio: { config: `/apis/${vs.group}/${vs.version}/namespaces/${vs.namespace}/virtual-service/${vs.name}` },
    },
  };
}

function sourceMatches(match: HTTPMatchRequest | undefined, ctx: RouteContext): boolean {
  if (!match) return true;
  if (match.gateways && match.gateways.length > 0) return match.gateways.some((g) => ctx.gateways.has(g));
  const labels = match.sourceLabels ?? {};
  if (!Object.entries(labels).every(([key, value]) => ctx.proxy.labels[key] === value)) return false;
  return !match.sourceNamespace || match.sourceNamespace === ctx.proxy.namespace;
}

const REDIRECT_CODES: Readonly<Record<number, RedirectAction_RedirectResponseCode>> = {
  301: RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
  302: RedirectAction_RedirectResponseCode.FOUND,
  303: RedirectAction_RedirectResponseCode.SEE_OTHER,
  307: RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT,
  308: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT,
};

function redirectAction(http: HTTPRoute, ctx: RouteContext): RedirectAction | undefined {
  const redirect = http.redirect!;
  const responseCode = REDIRECT_CODES[redirect.redirectCode ?? 301];
  if (responseCode === undefined) return undefined;
  const out: RedirectAction = { responseCode };
  if (redirect.authority) out.hostRedirect = redirect.authority;
  if (redirect.uri) out.pathRedirect = redirect.uri;
  if (redirect.scheme) out.schemeRedirect = redirect.scheme;
  let port: number | undefined;
  if (redirect.port !== undefined) port = redirect.port;
  else if (redirect.derivePort === 'FROM_REQUEST_PORT') port = ctx.listenerPort;
  if (port !== undefined) {
    const scheme = redirect.scheme || (ctx.isTls ? 'https' : 'http');
    // No explicit default port for the scheme.
    const isDefault = (port === 80 && scheme === 'http') || (port === 443 && scheme === 'https');
    if (!isDefault) out.portRedirect = port;
  }
  return out;
}

function mirrorPolicies(http: HTTPRoute, ctx: RouteContext): RouteAction_RequestMirrorPolicy[] {
  const out: RouteAction_RequestMirrorPolicy[] = [];
  const add = (destination: Destination, fraction = ALL_REQUESTS) =>
    out.push({
      cluster: destinationCluster(destination, ctx.lookupService(destination.host), ctx.listenerPort),
      runtimeFraction: runtimeFraction(fraction),
      traceSampled: false,
    });
  if (http.mirror) {
    if (http.mirrorPercentage) {
      if ((http.mirrorPercentage.value ?? 0) > 0) add(http.mirror, fractionFromPercent(http.mirrorPercentage));
    } else if (http.mirrorPercent !== undefined) {
      if (http.mirrorPercent > 0) add(http.mirror, fractionFromInteger(http.mirrorPercent));
    } else {
      add(http.mirror);
    }
  }
  for (const mirror of http.mirrors ?? []) {
    if (mirror.percentage) {
      if ((mirror.percentage.value ?? 0) > 0) add(mirror.destination, fractionFromPercent(mirror.percentage));
    } else {
      add(mirror.destination);
    }
  }
  return out;
}

/** The hash policy the destination's DestinationRule asks for (consistent-hash load balancing). */
function hashPolicyOf(destination: HTTPRouteDestination, cluster: string, ctx: RouteContext) {
  const rule = ctx.lookupDestinationRule(destination.destination.host);
  const port = parseClusterName(cluster)?.port;
  if (!rule || port === undefined) return undefined;
  const hash = consistentHashFor(rule.spec, port, destination.destination.subset);
  return hashPolicyFor(hash, `DestinationRule ${rule.namespace}/${rule.name}`);
}

function routeAction(http: HTTPRoute, out: Route, ctx: RouteContext, where: string, authority?: string): RouteAction {
  const action: RouteAction = {};
  const timeout = http.timeout ? durationFromIstio(http.timeout, `${where}.timeout`) : ZERO_DURATION;
  action.timeout = timeout;
  if (ctx.proxyless) action.maxStreamDuration = { maxStreamDuration: timeout };
  else action.maxGrpcTimeout = timeout;

  let hostRewrite = authority;
  if (http.rewrite) {
    const regex = http.rewrite.uriRegexRewrite;
    if (regex?.match !== undefined) {
      action.regexRewrite = { pattern: re2Matcher(regex.match), substitution: regex.rewrite ?? '' };
    } else if (http.rewrite.uri) {
      action.prefixRewrite = http.rewrite.uri;
    }
    if (http.rewrite.authority) hostRewrite = http.rewrite.authority;
  }

  const mirrors = mirrorPolicies(http, ctx);
  if (mirrors.length > 0) action.requestMirrorPolicies = mirrors;

  const destinations = http.route ?? [];
  const hashPolicies = [];
  if (destinations.length === 1) {
    const only = destinations[0];
    action.cluster = destinationCluster(only.destination, ctx.lookupService(only.destination.host), ctx.listenerPort);
    if (only.headers) {
      const mutations = headerMutations(only.headers);
      applyHeaderMutations(out, mutations);
      // The rule's own rewrite wins over the destination's authority header.
      if (hostRewrite === undefined && mutations.authority !== undefined) hostRewrite = mutations.authority;
    }
    const hash = hashPolicyOf(only, action.cluster, ctx);
    if (hash) hashPolicies.push(hash);
  } else {
    const clusters: WeightedCluster_ClusterWeight[] = [];
    for (const destination of destinations) {
      // A zero weight among others is "send none here".
      if (!destination.weight) continue;
      const weight: WeightedCluster_ClusterWeight = {
        name: destinationCluster(
          destination.destination,
          ctx.lookupService(destination.destination.host),
          ctx.listenerPort,
        ),
        weight: destination.weight,
      };
      if (destination.headers) {
        const mutations = headerMutations(destination.headers);
        applyHeaderMutations(weight, mutations);
        if (mutations.authority !== undefined) weight.hostRewriteLiteral = mutations.authority;
      }
      clusters.push(weight);
      const hash = hashPolicyOf(destination, weight.name!, ctx);
      if (hash) hashPolicies.push(hash);
    }
    action.weightedClusters = { clusters };
  }
  if (hostRewrite !== undefined) action.hostRewriteLiteral = hostRewrite;
  if (hashPolicies.length > 0) action.hashPolicy = hashPolicies;

  const retry = translateRetries(http.retries, `${where}.retries`);
  if (retry) action.retryPolicy = retry;
  return action;
}

/** Istio's trace operation name: `host:port/path` for a single cluster, else `<vs>:<port>/path`. */
function decoratorOperation(route: Route, vsName: string, port: number): string {
  const match = route.match ?? {};
  let path = '/*';
  if (match.prefix !== undefined) path = `${match.prefix}*`;
  else if (match.path !== undefined) path = match.path;
  else if (match.safeRegex?.regex !== undefined) path = match.safeRegex.regex;
  const parsed = route.route?.cluster ? parseClusterName(route.route.cluster) : undefined;
  if (parsed) return `${parsed.hostname}:${parsed.port}${path}`;
  return `${vsName}:${port}${path}`;
}

function translateRoute(
  vs: VirtualServiceConfig,
  http: HTTPRoute,
  match: HTTPMatchRequest | undefined,
  ctx: RouteContext,
  where: string,
): Route | undefined {
  if (match?.port !== undefined && match.port !== 0 && match.port !== ctx.listenerPort) return undefined;
  if (!sourceMatches(match, ctx)) return undefined;

  let name = http.name ?? '';
  if (match?.name) name = `${name}.${match.name}`;
  const out: Route = { match: translateRouteMatch(match), metadata: configMetadata(vs) };
  if (name) out.name = name;
  if (match?.statPrefix) out.statPrefix = match.statPrefix;

  const mutations = headerMutations(http.headers);
  applyHeaderMutations(out, mutations);

  if (http.redirect) {
    const redirect = redirectAction(http, ctx);
    if (!redirect) return undefined;
    out.redirect = redirect;
  } else if (http.directResponse) {
    const { status, body } = http.directResponse;
    out.directResponse = { status };
    if (body?.string !== undefined) out.directResponse.body = { inlineString: body.string };
    else if (body?.bytes !== undefined) out.directResponse.body = { inlineBytes: Buffer.from(body.bytes, 'base64') };
  } else {
    out.route = routeAction(http, out, ctx, where, mutations.authority);
  }

  out.decorator = { operation: decoratorOperation(out, vs.name, ctx.listenerPort) };

  const perFilter: { [key: string]: Any } = {};
  const fault = translateFault(http.fault, `${where}.fault`);
  if (fault) perFilter[WellKnown.Fault] = packAny(HTTPFault, fault);
  if (http.corsPolicy)
    perFilter[WellKnown.Cors] = packAny(CorsPolicy, translateCors(http.corsPolicy, `${where}.corsPolicy`));
  if (Object.keys(perFilter).length > 0) out.typedPerFilterConfig = perFilter;
  return out;
}

/**
 * The routes of a VirtualService for a listener port; empty when no rule applies to this proxy
 * on this port (the VirtualService then contributes no virtual host here).
 */
export function buildHttpRoutes(vs: VirtualServiceConfig, ctx: RouteContext): Route[] {
  const spec: VirtualServiceSpec = vs.spec;
  const out: Route[] = [];
  const rules = spec.http ?? [];
  for (let i = 0; i < rules.length; i++) {
    const http = rules[i];
    const where = `VirtualService ${vs.namespace}/${vs.name} spec.http[${i}]`;
    let catchAll = false;
    if (!http.match || http.match.length === 0) {
      const route = translateRoute(vs, http, undefined, ctx, where);
      if (route) out.push(route);
      catchAll = true;
    } else {
      for (const match of http.match) {
        const route = translateRoute(vs, http, match, ctx, where);
        if (!route) continue;
        out.push(route);
        if (isCatchAllMatch(route.match)) {
          catchAll = true;
          break;
        }
      }
    }
    if (catchAll) break;
  }
  return out;
}

/** Moves catch-all routes to the end, keeping the order of the others (routes merged from several VirtualServices). */
export function catchAllRoutesLast(routes: readonly Route[]): Route[] {
  const specific = routes.filter((r) => !isCatchAllMatch(r.match));
  const catchAll = routes.filter((r) => isCatchAllMatch(r.match));
  return [...specific, ...catchAll];
}
