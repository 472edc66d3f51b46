/**
 * The aggregate service registry: Kubernetes Services and EndpointSlices, Pods, ServiceEntries
 * and WorkloadEntries in, Services and endpoints out. Fed one config change at a time (`apply`),
 * it tells what the change did:
 * - a Service definition added, removed or changed → `servicesChanged` (a full push);
 * - only endpoints changed → `edsHosts` (an incremental EDS push);
 * - endpoints changed so that the set of service accounts a host's endpoints run as differs →
 *   also `servicesChanged`: clusters verify the upstream identities (SANs) computed from those
 *   accounts, so CDS must be pushed again, as Istio does (an EDS-only push would leave proxies
 *   rejecting the new identity, or still trusting the removed one).
 *
 * Endpoints are sharded by source (see endpoint-shards.ts) and every change recomputes only the
 * sources it touches: an EndpointSlice change → that slice; a Pod change → the slices pointing at
 * it and its own ServiceEntry-selected shard; a WorkloadEntry change → its own shard; a Service or
 * ServiceEntry change → its own shard plus the workloads its old or new selector picks; a Node
 * whose locality changed → the shards and slices of the pods scheduled on it (an endpoint-only
 * change: the pods' localities move, no service definition does).
 */
import {
  configKey,
  describeConfig,
  isConfigOfKind,
  serviceSelectorMatches,
  DEFAULT_DOMAIN_SUFFIX,
  type Config,
  type ConfigIssue,
  type ConfigOfKind,
  type Kind,
} from '@mesh/config-model';
import type { ConfigChange, ConfigSnapshotSource } from '../config-source';
import { byCreation, compareText, sortedByCreation } from '../ordering';
import { pushRequest, type PushRequest } from '../push-request';
import type { Endpoint, Locality, Service } from '../service';
import { EndpointShards, type HostEndpoints } from './endpoint-shards';
import {
  endpointsFromEndpointSlice,
  externalNameEndpoints,
  podKeysOfSlice,
  serviceFromKubernetes,
  serviceNameOfSlice,
  type KubeServiceConfig,
  type PodConfig,
} from './kubernetes';
import {
  ownEndpointsOfServiceEntry,
  serviceEntrySelects,
  servicesFromServiceEntry,
  type ServiceEntryConfig,
} from './service-entry';
import {
  endpointsOfWorkload,
  localityOfNode,
  nodeNameOf,
  workloadFromPod,
  workloadFromWorkloadEntry,
  type WorkloadInstance,
} from './workload';

/**
 * The kinds the registry reads, in the order an initial load applies them (Nodes first, so pods
 * are localized as they arrive).
 */
export const REGISTRY_KINDS: readonly Kind[] = [
  'Node',
  'Service',
  'ServiceEntry',
  'WorkloadEntry',
  'Pod',
  'EndpointSlice',
];

/** What the mesh's consumers read from service discovery (the registry, or a test double). */
export interface ServiceDiscovery {
  /** Every service, oldest first. The array is never mutated: a change returns a new one. */
  services(): readonly Service[];
  /** Endpoints of a hostname by namespace and port name (immutable); undefined when none. */
  endpointsByHost(hostname: string): HostEndpoints | undefined;
  /** Hostnames that have endpoints. */
  endpointHostnames(): Iterable<string>;
}

export interface RegistryUpdate {
  /** Hostnames whose Service definition was added, removed or changed: needs a full push. */
  readonly servicesChanged: ReadonlySet<string>;
  /** Config keys (`Kind/ns/name`) of the Services and ServiceEntries behind `servicesChanged`. */
  readonly configsUpdated: ReadonlySet<string>;
  /** Hostnames whose endpoints changed. */
  readonly edsHosts: ReadonlySet<string>;
  /** Problems found reading the changed object (it was used as far as it could be). */
  readonly issues: readonly ConfigIssue[];
}

export interface ServiceRegistryOptions {
  readonly domainSuffix?: string;
}

class UpdateBuilder {
  readonly servicesChanged = new Set<string>();
  readonly configsUpdated = new Set<string>();
  readonly edsHosts = new Set<string>();
  readonly issues: ConfigIssue[] = [];

  eds(hosts: Iterable<string>): void {
    for (const host of hosts) this.edsHosts.add(host);
  }
}

export class ServiceRegistry implements ServiceDiscovery {
  private readonly domainSuffix: string;
  // Inputs, by config key.
  private readonly serviceEntries = new NamespacedMap<ServiceEntryConfig>();
  private readonly kubeServices = new NamespacedMap<KubeServiceConfig>();
  private readonly slices = new Map<string, Config>();
  private readonly pods = new Map<string, PodConfig>();
  /** Node name → its locality, for the nodes that have one (a node without is as good as unknown). */
  private readonly nodeLocalities = new Map<string, Locality>();
  /** namespace → workload key → workload (WorkloadEntries and Pods with an address). */
  private readonly workloads = new Map<string, Map<string, WorkloadInstance>>();
  // Indexes between inputs.
  private readonly slicesOfService = new Map<string, Set<string>>();
  private readonly slicesOfPod = new Map<string, Set<string>>();
  private readonly podsOfSlice = new Map<string, string[]>();
  /** Node name → keys of the pods scheduled on it. */
  private readonly podsOnNode = new Map<string, Set<string>>();
  // Derived state.
  private readonly servicesBySource = new Map<string, readonly Service[]>();
  private readonly servicesByHost = new Map<string, Service[]>();
  private readonly shards = new EndpointShards();
  /** hostname → the service accounts its endpoints run as (`ns/sa`, sorted, `,`-joined); absent = none. */
  private readonly accountsByHost = new Map<string, string>();
  private sortedServices: readonly Service[] | undefined;
  private readonly nodeLocality = (nodeName: string): Locality | undefined => this.nodeLocalities.get(nodeName);

  constructor(options: ServiceRegistryOptions = {}) {
    this.domainSuffix = options.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
  }

  /** Loads every registry object a snapshot holds (the initial sync); returns what was read. */
  static fromSnapshot(source: ConfigSnapshotSource, options: ServiceRegistryOptions = {}): ServiceRegistry {
    const registry = new ServiceRegistry(options);
    registry.load(source);
    return registry;
  }

  load(source: ConfigSnapshotSource): RegistryUpdate {
    const update = new UpdateBuilder();
    for (const kind of REGISTRY_KINDS) {
      for (const config of source.list(kind)) this.applyTo({ type: 'add', config }, update);
    }
    this.noteIdentityChanges(update);
    return update;
  }

  /** Applies one change; kinds the registry does not read give an empty update. */
  apply(change: ConfigChange): RegistryUpdate {
    const update = new UpdateBuilder();
    this.applyTo(change, update);
    this.noteIdentityChanges(update);
    return update;
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  services(): readonly Service[] {
    if (!this.sortedServices) {
      this.sortedServices = Object.freeze(sortedByCreation([...this.servicesBySource.values()].flat()));
    }
    return this.sortedServices;
  }

  /**
   * The service of a hostname (in a namespace, when given). When several sources declare the
   * hostname, a Kubernetes Service wins (a ServiceEntry cannot squat a cluster name), then the
   * oldest, as in Istio.
   */
  service(hostname: string, namespace?: string): Service | undefined {
    const candidates = (this.servicesByHost.get(hostname) ?? []).filter(
      (service) => namespace === undefined || service.namespace === namespace,
    );
    return preferredService(candidates);
  }

  /** Endpoints of a hostname's port (by service port name), in one namespace or all of them. */
  endpoints(hostname: string, portName: string, namespace?: string): readonly Endpoint[] {
    const view = this.shards.view(hostname);
    if (!view) return [];
    if (namespace !== undefined) return view.get(namespace)?.get(portName) ?? [];
    return [...view.values()].flatMap((byPort) => byPort.get(portName) ?? []);
  }

  endpointsByHost(hostname: string): HostEndpoints | undefined {
    return this.shards.view(hostname);
  }

  endpointHostnames(): Iterable<string> {
    return this.shards.hostnames();
  }

  /** Workloads known for selection (WorkloadEntries, and Pods with an IP), for debug output. */
  workloadInstances(namespace?: string): WorkloadInstance[] {
    const namespaces = namespace === undefined ? [...this.workloads.values()] : [this.workloads.get(namespace)];
    return namespaces.flatMap((byKey) => [...(byKey?.values() ?? [])]);
  }

  /** Number of endpoints held, for debug output. */
  endpointCount(): number {
    return this.shards.size();
  }

  // ------------------------------------------------------------------------------------------
  // Changes

  private applyTo(change: ConfigChange, update: UpdateBuilder): void {
    const config = change.config;
    const deleted = change.type === 'delete';
    if (isConfigOfKind(config, 'ServiceEntry')) this.onServiceEntry(config, deleted, update);
    else if (isConfigOfKind(config, 'WorkloadEntry')) this.onWorkloadEntry(config, deleted, update);
    else if (isConfigOfKind(config, 'Service')) this.onKubeService(config, deleted, update);
    else if (isConfigOfKind(config, 'EndpointSlice')) this.onEndpointSlice(config, deleted, update);
    else if (isConfigOfKind(config, 'Pod')) this.onPod(config, deleted, update);
    else if (isConfigOfKind(config, 'Node')) this.onNode(config, deleted, update);
  }

  private onServiceEntry(config: ServiceEntryConfig, deleted: boolean, update: UpdateBuilder): void {
    const key = configKey(config);
    const previous = this.serviceEntries.get(config.namespace, key);
    if (deleted) this.serviceEntries.delete(config.namespace, key);
    else this.serviceEntries.set(config.namespace, key, config);
    const services = deleted ? [] : servicesFromServiceEntry(config);
    this.setServices(key, services, update);
    update.eds(this.shards.replace(key, deleted ? [] : ownEndpointsOfServiceEntry(config, services)));
    for (const workload of this.workloads.get(config.namespace)?.values() ?? []) {
      const selectedBefore = previous !== undefined && serviceEntrySelects(previous, workload);
      const selectedNow = !deleted && serviceEntrySelects(config, workload);
      if (selectedBefore || selectedNow) this.recomputeWorkload(workload, update);
    }
  }

  private onWorkloadEntry(config: Config, deleted: boolean, update: UpdateBuilder): void {
    if (!isConfigOfKind(config, 'WorkloadEntry')) return;
    const key = configKey(config);
    const workload = deleted ? undefined : workloadFromWorkloadEntry(config);
    this.setWorkload(config.namespace, key, workload);
    if (workload) this.recomputeWorkload(workload, update);
    else update.eds(this.shards.remove(key));
  }

  private onPod(config: PodConfig, deleted: boolean, update: UpdateBuilder): void {
    const key = configKey(config);
    const previous = this.pods.get(key);
    const previousNode = previous && nodeNameOf(previous);
    if (previousNode !== undefined) removeFromIndex(this.podsOnNode, previousNode, key);
    if (deleted) this.pods.delete(key);
    else {
      this.pods.set(key, config);
      const nodeName = nodeNameOf(config);
      if (nodeName !== undefined) addToIndex(this.podsOnNode, nodeName, key);
    }
    update.issues.push(...this.recomputePodWorkload(key, config.namespace, update));
    // Slices pointing at the pod take its labels, service account and locality.
    for (const sliceKey of this.slicesOfPod.get(key) ?? []) this.recomputeSlice(sliceKey, update);
  }

  /**
   * A Node's locality is its pods' (unless a pod overrides it). Nodes change often (status,
   * heartbeats) but their topology labels rarely: only a change of the locality itself recomputes
   * the pods on the node, each slice once however many of its pods the node runs.
   */
  private onNode(config: ConfigOfKind<'Node'>, deleted: boolean, update: UpdateBuilder): void {
    const before = this.nodeLocalities.get(config.name);
    const after = deleted ? undefined : localityOfNode(config.labels);
    if (sameLocality(before, after)) return;
    if (after) this.nodeLocalities.set(config.name, after);
    else this.nodeLocalities.delete(config.name);
    const sliceKeys = new Set<string>();
    for (const podKey of this.podsOnNode.get(config.name) ?? []) {
      const pod = this.pods.get(podKey);
      if (!pod) continue;
      // The pod's own issues were reported when it was applied.
      this.recomputePodWorkload(podKey, pod.namespace, update);
      for (const sliceKey of this.slicesOfPod.get(podKey) ?? []) sliceKeys.add(sliceKey);
    }
    for (const sliceKey of sliceKeys) this.recomputeSlice(sliceKey, update);
  }

  /** A pod's workload (for ServiceEntry selection) and its shard, from the pod as now stored (none once deleted). */
  private recomputePodWorkload(key: string, namespace: string, update: UpdateBuilder): ConfigIssue[] {
    const pod = this.pods.get(key);
    const read = pod ? workloadFromPod(pod, this.nodeLocality) : { issues: [] };
    this.setWorkload(namespace, key, read.workload);
    if (read.workload) this.recomputeWorkload(read.workload, update);
    else update.eds(this.shards.remove(key));
    return read.issues;
  }

  private onKubeService(config: KubeServiceConfig, deleted: boolean, update: UpdateBuilder): void {
    const key = configKey(config);
    const previous = this.kubeServices.get(config.namespace, key);
    if (deleted) this.kubeServices.delete(config.namespace, key);
    else this.kubeServices.set(config.namespace, key, config);
    const service = deleted ? undefined : serviceFromKubernetes(config, this.domainSuffix);
    this.setServices(key, service ? [service] : [], update);
    update.eds(this.shards.replace(key, service ? externalNameEndpoints(service) : []));
    // Slice endpoints are matched to the service's ports by name: recompute them.
    for (const sliceKey of this.slicesOfService.get(key) ?? []) this.recomputeSlice(sliceKey, update);
    for (const workload of this.workloads.get(config.namespace)?.values() ?? []) {
      if (workload.kind !== 'WorkloadEntry') continue;
      const selectedBefore = previous !== undefined && serviceSelectorMatches(previous.spec.selector, workload.labels);
      const selectedNow = !deleted && serviceSelectorMatches(config.spec.selector, workload.labels);
      if (selectedBefore || selectedNow) this.recomputeWorkload(workload, update);
    }
  }

  private onEndpointSlice(config: Config, deleted: boolean, update: UpdateBuilder): void {
    const key = configKey(config);
    const previous = this.slices.get(key);
    if (previous) {
      const serviceName = serviceNameOfSlice(previous);
      if (serviceName) removeFromIndex(this.slicesOfService, serviceKey(previous.namespace, serviceName), key);
      for (const podKey of this.podsOfSlice.get(key) ?? []) removeFromIndex(this.slicesOfPod, podKey, key);
      this.podsOfSlice.delete(key);
    }
    if (deleted) {
      this.slices.delete(key);
      update.eds(this.shards.remove(key));
      return;
    }
    this.slices.set(key, config);
    const serviceName = serviceNameOfSlice(config);
    if (serviceName) addToIndex(this.slicesOfService, serviceKey(config.namespace, serviceName), key);
    const podKeys = podKeysOfSlice(config);
    this.podsOfSlice.set(key, podKeys);
    for (const podKey of podKeys) addToIndex(this.slicesOfPod, podKey, key);
    this.recomputeSlice(key, update);
  }

  private recomputeSlice(sliceKey: string, update: UpdateBuilder): void {
    const slice = this.slices.get(sliceKey);
    const serviceName = slice && serviceNameOfSlice(slice);
    const kubeService = serviceName
      ? this.kubeServices.get(slice.namespace, serviceKey(slice.namespace, serviceName))
      : undefined;
    const service = kubeService ? this.servicesBySource.get(configKey(kubeService))?.[0] : undefined;
    if (!slice || !kubeService || !service) {
      update.eds(this.shards.remove(sliceKey));
      return;
    }
    const { endpoints, issues } = endpointsFromEndpointSlice(
      slice,
      service,
      kubeService.spec.publishNotReadyAddresses === true,
      (namespace, name) => this.pods.get(configKey({ kind: 'Pod', namespace, name })),
      this.nodeLocality,
    );
    update.issues.push(...issues);
    update.eds(this.shards.replace(sliceKey, endpoints));
  }

  /**
   * A workload's shard: its endpoints for every ServiceEntry of its namespace selecting it, and
   * (WorkloadEntries only: pods reach Services through EndpointSlices) every Kubernetes Service of
   * its namespace whose selector matches it, as Istio does for VMs.
   */
  private recomputeWorkload(workload: WorkloadInstance, update: UpdateBuilder): void {
    const endpoints: Endpoint[] = [];
    for (const entry of this.serviceEntries.in(workload.namespace)) {
      if (!serviceEntrySelects(entry, workload)) continue;
      for (const service of this.servicesBySource.get(configKey(entry)) ?? []) {
        endpoints.push(...endpointsOfWorkload(workload, service));
      }
    }
    if (workload.kind === 'WorkloadEntry') {
      for (const kubeService of this.kubeServices.in(workload.namespace)) {
        if (!serviceSelectorMatches(kubeService.spec.selector, workload.labels)) continue;
        for (const service of this.servicesBySource.get(configKey(kubeService)) ?? []) {
          endpoints.push(...endpointsOfWorkload(workload, service));
        }
      }
    }
    update.eds(this.shards.replace(workload.key, endpoints));
  }

  /**
   * Promotes hosts whose endpoints now run as a different set of service accounts from
   * endpoints-only to service changes (a full push): CDS carries the SANs a client verifies
   * (`PushContext.serviceAccountsFor`). The services' source keys go to `configsUpdated` so the
   * push reaches exactly the proxies that see them. A host with no service has no cluster to fix.
   */
  private noteIdentityChanges(update: UpdateBuilder): void {
    for (const hostname of update.edsHosts) {
      const before = this.accountsByHost.get(hostname) ?? '';
      const after = this.serviceAccountsOfHost(hostname);
      if (after === before) continue;
      if (after) this.accountsByHost.set(hostname, after);
      else this.accountsByHost.delete(hostname);
      const services = this.servicesByHost.get(hostname) ?? [];
      if (services.length === 0) continue;
      update.servicesChanged.add(hostname);
      for (const service of services) update.configsUpdated.add(service.sourceKey);
    }
  }

  private serviceAccountsOfHost(hostname: string): string {
    const accounts = new Set<string>();
    for (const byPort of this.shards.view(hostname)?.values() ?? []) {
      for (const endpoints of byPort.values()) {
        for (const endpoint of endpoints) {
          if (endpoint.serviceAccount) accounts.add(`${endpoint.namespace}/${endpoint.serviceAccount}`);
        }
      }
    }
    return [...accounts].sort(compareText).join(',');
  }

  private setWorkload(namespace: string, key: string, workload: WorkloadInstance | undefined): void {
    let byKey = this.workloads.get(namespace);
    if (workload) {
      if (!byKey) this.workloads.set(namespace, (byKey = new Map()));
      byKey.set(key, workload);
    } else {
      byKey?.delete(key);
      if (byKey && byKey.size === 0) this.workloads.delete(namespace);
    }
  }

  /** Replaces the services a source declares, recording which hostnames' definitions changed. */
  private setServices(sourceKey: string, services: readonly Service[], update: UpdateBuilder): void {
    const before = this.servicesBySource.get(sourceKey) ?? [];
    const beforeByHost = new Map(before.map((service) => [service.hostname, service]));
    const afterByHost = new Map(services.map((service) => [service.hostname, service]));
    const changedHosts: string[] = [];
    for (const hostname of new Set([...beforeByHost.keys(), ...afterByHost.keys()])) {
      const a = beforeByHost.get(hostname);
      const b = afterByHost.get(hostname);
      if (a && b && JSON.stringify(a) === JSON.stringify(b)) continue;
      changedHosts.push(hostname);
    }
    if (services.length > 0) this.servicesBySource.set(sourceKey, services);
    else this.servicesBySource.delete(sourceKey);
    if (changedHosts.length === 0) return;
    for (const hostname of changedHosts) {
      const others = (this.servicesByHost.get(hostname) ?? []).filter((service) => service.sourceKey !== sourceKey);
      const added = afterByHost.get(hostname);
      const next = added ? [...others, added] : others;
      if (next.length > 0) this.servicesByHost.set(hostname, next);
      else this.servicesByHost.delete(hostname);
      update.servicesChanged.add(hostname);
    }
    update.configsUpdated.add(sourceKey);
    this.sortedServices = undefined;
  }
}

/** The service to use among several with one hostname: Kubernetes first, then the oldest. */
export function preferredService(candidates: readonly Service[]): Service | undefined {
  let best: Service | undefined;
  for (const candidate of candidates) {
    if (!best) best = candidate;
    else if (candidate.registry === 'Kubernetes' && best.registry !== 'Kubernetes') best = candidate;
    else if (candidate.registry === best.registry && byCreation(candidate, best) < 0) best = candidate;
  }
  return best;
}

/**
 * The push a registry update calls for: full when a service definition changed (reason
 * `service`), EDS-only for `edsHosts` when only endpoints did (reason `endpoint`), none when the
 * change touched nothing the proxies see.
 */
export function pushRequestForRegistryUpdate(update: RegistryUpdate, start: number): PushRequest | undefined {
  if (update.servicesChanged.size > 0) {
    return pushRequest({
      reason: 'service',
      start,
      full: true,
      configsUpdated: new Set(update.configsUpdated),
      edsHosts: new Set(update.edsHosts),
    });
  }
  if (update.edsHosts.size > 0) {
    return pushRequest({ reason: 'endpoint', start, full: false, edsHosts: new Set(update.edsHosts) });
  }
  return undefined;
}

/** Text for logs: `ServiceEntry default/x: 2 services changed, 3 hosts with new endpoints`. */
export function describeRegistryUpdate(config: Config, update: RegistryUpdate): string {
  return `${describeConfig(config)}: ${update.servicesChanged.size} services changed, ${update.edsHosts.size} hosts with new endpoints`;
}

/** Objects by namespace, then key: selection only ever looks within one namespace. */
class NamespacedMap<T> {
  private readonly byNamespace = new Map<string, Map<string, T>>();

  get(namespace: string, key: string): T | undefined {
    return this.byNamespace.get(namespace)?.get(key);
  }

  set(namespace: string, key: string, value: T): void {
    let byKey = this.byNamespace.get(namespace);
    if (!byKey) this.byNamespace.set(namespace, (byKey = new Map()));
    byKey.set(key, value);
  }

  delete(namespace: string, key: string): void {
    const byKey = this.byNamespace.get(namespace);
    byKey?.delete(key);
    if (byKey && byKey.size === 0) this.byNamespace.delete(namespace);
  }

  in(namespace: string): Iterable<T> {
    return this.byNamespace.get(namespace)?.values() ?? [];
  }
}

function sameLocality(a: Locality | undefined, b: Locality | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.region === b.region && a.zone === b.zone && a.subzone === b.subzone;
}

function serviceKey(namespace: string, name: string): string {
  return configKey({ kind: 'Service', namespace, name });
}

function addToIndex(index: Map<string, Set<string>>, key: string, value: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function removeFromIndex(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  set?.delete(value);
  if (set && set.size === 0) index.delete(key);
}
