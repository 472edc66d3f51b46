/**
 * A route's CORS policy compiled for the request path (Envoy's CORS filter):
 * - a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from an allowed
 *   origin is answered here, 200 with the allowed methods, headers, max age and credentials;
 *   from another origin it goes upstream, or is answered 200 without CORS headers when
 *   `forward_not_matching_preflights` is false;
 * - any other request from an allowed origin gets `access-control-allow-origin` (the origin
 *   itself), `access-control-allow-credentials` and `access-control-expose-headers` on its response.
 * Requests without `Origin` are left alone.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { XdsCorsPolicy } from '../../xds/model';
import { compileStringMatcher, type StringPredicate } from './string-matcher';

export class CompiledCorsPolicy {
  private readonly origins: readonly StringPredicate[];

  constructor(readonly config: XdsCorsPolicy) {
    this.origins = config.allowOrigins.map(compileStringMatcher);
  }

  allowsOrigin(origin: string): boolean {
    for (const matches of this.origins) if (matches(origin)) return true;
    return false;
  }

  preflightHeaders(origin: string): OutgoingHttpHeaders {
    const c = this.config;
    const headers: OutgoingHttpHeaders = { 'access-control-allow-origin': origin };
    if (c.allowCredentials) headers['access-control-allow-credentials'] = 'true';
    if (c.allowMethods) headers['access-control-allow-methods'] = c.allowMethods;
    if (c.allowHeaders) headers['access-control-allow-headers'] = c.allowHeaders;
    if (c.maxAge) headers['access-control-max-age'] = c.maxAge;
    return headers;
  }

  responseHeaders(origin: string): OutgoingHttpHeaders {
    const c = this.config;
    const headers: OutgoingHttpHeaders = { 'access-control-allow-origin': origin };
    if (c.allowCredentials) headers['access-control-allow-credentials'] = 'true';
    if (c.exposeHeaders) headers['access-control-expose-headers'] = c.exposeHeaders;
    return headers;
  }
}
