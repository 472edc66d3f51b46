/**
 * A RouteConfiguration compiled for the request path: virtual hosts indexed by domain with
 * Envoy's precedence (exact, then the longest `*suffix` wildcard, then the longest `prefix*`
 * wildcard, then `*`), and each virtual host's routes as predicates tried in order, the first
 * match winning. Compiled once per RouteConfiguration, never per request.
 */
import type {
  XdsCorsPolicy,
  XdsForwardAction,
  XdsHeaderMatcher,
  XdsHeaderMutations,
  XdsPathMatch,
  XdsQueryParameterMatcher,
  XdsRoute,
  XdsRouteConfiguration,
  XdsVirtualHost,
  XdsWeightedCluster,
} from '../../xds/model';
import { CompiledCorsPolicy } from './cors';
import { compileHashKey, type HashKeyFunction } from './hash-key';
import { fullMatchRegex } from './regex';
import type { RequestFacts } from './request-facts';
import { RetryPolicy } from './retry-policy';
import { compilePathRewrite, type PathRewriter } from './rewrite';
import { compileStringMatcher, type StringPredicate } from './string-matcher';

type Predicate = (request: RequestFacts) => boolean;

export interface CompiledVirtualHost {
  readonly name: string;
  readonly config: XdsVirtualHost;
  readonly routes: readonly CompiledRoute[];
}

/** The cluster a forwarded request goes to, and the weighted-cluster entry that chose it. */
export interface ClusterChoice {
  readonly name: string;
  readonly weighted?: XdsWeightedCluster;
}

/** What a forwarding route needs per request, compiled with the route. */
export interface ForwardPlan {
  readonly action: XdsForwardAction;
  /** Undefined when the cluster comes from a request header that is absent. */
  chooseCluster(request: RequestFacts, random: () => number): ClusterChoice | undefined;
  /** The new `:path`, when the route rewrites it. */
  readonly rewritePath?: PathRewriter;
  /** Set when the route retries under some condition. */
  readonly retryPolicy?: RetryPolicy;
  /** The request's consistent-hash key, when the route has hash policies. */
  readonly hashKey?: HashKeyFunction;
}

export interface CompiledRoute {
  readonly config: XdsRoute;
  /** Set for routes whose action is to forward. */
  readonly forward?: ForwardPlan;
  readonly virtualHost: XdsVirtualHost;
  /**
   * Header changes of the route, its virtual host and its route configuration, in the order
   * they are applied (a weighted cluster's own go before them, or after with
   * `most_specific_header_mutations_wins`).
   */
  readonly headerLevels: readonly XdsHeaderMutations[];
  readonly mostSpecificHeaderMutationsWins: boolean;
  /** CORS policies by the CORS filter name they configure. */
  readonly cors?: Readonly<Record<string, CompiledCorsPolicy>>;
  matches(request: RequestFacts): boolean;
}

export interface RouteMatchResult {
  readonly virtualHost: CompiledVirtualHost;
  readonly route: CompiledRoute;
}

export class RouteTable {
  private readonly exact = new Map<string, CompiledVirtualHost>();
  /** `*.example.com` as `.example.com`, longest first. */
  private readonly suffixes: { readonly suffix: string; readonly vh: CompiledVirtualHost }[] = [];
  /** `example.*` as `example.`, longest first. */
  private readonly prefixes: { readonly prefix: string; readonly vh: CompiledVirtualHost }[] = [];
  private catchAll: CompiledVirtualHost | undefined;
  private readonly ignorePort: boolean;

  constructor(readonly config: XdsRouteConfiguration) {
    this.ignorePort = config.ignorePortInHostMatching ?? false;
    for (const vh of config.virtualHosts) {
      const compiled = compileVirtualHost(vh, config);
      for (const raw of vh.domains) {
        const domain = raw.toLowerCase();
        if (domain === '*') this.catchAll = compiled;
        else if (domain.startsWith('*')) this.suffixes.push({ suffix: domain.slice(1), vh: compiled });
        else if (domain.endsWith('*')) this.prefixes.push({ prefix: domain.slice(0, -1), vh: compiled });
        else this.exact.set(domain, compiled);
      }
    }
    this.suffixes.sort((a, b) => b.suffix.length - a.suffix.length);
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  get name(): string {
    return this.config.name;
  }

  /** The virtual host for a Host/:authority value. */
  virtualHost(authority: string): CompiledVirtualHost | undefined {
    let host = authority.toLowerCase();
    if (this.ignorePort) host = withoutPort(host);
    const exact = this.exact.get(host);
    if (exact) return exact;
    // A wildcard stands for at least one character.
    for (const { suffix, vh } of this.suffixes) {
      if (host.length > suffix.length && host.endsWith(suffix)) return vh;
    }
    for (const { prefix, vh } of this.prefixes) {
      if (host.length > prefix.length && host.startsWith(prefix)) return vh;
    }
    return this.catchAll;
  }

  /** The first route of the request's virtual host that matches it. */
  route(request: RequestFacts): RouteMatchResult | undefined {
    const virtualHost = this.virtualHost(request.authority);
    if (!virtualHost) return undefined;
    for (const route of virtualHost.routes) {
      if (route.matches(request)) return { virtualHost, route };
    }
    return undefined;
  }
}

/** `host:port` → `host`; `[::1]:80` → `[::1]`. */
function withoutPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return host;
  if (host.startsWith('[') && host.lastIndexOf(']') > colon) return host; // bracketed IPv6, no port
  return host.slice(0, colon);
}

function compileVirtualHost(vh: XdsVirtualHost, config: XdsRouteConfiguration): CompiledVirtualHost {
  const levelsBelowRoute = [vh.headers, config.headers].filter((h): h is XdsHeaderMutations => h !== undefined);
  return {
    name: vh.name,
    config: vh,
    routes: vh.routes.map((route) => ({
      config: route,
      forward: route.action.kind === 'route' ? compileForward(route.action, route.match.path) : undefined,
      virtualHost: vh,
      headerLevels: route.headers ? [route.headers, ...levelsBelowRoute] : levelsBelowRoute,
      mostSpecificHeaderMutationsWins: config.mostSpecificHeaderMutationsWins ?? false,
      matches: compileRouteMatch(route),
      cors: route.corsPolicies ? compileCors(route.corsPolicies) : undefined,
    })),
  };
}

function compileForward(action: XdsForwardAction, path: XdsPathMatch): ForwardPlan {
  const destination = action.destination;
  let chooseCluster: ForwardPlan['chooseCluster'];
  if ('cluster' in destination) {
    const choice = { name: destination.cluster };
    chooseCluster = () => choice;
  } else if ('weightedClusters' in destination) {
    const clusters = destination.weightedClusters;
    const total = clusters.reduce((sum, c) => sum + c.weight, 0);
    chooseCluster = (_request, random) => {
      let x = Math.floor(random() * total);
      for (const c of clusters) {
        if (x < c.weight) return { name: c.name, weighted: c };
        x -= c.weight;
      }
      return { name: clusters[clusters.length - 1].name, weighted: clusters[clusters.length - 1] };
    };
  } else {
    const header = destination.clusterHeader.toLowerCase();
    chooseCluster = (request) => {
      const name = request.header(header);
      return name ? { name } : undefined;
    };
  }
  const retry = action.retryPolicy ? new RetryPolicy(action.retryPolicy) : undefined;
  return {
    action,
    chooseCluster,
    rewritePath: compilePathRewrite(action, path),
    retryPolicy: retry?.enabled ? retry : undefined,
    hashKey: action.hashPolicies ? compileHashKey(action.hashPolicies) : undefined,
  };
}

function compileCors(policies: Readonly<Record<string, XdsCorsPolicy>>): Record<string, CompiledCorsPolicy> {
  const out: Record<string, CompiledCorsPolicy> = {};
  for (const [name, policy] of Object.entries(policies)) out[name] = new CompiledCorsPolicy(policy);
  return out;
}

function compileRouteMatch(route: XdsRoute): Predicate {
  const { match } = route;
  const checks: Predicate[] = [compilePathMatch(match.path, match.caseSensitive)];
  if (match.grpc) checks.push((r) => (r.headers['content-type'] ?? '').startsWith('application/grpc'));
  for (const header of match.headers) checks.push(compileHeaderMatcher(header));
  for (const query of match.queryParameters) checks.push(compileQueryMatcher(query));
  if (checks.length === 1) return checks[0];
  return (request) => {
    for (const check of checks) if (!check(request)) return false;
    return true;
  };
}

function compilePathMatch(path: XdsPathMatch, caseSensitive: boolean): Predicate {
  const value = caseSensitive ? path.value : path.value.toLowerCase();
  switch (path.kind) {
    case 'prefix':
      // Envoy compares prefixes with the whole :path, query string included.
      if (value === '/' || value === '') return () => true;
      return caseSensitive ? (r) => r.path.startsWith(value) : (r) => r.path.toLowerCase().startsWith(value);
    case 'path':
      return caseSensitive ? (r) => r.pathOnly === value : (r) => r.pathOnly.toLowerCase() === value;
    case 'path_separated_prefix': {
      const withSlash = `${value}/`;
      return (r) => {
        const p = caseSensitive ? r.pathOnly : r.pathOnly.toLowerCase();
        return p === value || p.startsWith(withSlash);
      };
    }
    case 'regex': {
      // case_sensitive does not apply to regexes (Envoy's rule); the pattern can say (?i).
      const regex = fullMatchRegex(path.value);
      return (r) => regex.test(r.pathOnly);
    }
  }
}

function compileHeaderMatcher(matcher: XdsHeaderMatcher): Predicate {
  const name = matcher.name.toLowerCase();
  const { match, invert, treatMissingAsEmpty } = matcher;
  let test: StringPredicate;
  if (match.kind === 'present') {
    // present_match true: the header is there; false: it is absent.
    return (r) => ((r.header(name) !== undefined) === match.present) !== invert;
  } else if (match.kind === 'range') {
    test = (value) => {
      if (!/^-?\d+$/.test(value)) return false;
      const n = Number(value);
      return n >= match.start && n < match.end;
    };
  } else {
    test = compileStringMatcher(match);
  }
  return (r) => {
    const value = r.header(name);
    if (value === undefined && !treatMissingAsEmpty) return false; // absent never matches a value, inverted or not
    return test(value ?? '') !== invert;
  };
}

function compileQueryMatcher(matcher: XdsQueryParameterMatcher): Predicate {
  const { name, match } = matcher;
  if (match.kind === 'present') return (r) => r.queryParameter(name) !== undefined;
  const test = compileStringMatcher(match);
  return (r) => {
    const value = r.queryParameter(name);
    return value !== undefined && test(value);
  };
}
