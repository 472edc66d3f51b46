/**
 * Path and host rewrites of forwarded requests, and the Location of redirects, with Envoy's
 * rules: `prefix_rewrite` replaces what the route's prefix matched (the whole path for exact and
 * regex matches), `regex_rewrite` substitutes every match in the path; the query string is kept
 * in both. A redirect replaces the parts it names and keeps the others.
 */
import type { XdsForwardAction, XdsPathMatch, XdsRedirectAction } from '../../xds/model';
import { regexReplacer } from './regex';

/** A compiled path rewrite: the new `:path` (query included) for a request's `:path`. */
export type PathRewriter = (path: string) => string;

export function compilePathRewrite(action: XdsForwardAction, match: XdsPathMatch): PathRewriter | undefined {
  if (action.prefixRewrite !== undefined) {
    const replacement = action.prefixRewrite;
    return (path) => rewritePrefix(path, match, replacement);
  }
  if (action.regexRewrite) {
    const replace = regexReplacer(action.regexRewrite.pattern, action.regexRewrite.substitution);
    return (path) => {
      const { pathOnly, query } = splitQuery(path);
      return replace(pathOnly) + query;
    };
  }
  return undefined;
}

function rewritePrefix(path: string, match: XdsPathMatch, replacement: string): string {
  const { pathOnly, query } = splitQuery(path);
  // Exact and regex matches matched the whole path; prefixes only their own length.
  const matched =
    match.kind === 'prefix' || match.kind === 'path_separated_prefix' ? match.value.length : pathOnly.length;
  return replacement + pathOnly.slice(matched) + query;
}

function splitQuery(path: string): { pathOnly: string; query: string } {
  const q = path.indexOf('?');
  return q < 0 ? { pathOnly: path, query: '' } : { pathOnly: path.slice(0, q), query: path.slice(q) };
}

/** The default port of the scheme a redirect switches away from. */
const OTHER_SCHEME_PORT: Record<string, string> = { https: '80', http: '443' };

/** The Location header of a redirect. */
export function redirectLocation(
  action: XdsRedirectAction,
  match: XdsPathMatch,
  request: { readonly scheme: string; readonly authority: string; readonly path: string },
): string {
  const scheme = action.scheme ?? request.scheme;
  let { host, port } = splitAuthority(request.authority);
  if (action.host !== undefined) {
    // host_redirect replaces the whole authority; the port stays only if port_redirect says so.
    ({ host, port } = splitAuthority(action.host));
  }
  if (action.port !== undefined) port = String(action.port);
  else if (action.scheme !== undefined && port !== undefined && port === OTHER_SCHEME_PORT[scheme]) {
    // http://host:80 redirected to https keeps no :80 (and https://host:443 to http no :443).
    port = undefined;
  }

  let path: string;
  if (action.path !== undefined) {
    // A path_redirect with its own query replaces the query too.
    path = action.path.includes('?') ? action.path : action.path + splitQuery(request.path).query;
  } else if (action.prefixRewrite !== undefined) {
    path = rewritePrefix(request.path, match, action.prefixRewrite);
  } else {
    path = request.path;
  }
  if (action.stripQuery) path = splitQuery(path).pathOnly;
  return `${scheme}://${host}${port !== undefined ? `:${port}` : ''}${path}`;
}

function splitAuthority(authority: string): { host: string; port: string | undefined } {
  const colon = authority.lastIndexOf(':');
  if (colon < 0 || (authority.startsWith('[') && authority.lastIndexOf(']') > colon)) {
    return { host: authority, port: undefined };
  }
  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}
