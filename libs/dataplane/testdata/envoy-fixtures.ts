/**
 * Hand-built Envoy resources for the xDS client's tests, in the shapes Istio sends (RDS and EDS
 * over ADS, the router as the last HTTP filter), written with the generated types so that a
 * misspelt field is a compile error.
 */
import { packAny, TypeUrl } from '@mesh/xds';
import type { Cluster, ClusterLoadAssignment, Listener, RouteConfiguration, Secret } from '@mesh/xds';
import { Cluster_DiscoveryType, Cluster_LbPolicy } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { Router } from '@mesh/xds/generated/envoy/extensions/filters/http/router/v3/router';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { TcpProxy } from '@mesh/xds/generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy';

export const ADS = { ads: {} };

export const routerFilter = { name: 'envoy.filters.http.router', typedConfig: packAny(Router, {}) };

export function edsCluster(name: string, serviceName = ''): Cluster {
  return {
    name,
    type: Cluster_DiscoveryType.EDS,
    edsClusterConfig: { edsConfig: ADS, serviceName },
    connectTimeout: { seconds: 1, nanos: 0 },
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
  };
}

export function staticCluster(name: string, port: number): Cluster {
  return {
    name,
    type: Cluster_DiscoveryType.STATIC,
    loadAssignment: endpoints(name, [port]),
  };
}

export function endpoints(clusterName: string, ports: number[], address = '127.0.0.1'): ClusterLoadAssignment {
  return {
    clusterName,
    endpoints: [
      {
        locality: { region: 'r1', zone: 'z1', subZone: '' },
        lbEndpoints: ports.map((portValue) => ({ endpoint: { address: { socketAddress: { address, portValue } } } })),
      },
    ],
  };
}

export function httpConnectionManagerWithRds(routeConfigName: string) {
  return packAny(HttpConnectionManager, {
    statPrefix: `http_${routeConfigName}`,
    rds: { routeConfigName, configSource: ADS },
    httpFilters: [routerFilter],
  });
}

export function httpListener(name: string, port: number, routeConfigName: string): Listener {
  return {
    name,
    address: { socketAddress: { address: '0.0.0.0', portValue: port } },
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: httpConnectionManagerWithRds(routeConfigName),
          },
        ],
      },
    ],
  };
}

export function tcpListener(name: string, port: number, cluster: string): Listener {
  return {
    name,
    address: { socketAddress: { address: '0.0.0.0', portValue: port } },
    filterChains: [
      {
        filters: [
          { name: 'envoy.filters.network.tcp_proxy', typedConfig: packAny(TcpProxy, { statPrefix: name, cluster }) },
        ],
      },
    ],
  };
}

/** A listener whose only network filter is one this proxy does not implement (network RBAC). */
export function listenerWithUnknownFilter(name: string, port: number): Listener {
  return {
    name,
    address: { socketAddress: { address: '0.0.0.0', portValue: port } },
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.rbac',
            typedConfig: { typeUrl: TypeUrl.NetworkRbac, value: Buffer.alloc(0) },
          },
        ],
      },
    ],
  };
}

export function routeConfiguration(name: string, cluster: string, domains = ['*']): RouteConfiguration {
  return {
    name,
    virtualHosts: [{ name: `${name}-vh`, domains, routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
  };
}

export const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
export const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

export function certificateSecret(name: string): Secret {
  return {
    name,
    tlsCertificate: { certificateChain: { inlineString: PEM_CERTIFICATE }, privateKey: { inlineString: PEM_KEY } },
  };
}
