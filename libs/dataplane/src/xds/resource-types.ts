/**
 * The xDS resource types this client understands: type URL, short name, whether it is
 * subscribed as a whole (wildcard) or by name, and its decoder.
 */
import { type Any, TypeUrl, type XdsResourceTypeUrl } from '@mesh/xds';
import { clusterSpec } from './decoders/cluster';
import { type DecodeResult, decodeResource } from './decoders/decode-result';
import { endpointsSpec } from './decoders/endpoints';
import { listenerSpec } from './decoders/listener';
import { routeConfigurationSpec } from './decoders/route-configuration';
import { secretSpec } from './decoders/secret';
import type { XdsCluster, XdsClusterLoadAssignment, XdsListener, XdsRouteConfiguration, XdsSecret } from './model';

export interface ResourceType<T> {
  readonly typeUrl: XdsResourceTypeUrl;
  readonly shortName: 'LDS' | 'RDS' | 'CDS' | 'EDS' | 'SDS';
  /** LDS and CDS are subscribed as a whole; the others by the names that reference them. */
  readonly wildcard: boolean;
  /** `wrapperName`: the name a delta response gives the resource, for errors. */
  decode(any: Any, position: number, wrapperName?: string): DecodeResult<T>;
}

export const ListenerType: ResourceType<XdsListener> = {
  typeUrl: TypeUrl.Listener,
  shortName: 'LDS',
  wildcard: true,
  decode: (any, position, wrapperName) => decodeResource(listenerSpec, any, position, wrapperName),
};

export const RouteConfigurationType: ResourceType<XdsRouteConfiguration> = {
  typeUrl: TypeUrl.RouteConfiguration,
  shortName: 'RDS',
  wildcard: false,
  decode: (any, position, wrapperName) => decodeResource(routeConfigurationSpec, any, position, wrapperName),
};

export const ClusterType: ResourceType<XdsCluster> = {
  typeUrl: TypeUrl.Cluster,
  shortName: 'CDS',
  wildcard: true,
  decode: (any, position, wrapperName) => decodeResource(clusterSpec, any, position, wrapperName),
};

export const EndpointsType: ResourceType<XdsClusterLoadAssignment> = {
  typeUrl: TypeUrl.ClusterLoadAssignment,
  shortName: 'EDS',
  wildcard: false,
  decode: (any, position, wrapperName) => decodeResource(endpointsSpec, any, position, wrapperName),
};

export const SecretType: ResourceType<XdsSecret> = {
  typeUrl: TypeUrl.Secret,
  shortName: 'SDS',
  wildcard: false,
  decode: (any, position, wrapperName) => decodeResource(secretSpec, any, position, wrapperName),
};

/**
 * In the order a client asks for them, which is also the order a dependency is learnt in:
 * clusters before their endpoints, listeners before their routes (secrets are asked for when a
 * cluster or listener names them).
 */
export const RESOURCE_TYPES: readonly ResourceType<unknown>[] = [
  ClusterType,
  EndpointsType,
  ListenerType,
  RouteConfigurationType,
  SecretType,
];

export function resourceTypeOf(typeUrl: string): ResourceType<unknown> | undefined {
  return RESOURCE_TYPES.find((t) => t.typeUrl === typeUrl);
}
