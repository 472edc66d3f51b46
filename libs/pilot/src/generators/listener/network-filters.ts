/**
 * TCP proxy network filters: to one cluster (stat prefix = the cluster, as Istio names it) or to
 * the weighted destinations of a VirtualService tcp/tls route (stat prefix `<vs>.<namespace>`).
 */
import type { MeshConfig, RouteDestination } from '@mesh/config-model';
import type { Service, VirtualServiceConfig } from '@mesh/mesh-model';
import { packAny } from '@mesh/xds';
import type { Filter } from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import { TcpProxy } from '@mesh/xds/generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy';
import { WellKnown } from '../common/well-known';
import { destinationCluster } from '../route/http-routes';
import { fileAccessLogs } from './access-log';

function tcpProxyFilter(config: TcpProxy, mesh: MeshConfig): Filter {
  const accessLog = fileAccessLogs(mesh);
  return {
    name: WellKnown.TcpProxy,
    typedConfig: packAny(TcpProxy, accessLog ? { ...config, accessLog } : config),
  };
}

export function tcpProxyToCluster(cluster: string, mesh: MeshConfig, statPrefix = cluster): Filter {
  return tcpProxyFilter({ statPrefix, cluster }, mesh);
}

/**
 * The filter for a VirtualService tcp or tls route's destinations on a listener port. One
 * destination is a plain cluster; several are weighted (zero weights left out).
 */
export function tcpProxyForRoute(
  destinations: readonly RouteDestination[],
  vs: VirtualServiceConfig,
  listenerPort: number,
  lookupService: (hostname: string) => Service | undefined,
  mesh: MeshConfig,
): Filter {
  const clusterOf = (d: RouteDestination) =>
    destinationCluster(d.destination, lookupService(d.destination.host), listenerPort);
  if (destinations.length === 1) return tcpProxyToCluster(clusterOf(destinations[0]), mesh);
  const clusters = destinations
    .filter((d) => (d.weight ?? 0) > 0)
    .map((d) => ({ name: clusterOf(d), weight: d.weight }));
  return tcpProxyFilter({ statPrefix: `${vs.name}.${vs.namespace}`, weightedClusters: { clusters } }, mesh);
}
