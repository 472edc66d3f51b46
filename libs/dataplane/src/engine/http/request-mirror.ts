/**
 * Request mirroring (Envoy's shadowing): a copy of the request goes to the mirror cluster's host,
 * with `-shadow` appended to its host name (before any port) unless the policy says not to; the
 * answer is read and dropped, and nothing about it reaches the client or the main request. A
 * mirror cluster that does not exist or has no host is skipped. The shadow is bounded by the
 * route timeout (15 s without one).
 */
import { type ClientRequest, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import type { XdsRequestMirror } from '../../xds/model';
import type { ClusterManager } from '../upstream/cluster-manager';

const SHADOW_TIMEOUT_WITHOUT_ROUTE_TIMEOUT_MS = 15_000;

/** `reviews:9080` → `reviews-shadow:9080`. */
export function shadowHost(host: string): string {
  const colon = host.lastIndexOf(':');
  // An IPv6 literal's colons are inside brackets; a port follows the closing one.
  if (colon > 0 && colon > host.lastIndexOf(']')) return `${host.slice(0, colon)}-shadow${host.slice(colon)}`;
  return `${host}-shadow`;
}

export function sendShadow(
  clusters: ClusterManager,
  mirror: XdsRequestMirror,
  method: string | undefined,
  path: string,
  headers: OutgoingHttpHeaders,
  timeoutMs: number,
): ClientRequest | undefined {
  const cluster = clusters.get(mirror.cluster);
  const host = cluster?.chooseHost();
  if (!cluster || !host || host.transportFailure !== undefined || cluster.unsupportedReason) return undefined;
  const shadowHeaders: OutgoingHttpHeaders = { ...headers };
  if (mirror.appendShadowHostSuffix && typeof headers.host === 'string') shadowHeaders.host = shadowHost(headers.host);
  cluster.stats.rqTotal.inc();
  cluster.stats.rqActive.inc();
  host.requestStarted();
  let done = false;
  const finish = (success: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    cluster.stats.rqActive.dec();
    host.requestFinished(success);
  };
  const shadow = httpRequest({
    agent: host.pool,
    host: host.address,
    port: host.port,
    method,
    path,
    headers: shadowHeaders,
  });
  const timer = setTimeout(
    () => {
      shadow.destroy();
      finish(false);
    },
    timeoutMs > 0 ? timeoutMs : SHADOW_TIMEOUT_WITHOUT_ROUTE_TIMEOUT_MS,
  );
  shadow.on('response', (response) => {
    const status = response.statusCode ?? 502;
    cluster.stats.response(status);
    response.resume();
    response.on('end', () => finish(status < 500));
    response.on('error', () => finish(false));
  });
  shadow.on('error', () => finish(false));
  return shadow;
}
