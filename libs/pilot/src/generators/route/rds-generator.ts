/**
 * The RDS generators: route configurations by name, for Envoy-style proxies (sidecars and
 * routers) and for proxyless gRPC clients. Proxies ask for routes by name (the names their
 * listeners carry); a name nothing serves gets an empty configuration, so the proxy never waits
 * for it. A wildcard request (unusual for RDS) gets every name the proxy's listeners use.
 */
import { isHttpProtocol } from '@mesh/config-model';
import type { Proxy, PushContext, PushRequest } from '@mesh/mesh-model';
import { packAny } from '@mesh/xds';
import { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import type { GeneratedResource, GeneratedResources, Generator, WatchedResource } from '../../xds-server/generator';
import { gatewayServersFor } from '../common/gateway-servers';
import { ProxyViewCache, proxyViewKey } from '../common/proxy-view-cache';
import { routesUnaffected } from '../common/push-scope';
import { outboundRouteName } from '../naming';
import { gatewayRouteConfiguration } from './gateway-routes';
import { grpcRouteConfiguration } from './grpc-routes';
import { sidecarRouteConfiguration } from './sidecar-routes';

/** Route names an Envoy-style proxy's listeners refer to (for wildcard requests). */
export function routeNamesFor(push: PushContext, proxy: Proxy): string[] {
  if (proxy.type === 'router') return [...gatewayServersFor(push, proxy).byRouteName.keys()].sort();
  const ports = new Set<number>();
  for (const listener of push.sidecarScopeFor(proxy).egressListeners) {
    for (const service of listener.services) {
      for (const port of service.ports) if (isHttpProtocol(port.protocol)) ports.add(port.port);
    }
  }
  return [...ports].sort((a, b) => a - b).map(outboundRouteName);
}

function toResource(config: RouteConfiguration): GeneratedResource {
  return { name: config.name ?? '', resource: packAny(RouteConfiguration, config) };
}

/**
 * Route configurations are the same for every proxy with the same view (namespace, Sidecar,
 * labels, type, DNS domain: all a route configuration reads about its proxy), so they are built
 * once per view and PushContext and shared; a new push is a new context, so nothing goes stale.
 */
const cache = new ProxyViewCache<GeneratedResource>();

function cached(
  push: PushContext,
  proxy: Proxy,
  names: readonly string[],
  build: (name: string) => RouteConfiguration,
): GeneratedResources {
  const view = cache.view(push, `${proxyViewKey(push, proxy)}\u0000${proxy.dnsDomain}`);
  const resources = names.map((name) => {
    let resource = view.get(name);
    if (!resource) view.set(name, (resource = toResource(build(name))));
    return resource;
  });
  return { resources };
}

/** Builds the named route configurations for an Envoy-style proxy (without packing them). */
export function buildRouteConfigurations(
  push: PushContext,
  proxy: Proxy,
  names: readonly string[],
): RouteConfiguration[] {
  return names.map((name) =>
    proxy.type === 'router'
      ? gatewayRouteConfiguration(push, proxy, name)
      : sidecarRouteConfiguration(push, proxy, name),
  );
}

/** Builds the named route configurations for a proxyless gRPC client. */
export function buildGrpcRouteConfigurations(
  push: PushContext,
  proxy: Proxy,
  names: readonly string[],
): RouteConfiguration[] {
  return names.map((name) => grpcRouteConfiguration(push, proxy, name));
}

export const routeGenerator: Generator<PushContext> = {
  generate(proxy: Proxy, watched: WatchedResource, push: PushContext, request: PushRequest): GeneratedResources {
    if (routesUnaffected(request)) return { resources: [], noChange: true };
    const names = watched.resourceNames.size > 0 ? [...watched.resourceNames] : routeNamesFor(push, proxy);
    return cached(push, proxy, names, (name) =>
      proxy.type === 'router'
        ? gatewayRouteConfiguration(push, proxy, name)
        : sidecarRouteConfiguration(push, proxy, name),
    );
  },
};

/** gRPC clients always name the route configuration their listener points at; nothing for a wildcard. */
export const grpcRouteGenerator: Generator<PushContext> = {
  generate(proxy: Proxy, watched: WatchedResource, push: PushContext, request: PushRequest): GeneratedResources {
    if (routesUnaffected(request)) return { resources: [], noChange: true };
    return cached(push, proxy, [...watched.resourceNames], (name) => grpcRouteConfiguration(push, proxy, name));
  },
};
