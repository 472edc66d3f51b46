/**
 * The kinds the mesh reads: Istio's config APIs and the Kubernetes kinds discovery needs.
 * One registry from kind to group/versions/plural/scope, used by parsing, the stores, the CRD
 * generator and the webhook.
 */

export type IstioKind =
  | 'VirtualService'
  | 'DestinationRule'
  | 'Gateway'
  | 'ServiceEntry'
  | 'Sidecar'
  | 'WorkloadEntry'
  | 'WorkloadGroup'
  | 'PeerAuthentication'
  | 'AuthorizationPolicy'
  | 'RequestAuthentication'
  | 'Telemetry';

export type KubernetesKind = 'Namespace' | 'Node' | 'Service' | 'EndpointSlice' | 'Pod' | 'Secret' | 'ConfigMap';

export type Kind = IstioKind | KubernetesKind;

export interface Schema {
  readonly kind: Kind;
  /** API group; '' for the Kubernetes core group. */
  readonly group: string;
  /** Versions accepted on input, the preferred (storage) version first. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly namespaced: boolean;
  /** True for Istio config (validated, served to pilot); false for Kubernetes discovery kinds. */
  readonly istio: boolean;
  /**
   * `labels`: a Config of this kind keeps only the object's identity and labels; spec, status and
   * annotations are dropped as it is read. Absent: the whole object is kept.
   */
  readonly keep?: 'labels';
}

const NETWORKING = 'networking.istio.io';
const SECURITY = 'security.istio.io';
const TELEMETRY = 'telemetry.istio.io';
const networkingVersions = ['v1', 'v1beta1', 'v1alpha3'] as const;

function istio(kind: IstioKind, group: string, versions: readonly string[], plural: string): Schema {
  return { kind, group, versions, plural, namespaced: true, istio: true };
}

function kube(kind: KubernetesKind, group: string, version: string, plural: string, namespaced = true): Schema {
  return { kind, group, versions: [version], plural, namespaced, istio: false };
}

/**
 * Nodes are read for their topology labels alone (the locality of the pods they run). A Node's
 * status (images, conditions, addresses, heartbeats) is large and changes on its own schedule:
 * it is not kept.
 */
const node: Schema = { ...kube('Node', '', 'v1', 'nodes', false), keep: 'labels' };

export const schemas: readonly Schema[] = [
  istio('VirtualService', NETWORKING, networkingVersions, 'virtualservices'),
  istio('DestinationRule', NETWORKING, networkingVersions, 'destinationrules'),
  istio('Gateway', NETWORKING, networkingVersions, 'gateways'),
  istio('ServiceEntry', NETWORKING, networkingVersions, 'serviceentries'),
  istio('Sidecar', NETWORKING, networkingVersions, 'sidecars'),
  istio('WorkloadEntry', NETWORKING, networkingVersions, 'workloadentries'),
  istio('WorkloadGroup', NETWORKING, networkingVersions, 'workloadgroups'),
  istio('PeerAuthentication', SECURITY, ['v1', 'v1beta1'], 'peerauthentications'),
  istio('AuthorizationPolicy', SECURITY, ['v1', 'v1beta1'], 'authorizationpolicies'),
  istio('RequestAuthentication', SECURITY, ['v1', 'v1beta1'], 'requestauthentications'),
  istio('Telemetry', TELEMETRY, ['v1', 'v1alpha1'], 'telemetries'),
  kube('Namespace', '', 'v1', 'namespaces', false),
  node,
  kube('Service', '', 'v1', 'services'),
  kube('EndpointSlice', 'discovery.k8s.io', 'v1', 'endpointslices'),
  kube('Pod', '', 'v1', 'pods'),
  kube('Secret', '', 'v1', 'secrets'),
  kube('ConfigMap', '', 'v1', 'configmaps'),
];

const byKind = new Map<string, Schema>(schemas.map((s) => [s.kind, s]));

export function schemaOfKind(kind: Kind): Schema {
  const schema = byKind.get(kind);
  if (!schema) throw new Error(`no schema for kind ${kind}`);
  return schema;
}

/** `apiVersion` as written in a manifest: `group/version`, or `version` for the core group. */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export type SchemaLookup =
  | { ok: true; schema: Schema; version: string }
  | { ok: false; reason: 'unknown-kind' | 'unknown-version'; message: string };

/** Finds the schema for a manifest's apiVersion and kind; says what is wrong when it cannot. */
export function lookupSchema(apiVersion: string, kind: string): SchemaLookup {
  const { group, version } = splitApiVersion(apiVersion);
  const schema = byKind.get(kind);
  if (!schema || schema.group !== group) {
    return { ok: false, reason: 'unknown-kind', message: `unknown kind "${kind}" in API group "${group || 'core'}"` };
  }
  if (!schema.versions.includes(version)) {
    return {
      ok: false,
      reason: 'unknown-version',
      message: `${kind} does not have version "${version}" (accepted: ${schema.versions.join(', ')})`,
    };
  }
  return { ok: true, schema, version };
}

export function isIstioKind(kind: string): kind is IstioKind {
  return byKind.get(kind)?.istio === true;
}
