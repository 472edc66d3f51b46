/**
 * security.istio.io: PeerAuthentication (mTLS mode of inbound traffic), RequestAuthentication
 * (which JWTs are accepted) and AuthorizationPolicy (who may do what).
 */
import type { Duration, PolicyTargetReference, WorkloadSelector } from './common';

export type MutualTLSMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

export interface PeerAuthenticationSpec {
  /** Absent: the whole namespace (the whole mesh in the root namespace). */
  selector?: WorkloadSelector;
  mtls?: { mode?: MutualTLSMode };
  /** Port number (as a string key, as in YAML) → mode; requires a selector. */
  portLevelMtls?: Record<string, { mode?: MutualTLSMode }>;
}

export interface RequestAuthenticationSpec {
  selector?: WorkloadSelector;
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
  jwtRules?: JWTRule[];
}

export interface JWTRule {
  issuer: string;
  audiences?: string[];
  /** At most one of `jwksUri` and `jwks`. */
  jwksUri?: string;
  jwks?: string;
  /** Default: `Authorization: Bearer <token>`. */
  fromHeaders?: { name: string; prefix?: string }[];
  /** Default: the `access_token` query parameter. */
  fromParams?: string[];
  fromCookies?: string[];
  outputPayloadToHeader?: string;
  forwardOriginalToken?: boolean;
  outputClaimToHeaders?: { header: string; claim: string }[];
  timeout?: Duration;
}

export type AuthorizationAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

export interface AuthorizationPolicySpec {
  selector?: WorkloadSelector;
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
  /** No rules: ALLOW matches nothing (deny all), DENY matches nothing. */
  rules?: Rule[];
  /** Default ALLOW. */
  action?: AuthorizationAction;
  /** The extension provider of a CUSTOM action (MeshConfig.extensionProviders[].name). */
  provider?: { name?: string };
}

/** A rule matches when one `from`, one `to` and every `when` match (absent parts match all). */
export interface Rule {
  from?: { source?: Source }[];
  to?: { operation?: Operation }[];
  when?: Condition[];
}

export interface Source {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  serviceAccounts?: string[];
  notServiceAccounts?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
}

export interface Operation {
  hosts?: string[];
  notHosts?: string[];
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
}

/** `key` is an Istio attribute, e.g. `request.headers[x-token]`, `source.ip`, `request.auth.claims[iss]`. */
export interface Condition {
  key: string;
  values?: string[];
  notValues?: string[];
}
