/**
 * The parts of a downstream request that routing looks at, read once per request: method,
 * `:path` with and without its query, authority, scheme and headers (pseudo-headers such as
 * `:method` and `:authority` are answered too, as Envoy's header matchers see them). The query
 * string is parsed only if a route asks for a parameter.
 */
import type { IncomingHttpHeaders } from 'node:http';

export class RequestFacts {
  /** `:path` without the query string. */
  readonly pathOnly: string;
  private queryParams: Map<string, string> | undefined;

  constructor(
    readonly method: string,
    /** `:path` as received, query included. */
    readonly path: string,
    readonly authority: string,
    readonly scheme: string,
    readonly headers: IncomingHttpHeaders,
  ) {
    const q = path.indexOf('?');
    this.pathOnly = q < 0 ? path : path.slice(0, q);
  }

  /** A header's value as header matchers see it (repeated headers joined); undefined if absent. */
  header(name: string): string | undefined {
    if (name.charCodeAt(0) === 58 /* ':' */) {
      switch (name) {
        case ':method':
          return this.method;
        case ':path':
          return this.path;
        case ':authority':
          return this.authority;
        case ':scheme':
          return this.scheme;
        default:
          return undefined;
      }
    }
    const value = this.headers[name];
    if (value === undefined) return undefined;
    return typeof value === 'string' ? value : value.join(',');
  }

  /** The first value of a query parameter ('' for `?flag`), percent-decoded; undefined if absent. */
  queryParameter(name: string): string | undefined {
    this.queryParams ??= parseQuery(this.path);
    return this.queryParams.get(name);
  }
}

function parseQuery(path: string): Map<string, string> {
  const params = new Map<string, string>();
  const q = path.indexOf('?');
  if (q < 0) return params;
  const end = path.indexOf('#', q);
  for (const pair of path.slice(q + 1, end < 0 ? undefined : end).split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    if (!params.has(key)) params.set(key, eq < 0 ? '' : decode(pair.slice(eq + 1)));
  }
  return params;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text; // malformed escapes stay as they came
  }
}
