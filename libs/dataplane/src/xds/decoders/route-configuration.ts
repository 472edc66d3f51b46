/**
 * RouteConfiguration (RDS, or inline in an HttpConnectionManager): virtual hosts with domains,
 * routes with one path match and one action. Match conditions the proxy cannot evaluate and
 * actions it cannot perform are rejected: a route that silently matched more (or sent traffic
 * elsewhere) than the control plane meant is worse than a NACK.
 */
import { type Any, RouteConfiguration, TypeUrl } from '@mesh/xds';
import type {
  DirectResponseAction,
  HeaderMatcher,
  QueryParameterMatcher,
  RedirectAction,
  Route,
  RouteAction,
  RouteAction_HashPolicy,
  RouteAction_RequestMirrorPolicy,
  RouteMatch,
  VirtualHost,
  WeightedCluster,
} from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { RedirectAction_RedirectResponseCode } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import type { RegexMatchAndSubstitute } from '@mesh/xds/generated/envoy/type/matcher/v3/regex';
import type {
  XdsDirectResponseAction,
  XdsCorsPolicy,
  XdsFault,
  XdsForwardAction,
  XdsHashPolicy,
  XdsHeaderMatcher,
  XdsPathMatch,
  XdsQueryParameterMatcher,
  XdsRedirectAction,
  XdsRequestMirror,
  XdsRoute,
  XdsRouteConfiguration,
  XdsRouteMatch,
  XdsVirtualHost,
  XdsWeightedCluster,
} from '../model';
import { allowOnly, dataSource, durationMs, nonEmpty, re2Pattern, stringMatcher } from './common';
import { fail, field, index, type ResourceSpec } from './decode-result';
import { HEADER_MUTATION_FIELDS, headerMutations } from './header-mutations';
import { routeCorsPolicy } from './cors';
import { fraction, routeFault } from './fault';
import { retryPolicy } from './retry-policy';

export const routeConfigurationSpec: ResourceSpec<RouteConfiguration, XdsRouteConfiguration> = {
  codec: RouteConfiguration,
  nameField: 'name',
  nameOf: (m) => m.name,
  check: (m) => checkRouteConfiguration(m, ''),
};

/** Also used for an HttpConnectionManager's inline route_config (`path` is then its field path). */
export function checkRouteConfiguration(config: RouteConfiguration, path: string): XdsRouteConfiguration {
  // validate_clusters only makes Envoy reject routes to unknown clusters at load time.
  allowOnly(
    config,
    [
      'name',
      'virtualHosts',
      'validateClusters',
      ...HEADER_MUTATION_FIELDS,
      'mostSpecificHeaderMutationsWins',
      'ignorePortInHostMatching',
    ],
    path,
  );
  const virtualHosts = (config.virtualHosts ?? []).map((vh, i) =>
    virtualHost(vh, index(field(path, 'virtual_hosts'), i)),
  );
  const seen = new Map<string, string>();
  for (const vh of virtualHosts) {
    for (const domain of vh.domains) {
      const other = seen.get(domain.toLowerCase());
      if (other) fail(field(path, 'virtual_hosts'), `domain "${domain}" is in both "${other}" and "${vh.name}"`);
      seen.set(domain.toLowerCase(), vh.name);
    }
  }
  return {
    name: config.name ?? '',
    virtualHosts,
    headers: headerMutations(config, path),
    mostSpecificHeaderMutationsWins: config.mostSpecificHeaderMutationsWins || undefined,
    ignorePortInHostMatching: config.ignorePortInHostMatching || undefined,
  };
}

function virtualHost(vh: VirtualHost, path: string): XdsVirtualHost {
  allowOnly(vh, ['name', 'domains', 'routes', 'metadata', ...HEADER_MUTATION_FIELDS], path);
  const name = nonEmpty(vh.name, field(path, 'name'));
  const domains = vh.domains ?? [];
  if (domains.length === 0) fail(field(path, 'domains'), 'must list at least one domain');
  domains.forEach((d, i) => {
    const at = index(field(path, 'domains'), i);
    nonEmpty(d, at);
    // Envoy's rule: one wildcard, as the whole domain or at its start or end.
    if (d !== '*' && (d.slice(1, -1).includes('*') || (d.startsWith('*') && d.endsWith('*')))) {
      fail(at, `"${d}" may hold one wildcard, at the start or the end`);
    }
  });
  return {
    name,
    domains,
    routes: (vh.routes ?? []).map((r, i) => route(r, index(field(path, 'routes'), i))),
    headers: headerMutations(vh, path),
  };
}

function route(r: Route, path: string): XdsRoute {
  allowOnly(
    r,
    [
      'name',
      'match',
      'route',
      'redirect',
      'directResponse',
      'metadata',
      'decorator',
      'statPrefix',
      'typedPerFilterConfig',
      ...HEADER_MUTATION_FIELDS,
    ],
    path,
  );
  const { faults, corsPolicies } = perFilterConfigs(r.typedPerFilterConfig, field(path, 'typed_per_filter_config'));
  const actions = [r.route, r.redirect, r.directResponse].filter((a) => a !== undefined).length;
  if (actions !== 1) fail(path, 'must set exactly one of route, redirect or direct_response');
  const action = r.route
    ? forward(r.route, field(path, 'route'))
    : r.redirect
      ? redirect(r.redirect, field(path, 'redirect'))
      : directResponse(r.directResponse!, field(path, 'direct_response'));
  return {
    name: r.name ?? '',
    faults,
    corsPolicies,
    match: routeMatch(r.match, field(path, 'match')),
    action,
    headers: headerMutations(r, path),
  };
}

/** Per-filter route configs: the fault and CORS filters' are implemented; any other is rejected. */
function perFilterConfigs(
  configs: { readonly [name: string]: Any } | undefined,
  path: string,
): { faults?: Record<string, XdsFault>; corsPolicies?: Record<string, XdsCorsPolicy> } {
  let faults: Record<string, XdsFault> | undefined;
  let corsPolicies: Record<string, XdsCorsPolicy> | undefined;
  for (const [name, any] of Object.entries(configs ?? {})) {
    const at = `${path}["${name}"]`;
    if (any.typeUrl === TypeUrl.HttpFault) (faults ??= {})[name] = routeFault(any, at);
    else if (any.typeUrl === TypeUrl.CorsPolicy) (corsPolicies ??= {})[name] = routeCorsPolicy(any, at);
    else fail(at, `per-route config "${any.typeUrl ?? ''}" is not supported by this proxy`);
  }
  return { faults, corsPolicies };
}

function routeMatch(m: RouteMatch | undefined, path: string): XdsRouteMatch {
  if (!m) fail(path, 'is required');
  allowOnly(
    m,
    ['prefix', 'path', 'safeRegex', 'pathSeparatedPrefix', 'caseSensitive', 'headers', 'queryParameters', 'grpc'],
    path,
  );
  let pathMatch: XdsPathMatch;
  if (m.prefix !== undefined) pathMatch = { kind: 'prefix', value: m.prefix };
  else if (m.path !== undefined) pathMatch = { kind: 'path', value: m.path };
  else if (m.safeRegex !== undefined) {
    pathMatch = { kind: 'regex', value: re2Pattern(m.safeRegex.regex, field(path, 'safe_regex.regex')) };
  } else if (m.pathSeparatedPrefix !== undefined) {
    const value = m.pathSeparatedPrefix;
    if (!value.startsWith('/') || value.endsWith('/') || /[?#]/.test(value)) {
      fail(field(path, 'path_separated_prefix'), `"${value}" must start with "/", not end with "/" and hold no ? or #`);
    }
    pathMatch = { kind: 'path_separated_prefix', value };
  } else {
    return fail(path, 'must set one of prefix, path, safe_regex or path_separated_prefix');
  }
  return {
    path: pathMatch,
    // BoolValue, true by default.
    caseSensitive: m.caseSensitive ?? true,
    headers: (m.headers ?? []).map((h, i) => headerMatcher(h, index(field(path, 'headers'), i))),
    queryParameters: (m.queryParameters ?? []).map((q, i) =>
      queryMatcher(q, index(field(path, 'query_parameters'), i)),
    ),
    grpc: m.grpc !== undefined,
  };
}

function headerMatcher(h: HeaderMatcher, path: string): XdsHeaderMatcher {
  const name = nonEmpty(h.name, field(path, 'name'));
  const common = { name, invert: h.invertMatch ?? false, treatMissingAsEmpty: h.treatMissingHeaderAsEmpty ?? false };
  const noCase = false;
  if (h.stringMatch !== undefined)
    return { ...common, match: stringMatcher(h.stringMatch, field(path, 'string_match')) };
  if (h.exactMatch !== undefined)
    return { ...common, match: { kind: 'exact', value: h.exactMatch, ignoreCase: noCase } };
  if (h.prefixMatch !== undefined) {
    return {
      ...common,
      match: { kind: 'prefix', value: nonEmpty(h.prefixMatch, field(path, 'prefix_match')), ignoreCase: noCase },
    };
  }
  if (h.suffixMatch !== undefined) {
    return {
      ...common,
      match: { kind: 'suffix', value: nonEmpty(h.suffixMatch, field(path, 'suffix_match')), ignoreCase: noCase },
    };
  }
  if (h.containsMatch !== undefined) {
    return {
      ...common,
      match: { kind: 'contains', value: nonEmpty(h.containsMatch, field(path, 'contains_match')), ignoreCase: noCase },
    };
  }
  if (h.safeRegexMatch !== undefined) {
    const value = re2Pattern(h.safeRegexMatch.regex, field(path, 'safe_regex_match.regex'));
    return { ...common, match: { kind: 'regex', value, ignoreCase: noCase } };
  }
  if (h.presentMatch !== undefined) return { ...common, match: { kind: 'present', present: h.presentMatch } };
  if (h.rangeMatch !== undefined) {
    const { start = 0, end = 0 } = h.rangeMatch;
    if (end <= start) fail(field(path, 'range_match'), `end ${end} must be greater than start ${start}`);
    return { ...common, match: { kind: 'range', start, end } };
  }
  // No matcher at all: Envoy treats this as "header is present".
  return { ...common, match: { kind: 'present', present: true } };
}

function queryMatcher(q: QueryParameterMatcher, path: string): XdsQueryParameterMatcher {
  const name = nonEmpty(q.name, field(path, 'name'));
  if (q.stringMatch !== undefined) return { name, match: stringMatcher(q.stringMatch, field(path, 'string_match')) };
  if (q.presentMatch) return { name, match: { kind: 'present' } };
  return fail(path, 'must set string_match or present_match');
}

function forward(action: RouteAction, path: string): XdsForwardAction {
  allowOnly(
    action,
    [
      'cluster',
      'weightedClusters',
      'clusterHeader',
      'timeout',
      'prefixRewrite',
      'regexRewrite',
      'hostRewriteLiteral',
      'retryPolicy',
      'maxGrpcTimeout',
      'maxStreamDuration',
      'requestMirrorPolicies',
      'hashPolicy',
    ],
    path,
  );
  if (action.prefixRewrite && action.regexRewrite) fail(path, 'prefix_rewrite and regex_rewrite are exclusive');
  let destination: XdsForwardAction['destination'];
  if (action.cluster !== undefined) destination = { cluster: nonEmpty(action.cluster, field(path, 'cluster')) };
  else if (action.weightedClusters !== undefined) {
    destination = { weightedClusters: weightedClusters(action.weightedClusters, field(path, 'weighted_clusters')) };
  } else if (action.clusterHeader !== undefined) {
    destination = { clusterHeader: nonEmpty(action.clusterHeader, field(path, 'cluster_header')) };
  } else {
    return fail(path, 'must set one of cluster, weighted_clusters or cluster_header');
  }
  return {
    kind: 'route',
    destination,
    timeoutMs: durationMs(action.timeout, field(path, 'timeout')),
    grpcTimeoutHeaderMaxMs: grpcTimeoutHeaderMax(action, path),
    retryPolicy: action.retryPolicy ? retryPolicy(action.retryPolicy, field(path, 'retry_policy')) : undefined,
    mirrors: mirrorPolicies(action.requestMirrorPolicies, field(path, 'request_mirror_policies')),
    hashPolicies: hashPolicies(action.hashPolicy, field(path, 'hash_policy')),
    prefixRewrite: action.prefixRewrite || undefined,
    regexRewrite: action.regexRewrite ? regexRewrite(action.regexRewrite, field(path, 'regex_rewrite')) : undefined,
    hostRewriteLiteral: action.hostRewriteLiteral || undefined,
  };
}

/**
 * How a gRPC request's `grpc-timeout` header bounds it: `max_stream_duration.grpc_timeout_header_max`
 * (Envoy's newer field) wins over the deprecated `max_grpc_timeout`; 0 means "no cap". A route's
 * own `max_stream_duration` is accepted only as 0, which just disables the connection manager's
 * stream duration (which this proxy does not accept).
 */
function grpcTimeoutHeaderMax(action: RouteAction, path: string): number | undefined {
  const stream = action.maxStreamDuration;
  if (stream) {
    const at = field(path, 'max_stream_duration');
    allowOnly(stream, ['maxStreamDuration', 'grpcTimeoutHeaderMax'], at);
    if (durationMs(stream.maxStreamDuration, field(at, 'max_stream_duration'))) {
      fail(field(at, 'max_stream_duration'), 'a non-zero stream duration is not supported by this proxy');
    }
    const max = durationMs(stream.grpcTimeoutHeaderMax, field(at, 'grpc_timeout_header_max'));
    if (max !== undefined) return max;
  }
  return durationMs(action.maxGrpcTimeout, field(path, 'max_grpc_timeout'));
}

/** Hash keys from a header, a cookie, the source IP or a query parameter (filter state is rejected). */
function hashPolicies(policies: RouteAction_HashPolicy[] | undefined, path: string): XdsHashPolicy[] | undefined {
  if (!policies || policies.length === 0) return undefined;
  return policies.map((policy, i): XdsHashPolicy => {
    const at = index(path, i);
    allowOnly(policy, ['header', 'cookie', 'connectionProperties', 'queryParameter', 'terminal'], at);
    const terminal = policy.terminal ?? false;
    if (policy.header) {
      allowOnly(policy.header, ['headerName'], field(at, 'header'));
      return {
        kind: 'header',
        name: nonEmpty(policy.header.headerName, field(at, 'header.header_name')).toLowerCase(),
        terminal,
      };
    }
    if (policy.cookie) {
      const c = field(at, 'cookie');
      allowOnly(policy.cookie, ['name', 'ttl', 'path'], c);
      return {
        kind: 'cookie',
        name: nonEmpty(policy.cookie.name, field(c, 'name')),
        ttlMs: durationMs(policy.cookie.ttl, field(c, 'ttl')),
        path: policy.cookie.path || undefined,
        terminal,
      };
    }
    if (policy.connectionProperties) {
      allowOnly(policy.connectionProperties, ['sourceIp'], field(at, 'connection_properties'));
      if (!policy.connectionProperties.sourceIp) fail(field(at, 'connection_properties.source_ip'), 'must be true');
      return { kind: 'source_ip', terminal };
    }
    if (policy.queryParameter) {
      allowOnly(policy.queryParameter, ['name'], field(at, 'query_parameter'));
      return {
        kind: 'query_parameter',
        name: nonEmpty(policy.queryParameter.name, field(at, 'query_parameter.name')),
        terminal,
      };
    }
    return fail(at, 'must set one of header, cookie, connection_properties or query_parameter');
  });
}

/** Mirrors to a named cluster; by `cluster_header` or with header mutations they are rejected. */
function mirrorPolicies(
  policies: RouteAction_RequestMirrorPolicy[] | undefined,
  path: string,
): XdsRequestMirror[] | undefined {
  if (!policies || policies.length === 0) return undefined;
  return policies.map((policy, i) => {
    const at = index(path, i);
    // trace_sampled only marks the shadow's trace; this proxy does not trace yet.
    allowOnly(policy, ['cluster', 'runtimeFraction', 'traceSampled', 'disableShadowHostSuffixAppend'], at);
    let share = 1;
    if (policy.runtimeFraction) {
      allowOnly(policy.runtimeFraction, ['defaultValue', 'runtimeKey'], field(at, 'runtime_fraction'));
      share = fraction(policy.runtimeFraction.defaultValue, field(at, 'runtime_fraction.default_value'));
    }
    return {
      cluster: nonEmpty(policy.cluster, field(at, 'cluster')),
      fraction: share,
      appendShadowHostSuffix: !policy.disableShadowHostSuffixAppend,
    };
  });
}

function regexRewrite(rewrite: RegexMatchAndSubstitute, path: string): { pattern: string; substitution: string } {
  allowOnly(rewrite, ['pattern', 'substitution'], path);
  if (!rewrite.pattern) fail(field(path, 'pattern'), 'is required');
  allowOnly(rewrite.pattern, ['regex'], field(path, 'pattern'));
  const pattern = re2Pattern(rewrite.pattern.regex, field(path, 'pattern.regex'));
  return { pattern, substitution: rewrite.substitution ?? '' };
}

export function weightedClusters(weighted: WeightedCluster, path: string): XdsWeightedCluster[] {
  allowOnly(weighted, ['clusters', 'totalWeight'], path);
  const clusters = (weighted.clusters ?? []).map((c, i) => {
    const at = index(field(path, 'clusters'), i);
    allowOnly(c, ['name', 'weight', 'hostRewriteLiteral', ...HEADER_MUTATION_FIELDS], at);
    return {
      name: nonEmpty(c.name, field(at, 'name')),
      weight: c.weight ?? 0,
      headers: headerMutations(c, at),
      hostRewriteLiteral: c.hostRewriteLiteral || undefined,
    };
  });
  if (clusters.length === 0) fail(field(path, 'clusters'), 'must list at least one cluster');
  const total = clusters.reduce((sum, c) => sum + c.weight, 0);
  if (total === 0) fail(field(path, 'clusters'), 'weights must not all be zero');
  if (weighted.totalWeight !== undefined && weighted.totalWeight !== total) {
    fail(field(path, 'total_weight'), `is ${weighted.totalWeight} but the weights add up to ${total}`);
  }
  return clusters;
}

const REDIRECT_CODES: Record<number, number> = {
  [RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY]: 301,
  [RedirectAction_RedirectResponseCode.FOUND]: 302,
  [RedirectAction_RedirectResponseCode.SEE_OTHER]: 303,
  [RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT]: 307,
  [RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT]: 308,
};

function redirect(action: RedirectAction, path: string): XdsRedirectAction {
  allowOnly(
    action,
    [
      'httpsRedirect',
      'schemeRedirect',
      'hostRedirect',
      'portRedirect',
      'pathRedirect',
      'prefixRewrite',
      'responseCode',
      'stripQuery',
    ],
    path,
  );
  if (action.pathRedirect !== undefined && action.prefixRewrite !== undefined) {
    fail(path, 'path_redirect and prefix_rewrite are exclusive');
  }
  const responseCode = REDIRECT_CODES[action.responseCode ?? 0];
  if (responseCode === undefined) fail(field(path, 'response_code'), `unknown code ${action.responseCode}`);
  return {
    kind: 'redirect',
    scheme: action.httpsRedirect ? 'https' : action.schemeRedirect || undefined,
    host: action.hostRedirect || undefined,
    port: action.portRedirect || undefined,
    path: action.pathRedirect,
    prefixRewrite: action.prefixRewrite,
    responseCode,
    stripQuery: action.stripQuery ?? false,
  };
}

function directResponse(action: DirectResponseAction, path: string): XdsDirectResponseAction {
  const status = action.status ?? 0;
  if (status < 200 || status > 599) fail(field(path, 'status'), `${status} is not an HTTP status between 200 and 599`);
  let body: string | undefined;
  if (action.body) {
    const source = dataSource(action.body, field(path, 'body'));
    if (!('inline' in source))
      fail(field(path, 'body.filename'), 'is not supported by this proxy (inline bodies only)');
    body = source.inline.toString('utf8');
  }
  return { kind: 'direct_response', status, body };
}
