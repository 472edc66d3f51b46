/**
 * A consistent set of checked resources, what the engine swaps in atomically. Built from the
 * resource cache only when warming has nothing left to wait for.
 */
import { TypeUrl } from '@mesh/xds';
import { clusterDependencies, type Dependency, listenerDependencies } from './dependencies';
import type { XdsCluster, XdsClusterLoadAssignment, XdsListener, XdsRouteConfiguration, XdsSecret } from './model';
import type { ResourceCache } from './resource-cache';
import {
  ClusterType,
  EndpointsType,
  ListenerType,
  RESOURCE_TYPES,
  RouteConfigurationType,
  SecretType,
} from './resource-types';
import { ROOT } from './warming';

export interface Snapshot {
  /** Grows by one per published snapshot of a client. */
  readonly generation: number;
  readonly listeners: ReadonlyMap<string, XdsListener>;
  readonly routeConfigurations: ReadonlyMap<string, XdsRouteConfiguration>;
  readonly clusters: ReadonlyMap<string, XdsCluster>;
  /** By EDS service name (the cluster's `serviceName`). */
  readonly endpoints: ReadonlyMap<string, XdsClusterLoadAssignment>;
  readonly secrets: ReadonlyMap<string, XdsSecret>;
  /** version_info last accepted per type URL. */
  readonly versions: Readonly<Record<string, string>>;
  /**
   * Referenced resources given up on (initial fetch timeout, or removed by the server): the
   * engine treats an EDS cluster listed here as having no endpoints and an RDS name as having
   * no routes.
   */
  readonly missing: readonly Dependency[];
}

/** LDS and CDS: their first response is awaited before the first snapshot. */
export const ROOT_TYPES = [TypeUrl.Cluster, TypeUrl.Listener] as const;

/** Everything the cached listeners and clusters reference, plus the root types' first responses. */
export function requiredResources(cache: ResourceCache): Dependency[] {
  const roots = ROOT_TYPES.filter((t) => !cache.received(t)).map((typeUrl) => ({ typeUrl, name: ROOT }));
  const listeners = [...cache.valuesOf(ListenerType).values()].flatMap(listenerDependencies);
  const clusters = [...cache.valuesOf(ClusterType).values()].flatMap(clusterDependencies);
  return [...roots, ...clusters, ...listeners];
}

/** The references of the cached listeners and clusters (what RDS, EDS and SDS subscribe to). */
export function referencedResources(cache: ResourceCache): Dependency[] {
  return requiredResources(cache).filter((d) => d.name !== ROOT);
}

export function buildSnapshot(cache: ResourceCache, generation: number, missing: readonly Dependency[]): Snapshot {
  return {
    generation,
    listeners: cache.valuesOf(ListenerType),
    routeConfigurations: cache.valuesOf(RouteConfigurationType),
    clusters: cache.valuesOf(ClusterType),
    endpoints: cache.valuesOf(EndpointsType),
    secrets: cache.valuesOf(SecretType),
    versions: Object.fromEntries(
      RESOURCE_TYPES.filter((t) => cache.received(t.typeUrl)).map((t) => [t.typeUrl, cache.versionInfo(t.typeUrl)]),
    ),
    missing: [...missing],
  };
}
