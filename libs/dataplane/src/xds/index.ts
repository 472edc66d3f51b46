/**
 * The data plane's xDS client: ADS (SotW or delta) with checked decoders, warming and reconnect.
 */
export {
  XdsClient,
  type NodeIdentity,
  type SnapshotListener,
  type TypeStatus,
  type XdsClientEvent,
  type XdsClientOptions,
  type XdsMode,
} from './xds-client';
export type { Snapshot } from './snapshot';
export type { Dependency } from './dependencies';
export type { BackoffOptions } from './backoff';
export type { DecodeResult, XdsResourceError } from './decoders/decode-result';
export {
  ClusterType,
  EndpointsType,
  ListenerType,
  RESOURCE_TYPES,
  RouteConfigurationType,
  SecretType,
  type ResourceType,
} from './resource-types';
export type * from './model';
