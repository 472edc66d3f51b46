/**
 * Hand-built Envoy resources for the gateway's process test, in the shape Istio gives a router:
 * an HTTP listener routing over RDS, a route configuration, a STATIC cluster. Written with the
 * generated types, so a misspelt field is a compile error.
 */
import { packAny, type Cluster, type Listener, type RouteConfiguration } from '@mesh/xds';
import { Cluster_DiscoveryType } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { Router } from '@mesh/xds/generated/envoy/extensions/filters/http/router/v3/router';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';

const ADS = { ads: {} };
const ROUTER = { name: 'envoy.filters.http.router', typedConfig: packAny(Router, {}) };

/** `127.0.0.1_<port>` routing over RDS `routeName`; port 0 lets the gateway pick. */
export function httpListener(name: string, routeName: string): Listener {
  return {
    name,
    address: { socketAddress: { address: '127.0.0.1', portValue: 0 } },
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: packAny(HttpConnectionManager, {
              statPrefix: name,
              rds: { routeConfigName: routeName, configSource: ADS },
              httpFilters: [ROUTER],
            }),
          },
        ],
      },
    ],
  };
}

/** A listener every Envoy would reject: an HTTP connection manager with no routes at all. */
export function listenerWithoutRoutes(name: string): Listener {
  return {
    name,
    address: { socketAddress: { address: '127.0.0.1', portValue: 0 } },
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: packAny(HttpConnectionManager, { statPrefix: name, httpFilters: [ROUTER] }),
          },
        ],
      },
    ],
  };
}

export function routeAllTo(name: string, cluster: string): RouteConfiguration {
  return {
    name,
    virtualHosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
  };
}

export function staticCluster(name: string, port: number): Cluster {
  return {
    name,
    type: Cluster_DiscoveryType.STATIC,
    connectTimeout: { seconds: 1, nanos: 0 },
    loadAssignment: {
      clusterName: name,
      endpoints: [
        { lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: port } } } }] },
      ],
    },
  };
}
