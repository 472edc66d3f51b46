/**
 * A SidecarScope: what one namespace's sidecars (or the workloads one Sidecar selects) may reach,
 * computed from a Sidecar resource, or the default "everything visible" when none applies.
 *
 * - Each egress listener's `hosts` (`namespace/host`; `.` = the namespace the scope is for, `*`
 *   = any) select the services visible to the namespace whose hostname intersects a host of an
 *   entry for the service's namespace, and the mesh-bound VirtualServices visible to the
 *   namespace likewise (by the VirtualService's namespace and hosts). A listener with a port only
 *   keeps services having that port, trimmed to it.
 * - Destinations of the selected VirtualServices are added as services when the hosts did not
 *   already bring them (the service in the scope's namespace, else the first namespace
 *   alphabetically that exports it to the scope's namespace), as Istio does.
 * - One service per hostname: the scope's namespace wins, then a Kubernetes Service over a
 *   ServiceEntry, then the first (oldest).
 * - outboundTrafficPolicy: the Sidecar's, else the mesh's.
 *
 * The scope also records the config keys it depends on (VirtualServices and the delegates their
 * routes come from, DestinationRules, service sources, the Sidecar) so a push can skip proxies a
 * change cannot affect.
 */
import {
  configKey,
  hostsIntersect,
  parseNamespacedHost,
  type ConfigOfKind,
  type IstioIngressListener,
  type NamespacedHost,
  type OutboundTrafficPolicy,
  type SidecarPort,
} from '@mesh/config-model';
import { compareText } from '../ordering';
import type { Service } from '../service';
import type { DestinationRuleIndex, MergedDestinationRule } from './destination-rules';
import type { ServiceIndex } from './service-index';
import {
  MESH_GATEWAY,
  virtualServiceDestinations,
  type VirtualServiceConfig,
  type VirtualServiceIndex,
} from './virtual-services';

export type SidecarConfig = ConfigOfKind<'Sidecar'>;

export interface EgressListenerScope {
  /** Absent: the catch-all listener. */
  readonly port?: SidecarPort;
  readonly bind?: string;
  readonly captureMode?: string;
  /** The listener's hosts, `.` resolved. */
  readonly hosts: readonly NamespacedHost[];
  readonly services: readonly Service[];
  readonly virtualServices: readonly VirtualServiceConfig[];
}

export interface ScopeOutboundTrafficPolicy {
  readonly mode: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  readonly egressProxy?: OutboundTrafficPolicy['egressProxy'];
}

export interface SidecarScope {
  /** The namespace the scope was computed for (the proxy's). */
  readonly namespace: string;
  /** The Sidecar resource in force; undefined for the default scope. */
  readonly sidecar?: SidecarConfig;
  readonly egressListeners: readonly EgressListenerScope[];
  readonly ingressListeners: readonly IstioIngressListener[];
  /** Union of the listeners' services plus VirtualService destinations, one per hostname. */
  readonly services: readonly Service[];
  /** Union of the listeners' VirtualServices, oldest first. */
  readonly virtualServices: readonly VirtualServiceConfig[];
  readonly outboundTrafficPolicy: ScopeOutboundTrafficPolicy;
  /** DestinationRules (per `lookup`) of each service in scope, by hostname. */
  readonly destinationRules: ReadonlyMap<string, readonly MergedDestinationRule[]>;
  /** Config keys this scope was computed from. */
  readonly configDependencies: ReadonlySet<string>;
  /** The service of a hostname in this scope. */
  service(hostname: string): Service | undefined;
}

export interface ScopeInputs {
  readonly services: ServiceIndex;
  readonly virtualServices: VirtualServiceIndex;
  readonly destinationRules: DestinationRuleIndex;
  readonly meshOutboundMode: 'ALLOW_ANY' | 'REGISTRY_ONLY';
}

const EVERYTHING: readonly string[] = ['*/*'];

/** Computes the scope of `sidecar` (or the default scope) for proxies of `namespace`. */
export function buildSidecarScope(inputs: ScopeInputs, namespace: string, sidecar?: SidecarConfig): SidecarScope {
  const egressSpecs =
    sidecar?.spec.egress && sidecar.spec.egress.length > 0 ? sidecar.spec.egress : [{ hosts: [...EVERYTHING] }];
  const visible = inputs.services.visibleTo(namespace);
  const meshVirtualServices = inputs.virtualServices.forGateway(MESH_GATEWAY, namespace);

  const egressListeners: EgressListenerScope[] = egressSpecs.map((egress) => {
    const hosts = egress.hosts.map((entry) => parseNamespacedHost(entry, namespace)).filter((h) => h.namespace !== '~');
    const selects = (candidateNamespace: string, host: string) =>
      hosts.some((h) => (h.namespace === '*' || h.namespace === candidateNamespace) && hostsIntersect(h.host, host));
    const port = egress.port?.number;
    const services = onePerHostname(
      visible
        .filter((service) => selects(service.namespace, service.hostname))
        .map((service) => (port === undefined ? service : trimToPort(service, port)))
        .filter((service): service is Service => service !== undefined),
      namespace,
    );
    const virtualServices = meshVirtualServices.filter((vs) =>
      (vs.spec.hosts ?? []).some((host) => selects(vs.namespace, host)),
    );
    return dropUndefinedFields({
      port: egress.port,
      bind: egress.bind,
      captureMode: egress.captureMode,
      hosts,
      services,
      virtualServices,
    });
  });

  // Services from the hosts first (they win), then VirtualService destinations.
  const byHostname = new Map<string, Service>();
  for (const listener of egressListeners) {
    for (const service of listener.services)
      if (!byHostname.has(service.hostname)) byHostname.set(service.hostname, service);
  }
  for (const listener of egressListeners) {
    for (const vs of listener.virtualServices) {
      for (const host of virtualServiceDestinations(vs.spec, namespace).keys()) {
        if (byHostname.has(host)) continue;
        const service = destinationService(inputs.services, host, namespace);
        const port = listener.port?.number;
        const scoped = service && (port === undefined ? service : trimToPort(service, port));
        if (scoped) byHostname.set(host, scoped);
      }
    }
  }
  const services = Object.freeze([...byHostname.values()]);
  const selectedVirtualServices = new Set(egressListeners.flatMap((listener) => listener.virtualServices));
  const virtualServices = Object.freeze(inputs.virtualServices.all.filter((vs) => selectedVirtualServices.has(vs)));

  const destinationRules = new Map<string, readonly MergedDestinationRule[]>();
  const dependencies = new Set<string>();
  if (sidecar) dependencies.add(configKey(sidecar));
  for (const vs of virtualServices) {
    dependencies.add(configKey(vs));
    // A root's routes come from its delegates too: a change to one (or its creation) changes them.
    for (const delegate of inputs.virtualServices.delegatesOf(vs)) dependencies.add(delegate);
  }
  for (const service of services) {
    dependencies.add(service.sourceKey);
    const rules = inputs.destinationRules.lookup(namespace, service.hostname, service.namespace);
    if (rules.length === 0) continue;
    destinationRules.set(service.hostname, rules);
    for (const rule of rules) for (const key of rule.from) dependencies.add(key);
  }

  const policy = sidecar?.spec.outboundTrafficPolicy;
  const outboundTrafficPolicy: ScopeOutboundTrafficPolicy = policy?.mode
    ? dropUndefinedFields({ mode: policy.mode, egressProxy: policy.egressProxy })
    : { mode: inputs.meshOutboundMode };

  return Object.freeze({
    namespace,
    ...(sidecar ? { sidecar } : {}),
    egressListeners: Object.freeze(egressListeners),
    ingressListeners: Object.freeze([...(sidecar?.spec.ingress ?? [])]),
    services,
    virtualServices,
    outboundTrafficPolicy,
    destinationRules,
    configDependencies: dependencies,
    service: (hostname: string) => byHostname.get(hostname),
  });
}

/**
 * Kinds a scope tracks precisely; a change to another kind may affect any proxy (PeerAuthentication,
 * for one, changes what clients send under auto mTLS) except the namespace-local policies below.
 */
const SCOPED_KINDS = new Set(['VirtualService', 'DestinationRule', 'ServiceEntry', 'Service', 'Sidecar']);
const NAMESPACE_POLICY_KINDS = new Set(['AuthorizationPolicy', 'RequestAuthentication', 'Telemetry']);

/**
 * Could a change to `key` (`Kind/ns/name`) change what proxies of this scope get? Check against
 * the scope of the PushContext before the change and the one after it: a new VirtualService is only
 * in the new scope's dependencies, a deleted one only in the old one's.
 */
export function scopeDependsOnConfig(scope: SidecarScope, key: string, rootNamespace: string): boolean {
  const [kind, namespace] = key.split('/');
  if (SCOPED_KINDS.has(kind)) return scope.configDependencies.has(key);
  if (NAMESPACE_POLICY_KINDS.has(kind)) return namespace === rootNamespace || namespace === scope.namespace;
  return true;
}

function trimToPort(service: Service, port: number): Service | undefined {
  const matching = service.ports.filter((p) => p.port === port);
  if (matching.length === 0) return undefined;
  return matching.length === service.ports.length ? service : { ...service, ports: matching };
}

function onePerHostname(services: readonly Service[], namespace: string): Service[] {
  const chosen = new Map<string, Service>();
  for (const service of services) {
    const existing = chosen.get(service.hostname);
    if (
      !existing ||
      (service.namespace === namespace && existing.namespace !== namespace) ||
      (existing.namespace !== namespace && existing.registry !== 'Kubernetes' && service.registry === 'Kubernetes')
    ) {
      chosen.set(service.hostname, service);
    }
  }
  return services.filter((service) => chosen.get(service.hostname) === service);
}

function destinationService(index: ServiceIndex, host: string, namespace: string): Service | undefined {
  const byNamespace = index.byNamespace(host);
  const own = byNamespace.get(namespace);
  if (own) return own;
  for (const candidate of [...byNamespace.keys()].sort(compareText)) {
    const service = byNamespace.get(candidate)!;
    if (index.isVisible(service, namespace)) return service;
  }
  return undefined;
}

function dropUndefinedFields<T extends object>(object: T): T {
  for (const key of Object.keys(object) as (keyof T)[]) if (object[key] === undefined) delete object[key];
  return object;
}
