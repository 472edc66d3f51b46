/**
 * Route configurations for proxyless gRPC clients, named `<host>:<port>` like the listener that
 * asks for them. The virtual hosts are those a sidecar would get for the port (every service on
 * it, domains with `:<port>` since gRPC matches the target authority as written), with only what
 * gRPC's xDS client supports (gRPC A28/A31/A33/A44): forwarding routes matching path, headers and
 * runtime fraction, single or weighted clusters, max_stream_duration, retry policy, hash policy
 * and fault injection. A route gRPC would reject (redirect, direct response) would make the client
 * NACK the whole configuration, so such routes are left out, as are routes with query parameter
 * matches (gRPC has no query) and per-route configs of filters gRPC does not run (CORS).
 */
import type { Proxy, PushContext } from '@mesh/mesh-model';
import type { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import type { Route, VirtualHost } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { WellKnown } from '../common/well-known';
import { egressListenerForPort, outboundVirtualHosts } from './outbound-virtual-hosts';
import { emptyRouteConfiguration, parseOutboundRouteName } from './sidecar-routes';

function forGrpc(route: Route): Route | undefined {
  if (!route.route) return undefined;
  if (route.match?.queryParameters?.length) return undefined;
  const out: Route = { ...route };
  if (route.typedPerFilterConfig) {
    const fault = route.typedPerFilterConfig[WellKnown.Fault];
    if (fault) out.typedPerFilterConfig = { [WellKnown.Fault]: fault };
    else delete out.typedPerFilterConfig;
  }
  return out;
}

function virtualHostForGrpc(vhost: VirtualHost): VirtualHost {
  const routes = (vhost.routes ?? []).flatMap((route) => {
    const kept = forGrpc(route);
    return kept ? [kept] : [];
  });
  return { ...vhost, routes };
}

export function grpcRouteConfiguration(push: PushContext, proxy: Proxy, name: string): RouteConfiguration {
  const parsed = parseOutboundRouteName(name);
  if (!parsed?.host) return emptyRouteConfiguration(name);
  const listener = egressListenerForPort(push.sidecarScopeFor(proxy).egressListeners, parsed.port, false);
  if (!listener) return emptyRouteConfiguration(name);
  const virtualHosts = outboundVirtualHosts(
    { push, proxy, listener, port: parsed.port },
    { withPort: true, proxyless: true },
  ).map(virtualHostForGrpc);
  return { name, virtualHosts };
}
