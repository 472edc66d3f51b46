/**
 * Route configurations a sidecar asks for:
 * - `<port>` (outboundRouteName): the shared HTTP listener `0.0.0.0_<port>`; every HTTP service
 *   on the port, then the catch-all `allow_any` / `block_all` virtual host;
 * - `<host>:<port>`: the sniffed listener of one service with an UNKNOWN-protocol port; only that
 *   service's virtual host, answering any Host (`*`), and no catch-all.
 */
import type { Proxy, PushContext } from '@mesh/mesh-model';
import type { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import { catchAllVirtualHost } from './default-routes';
import { egressListenerForPort, outboundVirtualHosts } from './outbound-virtual-hosts';

export interface ParsedRouteName {
  readonly port: number;
  /** Set for `<host>:<port>` names. */
  readonly host?: string;
}

/** `9080` → port 9080; `reviews.default.svc.cluster.local:9080` → host and port; else undefined. */
export function parseOutboundRouteName(name: string): ParsedRouteName | undefined {
  const colon = name.lastIndexOf(':');
  const portText = colon === -1 ? name : name.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  if (colon === -1) return { port };
  const host = name.slice(0, colon);
  return host ? { port, host } : undefined;
}

/** An empty configuration: what a proxy gets for a name nothing serves, so it never waits on it. */
export function emptyRouteConfiguration(name: string): RouteConfiguration {
  return { name, virtualHosts: [], validateClusters: false };
}

export function sidecarRouteConfiguration(push: PushContext, proxy: Proxy, name: string): RouteConfiguration {
  const parsed = parseOutboundRouteName(name);
  if (!parsed) return emptyRouteConfiguration(name);
  const scope = push.sidecarScopeFor(proxy);
  const sniffed = parsed.host !== undefined;
  const listener = egressListenerForPort(scope.egressListeners, parsed.port, sniffed);
  if (!listener) return emptyRouteConfiguration(name);

  let virtualHosts = outboundVirtualHosts(
    { push, proxy, listener, port: parsed.port },
    { withPort: true, proxyless: false },
  );
  if (sniffed) {
    const host = parsed.host!;
    virtualHosts = virtualHosts.filter((vh) => (vh.domains ?? []).some((d) => d === name || d === host));
    // One service behind this listener: whatever Host the client sent, it meant this service.
    if (virtualHosts.length === 1) virtualHosts[0] = { ...virtualHosts[0], domains: ['*'] };
  } else {
    const policy = scope.outboundTrafficPolicy;
    virtualHosts.push(catchAllVirtualHost(policy.mode, policy.egressProxy));
  }
  return { name, virtualHosts, validateClusters: false };
}
