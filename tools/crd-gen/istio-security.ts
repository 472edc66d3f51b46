/**
 * security.istio.io: AuthorizationPolicy, PeerAuthentication and RequestAuthentication.
 */
import { policyTargetReference, workloadSelector } from './istio-common.ts';
import { array, boolean, duration, enumOf, map, object, string, type Build } from './openapi.ts';

const strings: Build = array(string);

const source: Build = object({
  principals: strings,
  notPrincipals: strings,
  requestPrincipals: strings,
  notRequestPrincipals: strings,
  namespaces: strings,
  notNamespaces: strings,
  serviceAccounts: strings,
  notServiceAccounts: strings,
  ipBlocks: strings,
  notIpBlocks: strings,
  remoteIpBlocks: strings,
  notRemoteIpBlocks: strings,
});

// Ports are strings in the authorization API ("8080"), unlike everywhere else.
const operation: Build = object({
  hosts: strings,
  notHosts: strings,
  ports: strings,
  notPorts: strings,
  methods: strings,
  notMethods: strings,
  paths: strings,
  notPaths: strings,
});

const targeting = {
  selector: workloadSelector,
  targetRef: policyTargetReference,
  targetRefs: array(policyTargetReference),
};

export const authorizationPolicySpec: Build = object({
  ...targeting,
  rules: array(
    object({
      from: array(object({ source })),
      to: array(object({ operation })),
      when: array(object({ key: string, values: strings, notValues: strings }, ['key'])),
    }),
  ),
  action: enumOf('ALLOW', 'DENY', 'AUDIT', 'CUSTOM'),
  provider: object({ name: string }),
});

const mtlsMode: Build = object({ mode: enumOf('UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT') });

export const peerAuthenticationSpec: Build = object({
  selector: workloadSelector,
  mtls: mtlsMode,
  // map<uint32, MutualTLS>: JSON writes the port numbers as keys.
  portLevelMtls: map(mtlsMode),
});

const jwtRule: Build = object({
  issuer: string,
  audiences: strings,
  jwksUri: string,
  // The snake_case spelling is still accepted by Istio's CRD for manifests written long ago.
  jwks_uri: string,
  jwks: string,
  fromHeaders: array(object({ name: string, prefix: string }, ['name'])),
  fromParams: strings,
  fromCookies: strings,
  outputPayloadToHeader: string,
  forwardOriginalToken: boolean,
  outputClaimToHeaders: array(object({ header: string, claim: string }, ['header', 'claim'])),
  timeout: duration,
});

export const requestAuthenticationSpec: Build = object({ ...targeting, jwtRules: array(jwtRule) });
