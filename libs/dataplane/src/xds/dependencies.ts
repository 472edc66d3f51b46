/**
 * Which named resources a listener or cluster needs before it can serve: the RouteConfiguration
 * of an RDS listener, the ClusterLoadAssignment of an EDS cluster, and the secrets either one
 * fetches over this ADS stream. These names are what the client subscribes to for RDS, EDS and
 * SDS, and what warming waits for.
 */
import { TypeUrl } from '@mesh/xds';
import type { XdsCluster, XdsFilterChain, XdsHttpConnectionManager, XdsListener, XdsTlsContext } from './model';

export interface Dependency {
  readonly typeUrl: string;
  readonly name: string;
}

export function listenerDependencies(listener: XdsListener): Dependency[] {
  if (listener.kind === 'api') return routeDependencies(listener.httpConnectionManager);
  const chains: XdsFilterChain[] = [...listener.filterChains];
  if (listener.defaultFilterChain) chains.push(listener.defaultFilterChain);
  return chains.flatMap((chain) => [
    ...(chain.filter.kind === 'http_connection_manager' ? routeDependencies(chain.filter) : []),
    ...secretDependencies(chain.tls),
  ]);
}

export function clusterDependencies(cluster: XdsCluster): Dependency[] {
  return [
    ...(cluster.type === 'eds' ? [{ typeUrl: TypeUrl.ClusterLoadAssignment, name: cluster.serviceName }] : []),
    ...secretDependencies(cluster.tls),
    ...cluster.transportSocketMatches.flatMap((m) => secretDependencies(m.tls)),
  ];
}

function routeDependencies(hcm: XdsHttpConnectionManager): Dependency[] {
  return 'rds' in hcm.routes ? [{ typeUrl: TypeUrl.RouteConfiguration, name: hcm.routes.rds }] : [];
}

function secretDependencies(tls: XdsTlsContext | undefined): Dependency[] {
  if (!tls) return [];
  const refs = [...tls.certificates, ...(tls.validationContext ? [tls.validationContext] : [])];
  return refs.filter((r) => r.viaAds).map((r) => ({ typeUrl: TypeUrl.Secret, name: r.name }));
}
