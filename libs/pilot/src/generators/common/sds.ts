/**
 * SDS secret references, with Istio's names (a wire contract with the agent and the ADS server):
 * - the workload's own certificate `default` and the mesh root `ROOTCA`, served by the agent
 *   beside the proxy over the `sds-grpc` cluster;
 * - gateway credentials named by `credentialName`, served by istiod over ADS as
 *   `kubernetes://<name>`, and the client CA of a MUTUAL server as `kubernetes://<name>-cacert`.
 */
import {
  ApiConfigSource_ApiType,
  ApiVersion,
  type ConfigSource,
} from '@mesh/xds/generated/envoy/config/core/v3/config_source';
import type { SdsSecretConfig } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/secret';
import { ZERO_DURATION } from './duration';

export const SDS_DEFAULT_RESOURCE = 'default';
export const SDS_ROOT_RESOURCE = 'ROOTCA';
/** The bootstrap cluster through which the proxy reaches its agent's SDS server. */
export const SDS_CLUSTER = 'sds-grpc';
export const CREDENTIAL_PREFIX = 'kubernetes://';
/** Suffix of the resource holding a credential's CA certificate. */
export const CREDENTIAL_CA_SUFFIX = '-cacert';

/** A secret the agent serves (`default`, `ROOTCA`): fetched over the `sds-grpc` cluster, never blocking. */
export function workloadSdsSecret(name: string): SdsSecretConfig {
  const sdsConfig: ConfigSource = {
    apiConfigSource: {
      apiType: ApiConfigSource_ApiType.GRPC,
      setNodeOnFirstMessageOnly: true,
      transportApiVersion: ApiVersion.V3,
      grpcServices: [{ envoyGrpc: { clusterName: SDS_CLUSTER } }],
    },
    initialFetchTimeout: ZERO_DURATION,
    resourceApiVersion: ApiVersion.V3,
  };
  return { name, sdsConfig };
}

/** `kubernetes://<name>`, unless the name already carries the prefix. */
export function credentialResourceName(credentialName: string): string {
  return credentialName.startsWith(CREDENTIAL_PREFIX) ? credentialName : CREDENTIAL_PREFIX + credentialName;
}

/**
 * A gateway credential served by istiod over ADS. No initial fetch timeout override: a missing
 * Secret must not block the whole listener (Istio's choice).
 */
export function credentialSdsSecret(credentialName: string): SdsSecretConfig {
  return {
    name: credentialResourceName(credentialName),
    sdsConfig: { ads: {}, resourceApiVersion: ApiVersion.V3 },
  };
}

/** The CA of a credential (MUTUAL servers): `kubernetes://<name>-cacert`. */
export function credentialCaSdsSecret(credentialName: string): SdsSecretConfig {
  return credentialSdsSecret(credentialName + CREDENTIAL_CA_SUFFIX);
}
