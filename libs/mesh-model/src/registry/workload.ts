/**
 * Workload instances: one running copy of an application with an address, whatever made it
 * (a WorkloadEntry, a ServiceEntry's inline endpoint, a Pod). ServiceEntry `workloadSelector`
 * and Kubernetes Service selectors pick them by label; each selected workload becomes one
 * endpoint per service port.
 */
import {
  configKey,
  isPodReady,
  podStatusOf,
  type ConfigIssue,
  type ConfigOfKind,
  type Labels,
  type WorkloadEntrySpec,
} from '@mesh/config-model';
import {
  parseLocality,
  type Endpoint,
  type HealthStatus,
  type Locality,
  type Service,
  type ServicePort,
} from '../service';

/** Pod/WorkloadEntry label saying whether the workload's sidecar accepts Istio mTLS. */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
/** Pod label overriding the locality (`region.zone.subzone`; label values cannot hold `/`). */
export const TOPOLOGY_LOCALITY_LABEL = 'topology.istio.io/locality';
/** The older name of the pod locality override; `topology.istio.io/locality` wins when both are set. */
export const LOCALITY_LABEL = 'istio-locality';
export const NETWORK_LABEL = 'topology.istio.io/network';
/** Node labels giving the locality of the pods on the node (the `failure-domain` ones are the pre-1.17 names). */
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const BETA_REGION_LABEL = 'failure-domain.beta.kubernetes.io/region';
export const BETA_ZONE_LABEL = 'failure-domain.beta.kubernetes.io/zone';
export const SUBZONE_LABEL = 'topology.istio.io/subzone';

/** The locality of a Node by name; undefined when the node is not known or carries no topology labels. */
export type NodeLocalityLookup = (nodeName: string) => Locality | undefined;

export interface WorkloadInstance {
  /** `WorkloadEntry/ns/name` or `Pod/ns/name`: the endpoint shard this workload's endpoints live in. */
  readonly key: string;
  readonly kind: 'WorkloadEntry' | 'Pod';
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly labels: Labels;
  /** Port name → port number on this workload (WorkloadEntry `ports`). */
  readonly ports: Readonly<Record<string, number>>;
  readonly weight?: number;
  readonly locality?: Locality;
  readonly network?: string;
  readonly serviceAccount?: string;
  readonly tlsMode: 'istio' | 'disabled';
  readonly health: HealthStatus;
}

/**
 * Istio's TLS mode of a WorkloadEntry (or inline ServiceEntry endpoint): the label when present,
 * else `istio` when it names a service account (it runs a sidecar with an identity), else disabled.
 */
export function tlsModeOfEntry(labels: Labels, serviceAccount: string | undefined): 'istio' | 'disabled' {
  if (Object.hasOwn(labels, TLS_MODE_LABEL)) return labels[TLS_MODE_LABEL] === 'istio' ? 'istio' : 'disabled';
  return serviceAccount ? 'istio' : 'disabled';
}

/** A Pod's TLS mode: only the label (injection sets it); no label means no sidecar. */
export function tlsModeOfPod(labels: Labels): 'istio' | 'disabled' {
  return labels[TLS_MODE_LABEL] === 'istio' ? 'istio' : 'disabled';
}

/**
 * A workload from a WorkloadEntry-shaped spec (a WorkloadEntry, or one of a ServiceEntry's
 * inline `endpoints`). Labels of the object's metadata win over `spec.labels`, as in Istio.
 * Undefined when there is no address (an entry reachable only through a network gateway).
 */
export function workloadFromEntrySpec(
  spec: WorkloadEntrySpec,
  identity: { key: string; name: string; namespace: string },
  metadataLabels: Labels = {},
): WorkloadInstance | undefined {
  if (!spec.address) return undefined;
  const labels = { ...(spec.labels ?? {}), ...metadataLabels };
  return dropUndefined({
    key: identity.key,
    kind: 'WorkloadEntry' as const,
    name: identity.name,
    namespace: identity.namespace,
    address: spec.address,
    labels,
    ports: spec.ports ?? {},
    weight: spec.weight,
    locality: parseLocality(spec.locality),
    network: spec.network || labels[NETWORK_LABEL] || undefined,
    serviceAccount: spec.serviceAccount || undefined,
    tlsMode: tlsModeOfEntry(labels, spec.serviceAccount),
    health: 'Healthy' as const,
  });
}

export function workloadFromWorkloadEntry(config: ConfigOfKind<'WorkloadEntry'>): WorkloadInstance | undefined {
  return workloadFromEntrySpec(
    config.spec,
    { key: configKey(config), name: config.name, namespace: config.namespace },
    config.labels,
  );
}

/**
 * A Pod as a workload for ServiceEntry selection: its IP, labels, service account and
 * readiness (a pod that is not Ready is kept, marked Unhealthy). Undefined, with no issue, while
 * the pod has no IP yet, and once it is terminating (`deletionTimestamp` set): Istio drops such a
 * pod from workload instances at once, like a deleted one, since it may stop serving at any
 * moment. (A pod behind a Service leaves through its EndpointSlice's `terminating` condition.)
 */
export function workloadFromPod(
  config: ConfigOfKind<'Pod'>,
  nodeLocality: NodeLocalityLookup,
): { workload?: WorkloadInstance; issues: ConfigIssue[] } {
  if (config.deletionTimestamp) return { issues: [] };
  const { value: status, issues } = podStatusOf(config);
  const address = status.podIP ?? status.podIPs?.[0]?.ip;
  if (!address) return { issues };
  const labels = config.labels;
  const workload = dropUndefined({
    key: configKey(config),
    kind: 'Pod' as const,
    name: config.name,
    namespace: config.namespace,
    address,
    labels,
    ports: {},
    locality: localityOfPod(config, nodeLocality),
    network: labels[NETWORK_LABEL] || undefined,
    serviceAccount: config.spec.serviceAccountName || 'default',
    tlsMode: tlsModeOfPod(labels),
    health: (isPodReady(status) ? 'Healthy' : 'Unhealthy') as HealthStatus,
  });
  return { workload, issues };
}

/**
 * A pod's locality, as Istio finds it: the pod's own override label (`topology.istio.io/locality`,
 * else `istio-locality`), else the locality of the Node it runs on (`spec.nodeName`). A pod that is
 * not scheduled yet, or whose node is not known (yet), has none: a Node arriving later re-localizes
 * it. The pod's own topology labels are not read, as in Istio.
 */
export function localityOfPod(
  pod: Pick<ConfigOfKind<'Pod'>, 'labels' | 'spec'>,
  nodeLocality: NodeLocalityLookup,
): Locality | undefined {
  const override = pod.labels[TOPOLOGY_LOCALITY_LABEL] ?? pod.labels[LOCALITY_LABEL];
  if (override) return parseLocality(override);
  const nodeName = nodeNameOf(pod);
  return nodeName === undefined ? undefined : nodeLocality(nodeName);
}

/**
 * A Node's locality from its labels: region and zone from the topology labels (falling back to
 * the deprecated `failure-domain.beta` ones), subzone from Istio's `topology.istio.io/subzone`.
 * Undefined when none is set.
 */
export function localityOfNode(labels: Labels): Locality | undefined {
  const region = labels[REGION_LABEL] || labels[BETA_REGION_LABEL] || '';
  const zone = labels[ZONE_LABEL] || labels[BETA_ZONE_LABEL] || '';
  const subzone = labels[SUBZONE_LABEL] || '';
  if (!region && !zone && !subzone) return undefined;
  return { region, zone, subzone };
}

/** The Node a pod was scheduled to (`spec.nodeName`); undefined before the scheduler binds it. */
export function nodeNameOf(pod: Pick<ConfigOfKind<'Pod'>, 'spec'>): string | undefined {
  const nodeName: unknown = pod.spec.nodeName;
  return typeof nodeName === 'string' && nodeName !== '' ? nodeName : undefined;
}

/**
 * The port a workload serves a service port on: its own named port (WorkloadEntry `ports`),
 * else the service's target port, else the service port itself.
 */
export function workloadPort(workload: WorkloadInstance, port: ServicePort): number {
  return workload.ports[port.name] ?? port.targetPort ?? port.port;
}

/** One endpoint per port of `service` for a selected workload. */
export function endpointsOfWorkload(workload: WorkloadInstance, service: Service): Endpoint[] {
  return service.ports.map((port) =>
    dropUndefined({
      hostname: service.hostname,
      servicePortName: port.name,
      address: workload.address,
      port: workloadPort(workload, port),
      labels: workload.labels,
      namespace: service.namespace,
      serviceAccount: workload.serviceAccount,
      locality: workload.locality,
      weight: workload.weight,
      health: workload.health,
      tlsMode: workload.tlsMode,
      workloadName: workload.name,
      network: workload.network,
    }),
  );
}

/** Leaves optional fields out instead of writing `undefined`, so objects compare and print cleanly. */
export function dropUndefined<T extends object>(object: T): T {
  for (const key of Object.keys(object) as (keyof T)[]) if (object[key] === undefined) delete object[key];
  return object;
}
