/**
 * Route configurations of a router (ingress gateway): `http.<port>` for the plaintext HTTP
 * servers of a port, `https.<port>.<portName>.<gateway>.<namespace>` for one TLS-terminating
 * HTTPS server.
 *
 * A VirtualService bound to the server's Gateway contributes its routes to the hosts it shares
 * with the server (the narrower of each intersecting pair: VirtualService `*` on server
 * `bookinfo.example.com` serves `bookinfo.example.com`); a server host `ns/host` only admits
 * VirtualServices of `ns`. Routes of several VirtualServices for one host are merged, catch-all
 * routes last. `tls.httpsRedirect` makes every host of the server require TLS (Envoy answers
 * plain HTTP with a redirect to https). With no host at all, a `blackhole:<port>` virtual host
 * answers every request with 404.
 */
import { narrowerHost, type NamespacedHost } from '@mesh/config-model';
import type { Proxy, PushContext, VirtualServiceConfig } from '@mesh/mesh-model';
import type { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import {
  VirtualHost_TlsRequirementType,
  type Route,
  type VirtualHost,
} from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { gatewayServersFor, type GatewayServer } from '../common/gateway-servers';
import { domainWithPort } from './domains';
import { buildHttpRoutes, catchAllRoutesLast, type RouteContext } from './http-routes';
import { emptyRouteConfiguration } from './sidecar-routes';

/** Hosts a VirtualService shares with a server, lower case, each once. */
function sharedHosts(vs: VirtualServiceConfig, serverHosts: readonly NamespacedHost[]): string[] {
  const out = new Set<string>();
  for (const vsHost of vs.spec.hosts ?? []) {
    for (const serverHost of serverHosts) {
      if (serverHost.namespace !== '*' && serverHost.namespace !== vs.namespace) continue;
      const shared = narrowerHost(vsHost, serverHost.host);
      if (shared !== undefined) out.add(shared.toLowerCase());
    }
  }
  return [...out];
}

/** `host` and, for a concrete host, `host:*` (any port the client put in the Host header). */
function gatewayDomains(host: string): string[] {
  return host.includes('*') ? [host] : [host, `${host}:*`];
}

function routeContext(push: PushContext, proxy: Proxy, server: GatewayServer, vs: VirtualServiceConfig): RouteContext {
  return {
    proxy,
    listenerPort: server.server.port.number,
    gateways: new Set([server.gatewayName]),
    isTls: server.server.tls !== undefined,
    proxyless: false,
    // Prefer the service of the VirtualService's namespace, as Istio does for gateway routes.
    lookupService: (hostname) => push.service(hostname, vs.namespace) ?? push.serviceFor(proxy, hostname),
    lookupDestinationRule: (hostname) => push.destinationRuleFor(proxy, hostname),
  };
}

export function gatewayRouteConfiguration(push: PushContext, proxy: Proxy, name: string): RouteConfiguration {
  const servers = gatewayServersFor(push, proxy).byRouteName.get(name);
  if (!servers || servers.length === 0) return emptyRouteConfiguration(name);

  const byHost = new Map<string, VirtualHost>();
  const routesOf = new Map<string, Route[]>();
  for (const server of servers) {
    const port = server.server.port.number;
    const redirect = server.server.tls?.httpsRedirect === true;
    for (const vs of push.virtualServicesFor(proxy, [server.gatewayName])) {
      const hosts = sharedHosts(vs, server.hosts);
      if (hosts.length === 0) continue;
      const key = `${server.gatewayName}\u0000${vs.namespace}/${vs.name}\u0000${port}`;
      let routes = routesOf.get(key);
      if (!routes) routesOf.set(key, (routes = buildHttpRoutes(vs, routeContext(push, proxy, server, vs))));
      if (routes.length === 0) continue;
      for (const host of hosts) {
        const existing = byHost.get(host);
        if (existing) {
          existing.routes = [...(existing.routes ?? []), ...routes];
          if (redirect) existing.requireTls = VirtualHost_TlsRequirementType.ALL;
          continue;
        }
        byHost.set(host, {
          name: domainWithPort(host, port),
          domains: gatewayDomains(host),
          routes: [...routes],
          ...(redirect ? { requireTls: VirtualHost_TlsRequirementType.ALL } : {}),
        });
      }
    }
    if (redirect) {
      for (const { host } of server.hosts) {
        const lower = host.toLowerCase();
        const existing = byHost.get(lower);
        if (existing) existing.requireTls = VirtualHost_TlsRequirementType.ALL;
        else {
          byHost.set(lower, {
            name: domainWithPort(lower, port),
            domains: gatewayDomains(lower),
            routes: [],
            requireTls: VirtualHost_TlsRequirementType.ALL,
          });
        }
      }
    }
  }

  let virtualHosts: VirtualHost[];
  if (byHost.size === 0) {
    const port = servers[0].server.port.number;
    virtualHosts = [{ name: domainWithPort('blackhole', port), domains: ['*'], routes: [] }];
  } else {
    virtualHosts = [...byHost.values()]
      .map((vh) => ({ ...vh, routes: catchAllRoutesLast(vh.routes ?? []) }))
      .sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0));
  }
  return { name, virtualHosts, validateClusters: false, ignorePortInHostMatching: true };
}
