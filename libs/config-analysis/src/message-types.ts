/**
 * The analysis messages the mesh reports, with Istio's codes, names and levels, so users can look a
 * code up in Istio's documentation (https://istio.io/latest/docs/reference/config/analysis/) and
 * tooling that filters on `IST0101` keeps working. Each type turns its arguments into the message
 * text; the wording follows Istio's message templates, since that text is what users see and search.
 */

export type Level = 'Error' | 'Warning' | 'Info';

/** Most severe first: the order messages are printed in. */
export const levels: readonly Level[] = ['Error', 'Warning', 'Info'];

/** What every message of a type shares: its code, name, level and documentation. */
export interface MessageTypeInfo {
  readonly code: string;
  readonly name: string;
  readonly level: Level;
  /** Istio's documentation page for the code. */
  readonly documentationUrl: string;
}

export interface MessageType<Args extends unknown[]> extends MessageTypeInfo {
  text(...args: Args): string;
}

const DOCS = 'https://istio.io/latest/docs/reference/config/analysis';

function messageType<Args extends unknown[]>(
  code: string,
  name: string,
  level: Level,
  text: (...args: Args) => string,
  documentationUrl = `${DOCS}/${code.toLowerCase()}/`,
): MessageType<Args> {
  return { code, name, level, documentationUrl, text };
}

/** Go's %q for the strings we quote: a double-quoted string with JSON escapes. */
export function quoted(value: string): string {
  return JSON.stringify(value);
}

/** Go's %v of a []string: `[a b c]`. */
export function bracketed(values: readonly string[]): string {
  return `[${values.join(' ')}]`;
}

/** Reported when an analyzer fails (a bug): the other analyzers' messages are still reported. */
export const InternalError = messageType(
  'IST0001',
  'InternalError',
  'Error',
  (detail: string) => `Internal error: ${detail}`,
);

export const ReferencedResourceNotFound = messageType(
  'IST0101',
  'ReferencedResourceNotFound',
  'Error',
  (refType: string, refValue: string) => `Referenced ${refType} not found: ${quoted(refValue)}`,
);

export const NamespaceNotInjected = messageType(
  'IST0102',
  'NamespaceNotInjected',
  'Info',
  (namespace: string) =>
    `The namespace is not enabled for Istio injection. Run 'kubectl label namespace ${namespace} istio-injection=enabled' to enable it, or 'kubectl label namespace ${namespace} istio-injection=disabled' to explicitly mark it as not needing injection.`,
);

/** Retired by Istio in favour of IST0162; its meaning is kept here, so its docs are those of 1.9. */
export const GatewayPortNotOnWorkload = messageType(
  'IST0104',
  'GatewayPortNotOnWorkload',
  'Warning',
  (selector: string, port: number) =>
    `The gateway refers to a port that is not exposed on the workload (pod selector ${selector}; port ${port})`,
  'https://istio.io/v1.9/docs/reference/config/analysis/ist0104/',
);

export const SchemaValidationError = messageType(
  'IST0106',
  'SchemaValidationError',
  'Error',
  (detail: string) => `Schema validation error: ${detail}`,
);

export const ConflictingMeshGatewayVirtualServiceHosts = messageType(
  'IST0109',
  'ConflictingMeshGatewayVirtualServiceHosts',
  'Error',
  (virtualServices: string, host: string) =>
    `The VirtualServices ${virtualServices} associated with mesh gateway define the same host ${host} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.`,
);

/** Obsolete in Istio (it belonged to the alpha authentication policy); its docs are those of 1.8. */
export const MTLSPolicyConflict = messageType(
  'IST0113',
  'MTLSPolicyConflict',
  'Error',
  (host: string, destinationRule: string, mtls: boolean, policy: string, policyMode: string) =>
    `A DestinationRule and Policy are in conflict with regards to mTLS for host ${host}. The DestinationRule ${quoted(destinationRule)} specifies that mTLS must be ${String(mtls)} but the Policy object ${quoted(policy)} specifies ${policyMode}.`,
  'https://istio.io/v1.8/docs/reference/config/analysis/ist0113/',
);

export const PortNameIsNotUnderNamingConvention = messageType(
  'IST0118',
  'PortNameIsNotUnderNamingConvention',
  'Info',
  (portName: string, port: number, targetPort: string) =>
    `Port name ${portName} (port: ${port}, targetPort: ${targetPort}) doesn't follow the naming convention of Istio port.`,
);

export const NoServerCertificateVerificationDestinationLevel = messageType(
  'IST0128',
  'NoServerCertificateVerificationDestinationLevel',
  'Warning',
  (destinationRule: string, namespace: string, mode: string, host: string) =>
    `DestinationRule ${destinationRule} in namespace ${namespace} has TLS mode set to ${mode} but no caCertificates are set to validate server identity for host: ${host}`,
);

export const NoServerCertificateVerificationPortLevel = messageType(
  'IST0129',
  'NoServerCertificateVerificationPortLevel',
  'Warning',
  (destinationRule: string, namespace: string, mode: string, host: string, port: string) =>
    `DestinationRule ${destinationRule} in namespace ${namespace} has TLS mode set to ${mode} but no caCertificates are set to validate server identity for host: ${host} at port ${port}`,
);

export const VirtualServiceUnreachableRule = messageType(
  'IST0130',
  'VirtualServiceUnreachableRule',
  'Warning',
  (rule: string, reason: string) => `VirtualService rule ${rule} not used (${reason}).`,
);

export const VirtualServiceIneffectiveMatch = messageType(
  'IST0131',
  'VirtualServiceIneffectiveMatch',
  'Info',
  (rule: string, match: string, duplicateOf: string) =>
    `VirtualService rule ${rule} match ${match} is not used (duplicate/overlapping match in rule ${duplicateOf}).`,
);

export const VirtualServiceHostNotFoundInGateway = messageType(
  'IST0132',
  'VirtualServiceHostNotFoundInGateway',
  'Warning',
  (hosts: readonly string[], virtualService: string, gateway: string) =>
    `one or more host ${bracketed(hosts)} defined in VirtualService ${virtualService} not found in Gateway ${gateway}.`,
);

export const SchemaWarning = messageType(
  'IST0133',
  'SchemaWarning',
  'Warning',
  (detail: string) => `Schema validation warning: ${detail}`,
);

export const ConflictingGateways = messageType(
  'IST0145',
  'ConflictingGateways',
  'Error',
  (gateways: string, selector: string, port: number, hosts: string) =>
    `Conflict with gateways ${gateways} (workload selector ${selector}, port ${port}, hosts ${hosts}).`,
);

export const ExternalNameServiceTypeInvalidPortName = messageType(
  'IST0150',
  'ExternalNameServiceTypeInvalidPortName',
  'Warning',
  () =>
    'Port name for ExternalName service is invalid. Proxy may prevent tcp named ports and unmatched traffic for ports serving TCP protocol from being forwarded correctly',
);

export const DestinationRuleSubsetNotSelectPods = messageType(
  'IST0173',
  'DestinationRuleSubsetNotSelectPods',
  'Error',
  (subset: string) =>
    `The Subset ${subset} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).`,
);

export const UnknownDestinationRuleHost = messageType(
  'IST0174',
  'UnknownDestinationRuleHost',
  'Warning',
  (host: string) => `The host ${host} defined in the DestinationRule does not match any services in the mesh.`,
);

/** Every type this package reports, by code. */
export const messageTypes: readonly MessageTypeInfo[] = [
  InternalError,
  ReferencedResourceNotFound,
  NamespaceNotInjected,
  GatewayPortNotOnWorkload,
  SchemaValidationError,
  ConflictingMeshGatewayVirtualServiceHosts,
  MTLSPolicyConflict,
  PortNameIsNotUnderNamingConvention,
  NoServerCertificateVerificationDestinationLevel,
  NoServerCertificateVerificationPortLevel,
  VirtualServiceUnreachableRule,
  VirtualServiceIneffectiveMatch,
  VirtualServiceHostNotFoundInGateway,
  SchemaWarning,
  ConflictingGateways,
  ExternalNameServiceTypeInvalidPortName,
  DestinationRuleSubsetNotSelectPods,
  UnknownDestinationRuleHost,
];
