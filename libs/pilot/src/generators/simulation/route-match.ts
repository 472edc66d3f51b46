/**
 * Virtual host and route selection as Envoy does it: the virtual host by the Host header (exact
 * domain, then the longest suffix wildcard `*.x`, then the longest prefix wildcard `x.*`, then
 * `*`), then the first route whose path, headers and query parameters match.
 */
import type { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import type { Route, RouteMatch, VirtualHost } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { fullRegexMatch, headerMatches, queryMatches } from './string-matchers';

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** Match kinds, better first. */
function domainRank(domain: string, host: string): { rank: number; length: number } | undefined {
  const d = domain.toLowerCase();
  if (d === '*') return { rank: 3, length: 0 };
  if (d.startsWith('*'))
    return host.endsWith(d.slice(1)) && host.length > d.length - 1 ? { rank: 1, length: d.length } : undefined;
  if (d.endsWith('*'))
    return host.startsWith(d.slice(0, -1)) && host.length > d.length - 1 ? { rank: 2, length: d.length } : undefined;
  return d === host ? { rank: 0, length: d.length } : undefined;
}

export function selectVirtualHost(config: RouteConfiguration, authority: string): VirtualHost | undefined {
  let host = authority.toLowerCase();
  if (config.ignorePortInHostMatching) host = stripPort(host);
  let best: { vh: VirtualHost; rank: number; length: number } | undefined;
  for (const vh of config.virtualHosts ?? []) {
    for (const domain of vh.domains ?? []) {
      const r = domainRank(domain, host);
      if (!r) continue;
      if (!best || r.rank < best.rank || (r.rank === best.rank && r.length > best.length)) best = { vh, ...r };
    }
  }
  return best?.vh;
}

export interface HttpRequestView {
  readonly path: string;
  readonly headers: ReadonlyMap<string, string>;
}

function pathMatches(match: RouteMatch, fullPath: string): boolean {
  const path = fullPath.split('?')[0];
  const sensitive = match.caseSensitive ?? true;
  const norm = (s: string) => (sensitive ? s : s.toLowerCase());
  if (match.prefix !== undefined) return norm(path).startsWith(norm(match.prefix));
  if (match.path !== undefined) return norm(path) === norm(match.path);
  if (match.safeRegex?.regex !== undefined) return fullRegexMatch(match.safeRegex.regex, path);
  if (match.pathSeparatedPrefix !== undefined) {
    const prefix = norm(match.pathSeparatedPrefix);
    const p = norm(path);
    return p === prefix || p.startsWith(`${prefix}/`);
  }
  return false;
}

export function routeMatches(route: Route, request: HttpRequestView): boolean {
  const match = route.match;
  if (!match || !pathMatches(match, request.path)) return false;
  if (match.grpc && !(request.headers.get('content-type') ?? '').startsWith('application/grpc')) return false;
  if (!(match.headers ?? []).every((h) => headerMatches(h, request.headers))) return false;
  const query = new URLSearchParams(
    request.path.includes('?') ? request.path.slice(request.path.indexOf('?') + 1) : '',
  );
  return (match.queryParameters ?? []).every((q) => queryMatches(q, query));
}

export function selectRoute(vh: VirtualHost, request: HttpRequestView): Route | undefined {
  return (vh.routes ?? []).find((route) => routeMatches(route, request));
}
