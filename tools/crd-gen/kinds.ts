/**
 * The Istio kinds the mesh serves as CustomResourceDefinitions, with the names Istio gives them
 * (plural, short names, categories, printer columns) and the schema of their spec.
 *
 * This list repeats facts of the schema registry in libs/config-model (tools cannot import libs
 * when run by Node); crd-gen.spec.ts fails if the two ever disagree.
 */
import {
  destinationRuleSpec,
  gatewaySpec,
  serviceEntrySpec,
  sidecarSpec,
  virtualServiceSpec,
  workloadEntrySpec,
  workloadGroupSpec,
} from './istio-networking.ts';
import { authorizationPolicySpec, peerAuthenticationSpec, requestAuthenticationSpec } from './istio-security.ts';
import { telemetrySpec } from './istio-telemetry.ts';
import type { Build } from './openapi.ts';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'date';
  readonly jsonPath: string;
  readonly description: string;
}

export interface CrdKind {
  readonly kind: string;
  readonly group: string;
  /** Served versions; the first is the storage version. All share one schema. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly columns: readonly PrinterColumn[];
  readonly spec: Build;
  /** Kinds whose objects are meaningless without a spec require one, as Istio's CRDs do. */
  readonly specRequired: boolean;
  /** Page of Istio's reference documentation, for `kubectl explain`. */
  readonly docs: string;
}

const NETWORKING = 'networking.istio.io';
const SECURITY = 'security.istio.io';
const TELEMETRY = 'telemetry.istio.io';
const networkingVersions = ['v1', 'v1beta1', 'v1alpha3'];
const securityVersions = ['v1', 'v1beta1'];
const reference = 'https://istio.io/latest/docs/reference/config';

const age: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created',
};

function column(name: string, jsonPath: string, description: string): PrinterColumn {
  return { name, type: 'string', jsonPath, description };
}

function categoriesOf(group: string): string[] {
  return ['istio-io', group.replace(/\./g, '-')];
}

interface KindInput {
  kind: string;
  group: string;
  versions: string[];
  plural: string;
  shortNames?: string[];
  columns?: PrinterColumn[];
  spec: Build;
  specRequired?: boolean;
  docs: string;
}

function crdKind(input: KindInput): CrdKind {
  return {
    kind: input.kind,
    group: input.group,
    versions: input.versions,
    plural: input.plural,
    singular: input.kind.toLowerCase(),
    shortNames: input.shortNames ?? [],
    categories: categoriesOf(input.group),
    columns: [...(input.columns ?? []), age],
    spec: input.spec,
    specRequired: input.specRequired ?? false,
    docs: `${reference}/${input.docs}/`,
  };
}

export const crdKinds: readonly CrdKind[] = [
  crdKind({
    kind: 'VirtualService',
    group: NETWORKING,
    versions: networkingVersions,
    plural: 'virtualservices',
    shortNames: ['vs'],
    columns: [
      column('Gateways', '.spec.gateways', 'Gateways and sidecars the routes apply to'),
      column('Hosts', '.spec.hosts', 'Destination hosts the routes are for'),
    ],
    spec: virtualServiceSpec,
    docs: 'networking/virtual-service',
  }),
  crdKind({
    kind: 'DestinationRule',
    group: NETWORKING,
    versions: networkingVersions,
    plural: 'destinationrules',
    shortNames: ['dr'],
    columns: [column('Host', '.spec.host', 'Service the traffic policies apply to')],
    spec: destinationRuleSpec,
    docs: 'networking/destination-rule',
  }),
  crdKind({
    kind: 'Gateway',
    group: NETWORKING,
    versions: networkingVersions,
    plural: 'gateways',
    shortNames: ['gw'],
    spec: gatewaySpec,
    docs: 'networking/gateway',
  }),
  crdKind({
    kind: 'ServiceEntry',
    group: NETWORKING,
    versions: networkingVersions,
    plural: 'serviceentries',
    shortNames: ['se'],
    columns: [
      column('Hosts', '.spec.hosts', 'Hosts of the service'),
      column('Location', '.spec.location', 'MESH_EXTERNAL or MESH_INTERNAL'),
      column('Resolution', '.spec.resolution', 'How endpoints are found: NONE, STATIC, DNS or DNS_ROUND_ROBIN'),
    ],
    spec: serviceEntrySpec,
    specRequired: true,
    docs: 'networking/service-entry',
  }),
  crdKind({
    kind: 'Sidecar',
    group: NETWORKING,
    versions: networkingVersions,
    plural: 'sidecars',
    spec: sidecarSpec,
    docs: 'networking/sidecar',
  }),
  crdKind({
    kind: 'WorkloadEntry',
    group: NETWORKING,
    versions: networkingVersions,
    plural: 'workloadentries',
    shortNames: ['we'],
    columns: [column('Address', '.spec.address', 'Address of the workload')],
    spec: workloadEntrySpec,
    specRequired: true,
    docs: 'networking/workload-entry',
  }),
  crdKind({
    kind: 'WorkloadGroup',
    group: NETWORKING,
    versions: networkingVersions,
    plural: 'workloadgroups',
    shortNames: ['wg'],
    spec: workloadGroupSpec,
    specRequired: true,
    docs: 'networking/workload-group',
  }),
  crdKind({
    kind: 'PeerAuthentication',
    group: SECURITY,
    versions: securityVersions,
    plural: 'peerauthentications',
    shortNames: ['pa'],
    columns: [column('Mode', '.spec.mtls.mode', 'Mutual TLS mode')],
    spec: peerAuthenticationSpec,
    docs: 'security/peer_authentication',
  }),
  crdKind({
    kind: 'AuthorizationPolicy',
    group: SECURITY,
    versions: securityVersions,
    plural: 'authorizationpolicies',
    shortNames: ['ap'],
    columns: [column('Action', '.spec.action', 'ALLOW, DENY, AUDIT or CUSTOM')],
    spec: authorizationPolicySpec,
    docs: 'security/authorization-policy',
  }),
  crdKind({
    kind: 'RequestAuthentication',
    group: SECURITY,
    versions: securityVersions,
    plural: 'requestauthentications',
    shortNames: ['ra'],
    spec: requestAuthenticationSpec,
    docs: 'security/request_authentication',
  }),
  crdKind({
    kind: 'Telemetry',
    group: TELEMETRY,
    versions: ['v1', 'v1alpha1'],
    plural: 'telemetries',
    shortNames: ['telemetry'],
    spec: telemetrySpec,
    docs: 'telemetry',
  }),
];
