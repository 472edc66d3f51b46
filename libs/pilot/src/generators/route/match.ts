/**
 * An HTTPMatchRequest as an Envoy RouteMatch: the URI as path / prefix / safe_regex (case
 * sensitive unless `ignoreUriCase`), headers (sorted by name) and `withoutHeaders` (inverted),
 * then method, authority and scheme as pseudo-header matches, then query parameters. Port,
 * source labels, gateways and source namespace are decided when the config is generated (see
 * http-routes.ts), not by the proxy.
 */
import type { HTTPMatchRequest, StringMatch } from '@mesh/config-model';
import type {
  HeaderMatcher,
  QueryParameterMatcher,
  RouteMatch,
} from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { isPresenceMatch, re2Matcher, stringMatcher } from '../common/string-match';

function headerMatcher(name: string, match: StringMatch | undefined): HeaderMatcher {
  const matcher = stringMatcher(match);
  return matcher ? { name, stringMatch: matcher } : { name, presentMatch: true };
}

function queryMatcher(name: string, match: StringMatch | undefined): QueryParameterMatcher {
  const matcher = stringMatcher(match);
  return matcher ? { name, stringMatch: matcher } : { name, presentMatch: true };
}

const byName = (a: { name?: string }, b: { name?: string }) =>
  (a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0;

/** The catch-all match: every path. */
export function catchAllMatch(): RouteMatch {
  return { prefix: '/' };
}

export function translateRouteMatch(match: HTTPMatchRequest | undefined): RouteMatch {
  const out: RouteMatch = catchAllMatch();
  if (!match) return out;

  const headers: HeaderMatcher[] = [];
  for (const [name, value] of Object.entries(match.headers ?? {})) headers.push(headerMatcher(name, value));
  for (const [name, value] of Object.entries(match.withoutHeaders ?? {})) {
    const matcher = headerMatcher(name, value);
    matcher.invertMatch = true;
    // A missing header is "not matching" a value, so it passes an inverted value match; a
    // presence check needs no such help.
    if (!isPresenceMatch(value)) matcher.treatMissingHeaderAsEmpty = true;
    headers.push(matcher);
  }
  headers.sort(byName);

  if (match.uri) {
    delete out.prefix;
    if (match.uri.exact !== undefined) out.path = match.uri.exact;
    else if (match.uri.prefix !== undefined) out.prefix = match.uri.prefix;
    else if (match.uri.regex !== undefined) out.safeRegex = re2Matcher(match.uri.regex);
    else out.prefix = '/';
  }
  out.caseSensitive = !match.ignoreUriCase;

  if (match.method) headers.push(headerMatcher(':method', match.method));
  if (match.authority) headers.push(headerMatcher(':authority', match.authority));
  if (match.scheme) headers.push(headerMatcher(':scheme', match.scheme));
  if (headers.length > 0) out.headers = headers;

  const query = Object.entries(match.queryParams ?? {}).map(([name, value]) => queryMatcher(name, value));
  if (query.length > 0) out.queryParameters = query;
  return out;
}

/** A route that matches every request: prefix `/` (or regex `.*`) and no header or query condition. */
export function isCatchAllMatch(match: RouteMatch | undefined): boolean {
  if (!match) return false;
  const everyPath = match.prefix === '/' || match.pathSeparatedPrefix === '/' || match.safeRegex?.regex === '.*';
  return everyPath && !match.headers?.length && !match.queryParameters?.length;
}
