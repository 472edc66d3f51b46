/**
 * Envoy resources for the engine's tests, built with the generated types (a misspelt field is a
 * compile error): listeners on 127.0.0.1 port 0 (the system picks; tests ask the engine where),
 * HTTP connection managers with RDS or inline routes, clusters with explicit endpoints.
 */
import { packAny, TypeUrl } from '@mesh/xds';
import type { Cluster, ClusterLoadAssignment, Listener, RouteConfiguration } from '@mesh/xds';
import { Cluster_DiscoveryType, Cluster_LbPolicy } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import type { HealthStatus } from '@mesh/xds/generated/envoy/config/core/v3/health_check';
import type { FilterChain } from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import type { Route, VirtualHost } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { TcpProxy } from '@mesh/xds/generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy';
import { TlsInspector } from '@mesh/xds/generated/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector';
import { ADS, routerFilter } from './envoy-fixtures';

export const LOCALHOST = '127.0.0.1';

export interface EndpointSpec {
  port: number;
  address?: string;
  weight?: number;
  priority?: number;
  health?: HealthStatus;
}

const endpointOf = (e: number | EndpointSpec): EndpointSpec => (typeof e === 'number' ? { port: e } : e);

export function loadAssignment(clusterName: string, endpoints: (number | EndpointSpec)[]): ClusterLoadAssignment {
  const specs = endpoints.map(endpointOf);
  const priorities = [...new Set(specs.map((e) => e.priority ?? 0))].sort();
  return {
    clusterName,
    endpoints: priorities.map((priority) => ({
      locality: { region: 'r1', zone: 'z1', subZone: '' },
      priority,
      lbEndpoints: specs
        .filter((e) => (e.priority ?? 0) === priority)
        .map((e) => ({
          endpoint: { address: { socketAddress: { address: e.address ?? LOCALHOST, portValue: e.port } } },
          loadBalancingWeight: e.weight,
          healthStatus: e.health,
        })),
    })),
  };
}

export function staticCluster(
  name: string,
  endpoints: (number | EndpointSpec)[],
  options: { lbPolicy?: Cluster_LbPolicy; connectTimeoutMs?: number } = {},
): Cluster {
  return {
    name,
    type: Cluster_DiscoveryType.STATIC,
    lbPolicy: options.lbPolicy ?? Cluster_LbPolicy.ROUND_ROBIN,
    connectTimeout: durationOf(options.connectTimeoutMs ?? 1000),
    loadAssignment: loadAssignment(name, endpoints),
  };
}

export function edsCluster(name: string, options: { lbPolicy?: Cluster_LbPolicy } = {}): Cluster {
  return {
    name,
    type: Cluster_DiscoveryType.EDS,
    edsClusterConfig: { edsConfig: ADS, serviceName: name },
    lbPolicy: options.lbPolicy ?? Cluster_LbPolicy.ROUND_ROBIN,
    connectTimeout: durationOf(1000),
  };
}

export function durationOf(ms: number) {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function hcmChain(
  statPrefix: string,
  routes: { rds: string } | { inline: RouteConfiguration },
  extra: Partial<HttpConnectionManager> = {},
): FilterChain {
  return {
    filters: [
      {
        name: 'envoy.filters.network.http_connection_manager',
        typedConfig: packAny(HttpConnectionManager, {
          statPrefix,
          ...('rds' in routes
            ? { rds: { routeConfigName: routes.rds, configSource: ADS } }
            : { routeConfig: routes.inline }),
          httpFilters: [routerFilter],
          ...extra,
        }),
      },
    ],
  };
}

export function tcpChain(statPrefix: string, cluster: string, idleTimeoutMs?: number): FilterChain {
  return {
    filters: [
      {
        name: 'envoy.filters.network.tcp_proxy',
        typedConfig: packAny(TcpProxy, {
          statPrefix,
          cluster,
          idleTimeout: idleTimeoutMs === undefined ? undefined : durationOf(idleTimeoutMs),
        }),
      },
    ],
  };
}

export function listener(name: string, filterChains: FilterChain[], extra: Partial<Listener> = {}): Listener {
  return {
    name,
    address: { socketAddress: { address: LOCALHOST, portValue: 0 } },
    filterChains,
    ...extra,
  };
}

export const tlsInspector = { name: 'envoy.filters.listener.tls_inspector', typedConfig: packAny(TlsInspector, {}) };

/** An HTTP listener taking its routes over RDS. */
export function httpListener(
  name: string,
  routeConfigName: string,
  extra: Partial<HttpConnectionManager> = {},
): Listener {
  return listener(name, [hcmChain(name, { rds: routeConfigName }, extra)]);
}

export function routes(
  name: string,
  virtualHosts: VirtualHost[],
  extra: Partial<RouteConfiguration> = {},
): RouteConfiguration {
  return { name, virtualHosts, ...extra };
}

export function virtualHost(
  name: string,
  domains: string[],
  routeList: Route[],
  extra: Partial<VirtualHost> = {},
): VirtualHost {
  return { name, domains, routes: routeList, ...extra };
}

export function prefixRoute(prefix: string, cluster: string, extra: Partial<Route> = {}): Route {
  return { match: { prefix }, route: { cluster }, ...extra };
}

export { TypeUrl };
