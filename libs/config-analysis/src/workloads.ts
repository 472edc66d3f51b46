/**
 * Workloads as the analyzers see them: the labels and container ports of a pod. They come from Pod
 * objects (a live cluster) and, for files, from the pod templates of workload controllers
 * (Deployment, StatefulSet, ...): a file set that deploys `reviews-v1` with labels
 * `app: reviews, version: v1` will have such pods, and that is what subsets and gateway selectors
 * must find. Reading is defensive: Kubernetes objects are only lightly validated.
 */
import { isRecord, type Config, type SourceLocation } from '@mesh/config-model';

export interface ContainerPortInfo {
  readonly port: number;
  readonly name?: string;
  readonly protocol?: string;
}

export interface Workload {
  /** `Pod`, or the controller whose pod template this is (`Deployment`, ...). */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly containerPorts: readonly ContainerPortInfo[];
  readonly source?: SourceLocation;
}

/** A Pod config as a workload. */
export function workloadOfPod(pod: Config): Workload {
  return {
    kind: 'Pod',
    namespace: pod.namespace,
    name: pod.name,
    labels: pod.labels,
    containerPorts: containerPortsOf(pod.spec),
    ...(pod.source ? { source: pod.source } : {}),
  };
}

/** Kinds whose objects create pods from a template, with where the template is (apiVersion → path). */
const CONTROLLERS: ReadonlyMap<string, { readonly group: string; readonly template: readonly string[] }> = new Map([
  ['Deployment', { group: 'apps', template: ['spec', 'template'] }],
  ['StatefulSet', { group: 'apps', template: ['spec', 'template'] }],
  ['DaemonSet', { group: 'apps', template: ['spec', 'template'] }],
  ['ReplicaSet', { group: 'apps', template: ['spec', 'template'] }],
  ['ReplicationController', { group: '', template: ['spec', 'template'] }],
  ['Job', { group: 'batch', template: ['spec', 'template'] }],
  ['CronJob', { group: 'batch', template: ['spec', 'jobTemplate', 'spec', 'template'] }],
]);

/**
 * The pods a workload controller manifest will create, as one workload named after the controller;
 * undefined when the object is not a controller or has no usable template.
 */
export function workloadOfController(
  object: Record<string, unknown>,
  source: SourceLocation | undefined,
  defaultNamespace: string,
): Workload | undefined {
  const { apiVersion, kind, metadata } = object;
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') return undefined;
  const controller = CONTROLLERS.get(kind);
  if (!controller) return undefined;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  if (group !== controller.group) return undefined;
  let template: unknown = object;
  for (const key of controller.template) template = isRecord(template) ? template[key] : undefined;
  if (!isRecord(template) || !isRecord(metadata) || typeof metadata.name !== 'string') return undefined;
  const templateMetadata = isRecord(template.metadata) ? template.metadata : {};
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : defaultNamespace;
  return {
    kind,
    namespace,
    name: metadata.name,
    labels: stringMap(templateMetadata.labels),
    containerPorts: containerPortsOf(template.spec),
    ...(source ? { source } : {}),
  };
}

function containerPortsOf(podSpec: unknown): ContainerPortInfo[] {
  if (!isRecord(podSpec) || !Array.isArray(podSpec.containers)) return [];
  const ports: ContainerPortInfo[] = [];
  for (const container of podSpec.containers) {
    if (!isRecord(container) || !Array.isArray(container.ports)) continue;
    for (const port of container.ports) {
      if (!isRecord(port) || typeof port.containerPort !== 'number') continue;
      ports.push({
        port: port.containerPort,
        ...(typeof port.name === 'string' ? { name: port.name } : {}),
        ...(typeof port.protocol === 'string' ? { protocol: port.protocol } : {}),
      });
    }
  }
  return ports;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') out[key] = entry;
  return out;
}
