/**
 * The PushContext: an immutable, indexed snapshot of everything the xDS generators read, built
 * from the config snapshot, service discovery and the MeshConfig. Generators read only through
 * it and the Proxy (never the store or the registry directly), so a push's output depends on
 * nothing outside (PushContext version, proxy): Istio's regret of generators reading inputs
 * outside their cache key does not happen here.
 *
 * Three ways to get one:
 * - `PushContext.build(inputs)`: from scratch;
 * - `PushContext.update(previous, request, inputs)`: after a debounced full push, recomputes only
 *   the indexes of the kinds in `request.configsUpdated` and shares the others (Istio's
 *   updateContext); an empty `configsUpdated` means "unknown", and rebuilds everything;
 * - `previous.updateEndpoints(hosts, discovery)`: an incremental (EDS) change: a new context
 *   sharing every index but the endpoints, of which only `hosts` are re-read.
 */
import {
  configKey,
  DEFAULT_DOMAIN_SUFFIX,
  type Config,
  type ConfigOfKind,
  type Kind,
  type MeshConfig,
  type WorkloadRef,
} from '@mesh/config-model';
import type { ConfigSnapshotSource } from './config-source';
import {
  selectDestinationRule,
  DestinationRuleIndex,
  type MergedDestinationRule,
} from './push-context/destination-rules';
import { gatewayName, GatewayIndex, type GatewayConfig } from './push-context/gateways';
import { composePeerAuthentication, PolicyIndex, type EffectivePeerAuthentication } from './push-context/policies';
import { ServiceIndex } from './push-context/service-index';
import {
  buildSidecarScope,
  scopeDependsOnConfig,
  type SidecarConfig,
  type SidecarScope,
} from './push-context/sidecar-scope';
import {
  MESH_GATEWAY,
  VirtualServiceIndex,
  type DelegationProblem,
  type VirtualServiceConfig,
} from './push-context/virtual-services';
import { byCreation } from './ordering';
import type { Proxy } from './proxy';
import type { PushRequest } from './push-request';
import type { HostEndpoints } from './registry/endpoint-shards';
import type { ServiceDiscovery } from './registry/service-registry';
import type { Endpoint, Service } from './service';

export interface PushContextInputs {
  readonly config: ConfigSnapshotSource;
  readonly discovery: ServiceDiscovery;
  readonly mesh: MeshConfig;
  /** Identifies this snapshot in logs, debug output and xDS version info; unique per push. */
  readonly version: string;
  readonly domainSuffix?: string;
  /** Istio's PILOT_SCOPE_GATEWAY_TO_NAMESPACE: a router only serves Gateways of its namespace. */
  readonly scopeGatewayToNamespace?: boolean;
}

/** The indexes; each is replaced only when its inputs change, and shared otherwise. */
interface Indexes {
  readonly services: ServiceIndex;
  readonly virtualServices: VirtualServiceIndex;
  readonly destinationRules: DestinationRuleIndex;
  readonly gateways: GatewayIndex;
  readonly sidecars: SidecarIndex;
  readonly peerAuthentications: PolicyIndex<'PeerAuthentication'>;
  readonly requestAuthentications: PolicyIndex<'RequestAuthentication'>;
  readonly authorizationPolicies: PolicyIndex<'AuthorizationPolicy'>;
  readonly telemetries: PolicyIndex<'Telemetry'>;
  readonly secrets: ReadonlyMap<string, Config>;
  readonly endpoints: ReadonlyMap<string, HostEndpoints>;
  /** Sidecar scopes computed so far; valid as long as services, VS, DR and sidecars are the same. */
  readonly scopes: Map<string, SidecarScope>;
}

/** Sidecar resources by namespace: those with a selector first, each group oldest first. */
class SidecarIndex {
  private readonly byNamespace = new Map<string, SidecarConfig[]>();

  constructor(configs: readonly Config[]) {
    const sorted = [...(configs as readonly SidecarConfig[])].sort(
      (a, b) => Number(!a.spec.workloadSelector) - Number(!b.spec.workloadSelector) || byCreation(a, b),
    );
    for (const sidecar of sorted) {
      let list = this.byNamespace.get(sidecar.namespace);
      if (!list) this.byNamespace.set(sidecar.namespace, (list = []));
      list.push(sidecar);
    }
  }

  /** The Sidecar of a workload: a selector match in its namespace, else the namespace's default. */
  forWorkload(namespace: string, labels: Readonly<Record<string, string>>): SidecarConfig | undefined {
    for (const sidecar of this.byNamespace.get(namespace) ?? []) {
      const selector = sidecar.spec.workloadSelector;
      if (!selector) return sidecar;
      if (Object.entries(selector.labels ?? {}).every(([key, value]) => labels[key] === value)) return sidecar;
    }
    return undefined;
  }

  /** The root namespace's Sidecar without selector: the default of namespaces without their own. */
  meshDefault(rootNamespace: string): SidecarConfig | undefined {
    return this.byNamespace.get(rootNamespace)?.find((sidecar) => !sidecar.spec.workloadSelector);
  }
}

/** Kinds whose change `update` reacts to, and the index each one feeds. */
const KIND_INDEXES: Readonly<Partial<Record<Kind, readonly (keyof Indexes)[]>>> = {
  ServiceEntry: ['services'],
  Service: ['services'],
  VirtualService: ['virtualServices'],
  DestinationRule: ['destinationRules'],
  Gateway: ['gateways'],
  Sidecar: ['sidecars'],
  PeerAuthentication: ['peerAuthentications'],
  RequestAuthentication: ['requestAuthentications'],
  AuthorizationPolicy: ['authorizationPolicies'],
  Telemetry: ['telemetries'],
  Secret: ['secrets'],
};

export class PushContext {
  private constructor(
    readonly version: string,
    readonly mesh: MeshConfig,
    readonly domainSuffix: string,
    private readonly scopeGatewayToNamespace: boolean,
    private readonly indexes: Indexes,
  ) {
    Object.freeze(this);
  }

  static build(inputs: PushContextInputs): PushContext {
    return PushContext.assemble(inputs, undefined, new Set());
  }

  /**
   * The context after a debounced push. Incremental requests (full = false) only re-read the
   * endpoints of `edsHosts`; full requests rebuild the indexes of the kinds in `configsUpdated`
   * (and the endpoints of `edsHosts`), or everything when `configsUpdated` is empty. A MeshConfig
   * change is not a config kind: build a new context for it.
   */
  static update(previous: PushContext, request: PushRequest, inputs: PushContextInputs): PushContext {
    if (!request.full) return previous.updateEndpoints(request.edsHosts, inputs.discovery, inputs.version);
    if (request.configsUpdated.size === 0) return PushContext.build(inputs);
    const stale = new Set<keyof Indexes>();
    for (const key of request.configsUpdated) {
      for (const index of KIND_INDEXES[key.split('/')[0] as Kind] ?? []) stale.add(index);
    }
    return PushContext.assemble(inputs, previous, stale, request.edsHosts);
  }

  private static assemble(
    inputs: PushContextInputs,
    previous: PushContext | undefined,
    stale: ReadonlySet<keyof Indexes>,
    edsHosts: ReadonlySet<string> = new Set(),
  ): PushContext {
    const { config, mesh } = inputs;
    const domainSuffix = inputs.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
    const root = mesh.rootNamespace;
    const old = previous?.indexes;
    const reuse = <K extends keyof Indexes>(name: K, make: () => Indexes[K]): Indexes[K] =>
      old && !stale.has(name) ? old[name] : make();

    const services = reuse(
      'services',
      () => new ServiceIndex(inputs.discovery.services(), mesh.defaultServiceExportTo),
    );
    const virtualServices = reuse(
      'virtualServices',
      () => new VirtualServiceIndex(config.list('VirtualService'), mesh.defaultVirtualServiceExportTo, domainSuffix),
    );
    const destinationRules = reuse(
      'destinationRules',
      () =>
        new DestinationRuleIndex(
          config.list('DestinationRule'),
          root,
          mesh.defaultDestinationRuleExportTo,
          domainSuffix,
        ),
    );
    const sidecars = reuse('sidecars', () => new SidecarIndex(config.list('Sidecar')));
    const scopesValid =
      old !== undefined &&
      services === old.services &&
      virtualServices === old.virtualServices &&
      destinationRules === old.destinationRules &&
      sidecars === old.sidecars;
    const indexes: Indexes = {
      services,
      virtualServices,
      destinationRules,
      sidecars,
      gateways: reuse(
        'gateways',
        () => new GatewayIndex(config.list('Gateway'), inputs.scopeGatewayToNamespace === true),
      ),
      peerAuthentications: reuse('peerAuthentications', () => new PolicyIndex(config.list('PeerAuthentication'), root)),
      requestAuthentications: reuse(
        'requestAuthentications',
        () => new PolicyIndex(config.list('RequestAuthentication'), root),
      ),
      authorizationPolicies: reuse(
        'authorizationPolicies',
        () => new PolicyIndex(config.list('AuthorizationPolicy'), root),
      ),
      telemetries: reuse('telemetries', () => new PolicyIndex(config.list('Telemetry'), root)),
      secrets: reuse('secrets', () => new Map(config.list('Secret').map((secret) => [configKey(secret), secret]))),
      endpoints: old ? withHosts(old.endpoints, edsHosts, inputs.discovery) : snapshotEndpoints(inputs.discovery),
      scopes: scopesValid ? old.scopes : new Map(),
    };
    return new PushContext(inputs.version, mesh, domainSuffix, inputs.scopeGatewayToNamespace === true, indexes);
  }

  /**
   * A context with the endpoints of `hosts` re-read from `discovery` and every other index shared
   * (===) with this one. Cost: the size of the changed hosts' endpoints plus one map copy.
   */
  updateEndpoints(hosts: Iterable<string>, discovery: ServiceDiscovery, version?: string): PushContext {
    const indexes: Indexes = { ...this.indexes, endpoints: withHosts(this.indexes.endpoints, hosts, discovery) };
    return new PushContext(
      version ?? this.version,
      this.mesh,
      this.domainSuffix,
      this.scopeGatewayToNamespace,
      indexes,
    );
  }

  // ------------------------------------------------------------------------------------------
  // Services and endpoints

  /** Every service, oldest first. */
  services(): readonly Service[] {
    return this.indexes.services.all;
  }

  /** The service of a hostname (in a namespace when given; else a Kubernetes one, then the oldest). */
  service(hostname: string, namespace?: string): Service | undefined {
    return this.indexes.services.service(hostname, namespace);
  }

  /** Services a namespace may see (exportTo applied), oldest first. */
  servicesVisibleTo(namespace: string): readonly Service[] {
    return this.indexes.services.visibleTo(namespace);
  }

  /** The services a proxy knows about: its sidecar scope's (routers: everything visible to its namespace). */
  servicesFor(proxy: Proxy): readonly Service[] {
    return this.sidecarScopeFor(proxy).services;
  }

  /** The service a proxy means by a hostname (its scope's choice when several namespaces declare it). */
  serviceFor(proxy: Proxy, hostname: string): Service | undefined {
    return this.sidecarScopeFor(proxy).service(hostname);
  }

  /**
   * Endpoints of a hostname's port (by service port name). With `namespace`, those of the service
   * in that namespace (pass `service.namespace`); without, of every namespace declaring the host.
   */
  endpointsFor(hostname: string, portName: string, namespace?: string): readonly Endpoint[] {
    const view = this.indexes.endpoints.get(hostname);
    if (!view) return [];
    if (namespace !== undefined) return view.get(namespace)?.get(portName) ?? [];
    if (view.size === 1) return view.values().next().value?.get(portName) ?? [];
    return [...view.values()].flatMap((byPort) => byPort.get(portName) ?? []);
  }

  /** Endpoints of a service's port, by port number; empty when the service has no such port. */
  endpointsForServicePort(service: Service, port: number): readonly Endpoint[] {
    const servicePort = service.ports.find((p) => p.port === port);
    return servicePort ? this.endpointsFor(service.hostname, servicePort.name, service.namespace) : [];
  }

  /**
   * SPIFFE identities of a service's endpoints plus its declared subjectAltNames, sorted: what a
   * client verifies the server's certificate against.
   */
  serviceAccountsFor(service: Service): readonly string[] {
    const out = new Set(service.subjectAltNames ?? []);
    const view = this.indexes.endpoints.get(service.hostname)?.get(service.namespace);
    for (const list of view?.values() ?? []) {
      for (const endpoint of list) {
        if (endpoint.serviceAccount) {
          out.add(`spiffe://${this.mesh.trustDomain}/ns/${endpoint.namespace}/sa/${endpoint.serviceAccount}`);
        }
      }
    }
    return [...out].sort();
  }

  // ------------------------------------------------------------------------------------------
  // Routing config

  /**
   * The resolved VirtualServices a proxy applies for `gateways` (`mesh` and/or `ns/name`). Default
   * gateways: `mesh` for sidecars (filtered by the sidecar scope's egress hosts), the names of
   * `gatewaysFor(proxy)` for routers. Gateway-bound ones come filtered by exportTo for the proxy's
   * namespace. Oldest first, each once.
   */
  virtualServicesFor(proxy: Proxy, gateways?: readonly string[]): readonly VirtualServiceConfig[] {
    const names = gateways ?? (proxy.type === 'router' ? this.gatewaysFor(proxy).map(gatewayName) : [MESH_GATEWAY]);
    const seen = new Set<VirtualServiceConfig>();
    for (const name of names) {
      const list =
        name === MESH_GATEWAY
          ? this.sidecarScopeFor(proxy).virtualServices
          : this.indexes.virtualServices.forGateway(name, proxy.namespace);
      for (const vs of list) seen.add(vs);
    }
    return this.indexes.virtualServices.all.filter((vs) => seen.has(vs));
  }

  /** Every resolved VirtualService with hosts, delegation applied, oldest first (debug output). */
  virtualServices(): readonly VirtualServiceConfig[] {
    return this.indexes.virtualServices.all;
  }

  /** Delegate VirtualServices (no hosts), resolved, as written: they apply only through their roots. */
  delegateVirtualServices(): readonly VirtualServiceConfig[] {
    return this.indexes.virtualServices.delegates;
  }

  /** Delegating routes (or delegate routes) delegation left out, and why: for logs and debug output. */
  delegationProblems(): readonly DelegationProblem[] {
    return this.indexes.virtualServices.delegationProblems;
  }

  /**
   * The DestinationRule for traffic from a proxy to a hostname: Istio's namespace precedence
   * (proxy's namespace, the service's namespace, the root namespace; exportTo), merged rules, and
   * among rules with workload selectors the one matching the proxy.
   */
  destinationRuleFor(proxy: Proxy, hostname: string): MergedDestinationRule | undefined {
    const scope = this.sidecarScopeFor(proxy);
    const service = scope.service(hostname) ?? this.indexes.services.service(hostname);
    const rules =
      (service && scope.destinationRules.get(hostname)) ??
      this.indexes.destinationRules.lookup(proxy.namespace, hostname, service?.namespace);
    return selectDestinationRule(rules, proxy);
  }

  /** The Gateways a router serves (none for sidecars), oldest first. */
  gatewaysFor(proxy: Proxy): readonly GatewayConfig[] {
    if (proxy.type !== 'router') return [];
    return this.indexes.gateways.forWorkload(proxy);
  }

  /** A Secret (gateway credentials by `credentialName`), as of this snapshot. */
  secret(namespace: string, name: string): Config | undefined {
    return this.indexes.secrets.get(configKey({ kind: 'Secret', namespace, name }));
  }

  // ------------------------------------------------------------------------------------------
  // Sidecar scopes

  /**
   * The scope of a proxy: for a sidecar, its namespace's Sidecar selecting it (else the
   * namespace's Sidecar without selector, else the root namespace's, else the default
   * "everything visible"); for a router, the default scope of its namespace.
   */
  sidecarScopeFor(proxy: Proxy): SidecarScope {
    const sidecar =
      proxy.type === 'router'
        ? undefined
        : (this.indexes.sidecars.forWorkload(proxy.namespace, proxy.labels) ??
          this.indexes.sidecars.meshDefault(this.mesh.rootNamespace));
    const cacheKey = `${proxy.namespace}\u0000${sidecar ? configKey(sidecar) : ''}`;
    const cached = this.indexes.scopes.get(cacheKey);
    if (cached) return cached;
    const scope = buildSidecarScope(
      {
        services: this.indexes.services,
        virtualServices: this.indexes.virtualServices,
        destinationRules: this.indexes.destinationRules,
        meshOutboundMode: this.mesh.outboundTrafficPolicy.mode,
      },
      proxy.namespace,
      sidecar,
    );
    this.indexes.scopes.set(cacheKey, scope);
    return scope;
  }

  /** Could a change to `key` (`Kind/ns/name`) affect this proxy? Ask the old and the new context. */
  proxyDependsOn(proxy: Proxy, key: string): boolean {
    if (scopeDependsOnConfig(this.sidecarScopeFor(proxy), key, this.mesh.rootNamespace)) return true;
    // A router also applies the VirtualServices of its Gateways (and their delegates), which its
    // (default) sidecar scope does not list.
    if (proxy.type !== 'router' || !key.startsWith('VirtualService/')) return false;
    const index = this.indexes.virtualServices;
    return this.virtualServicesFor(proxy).some((vs) => configKey(vs) === key || index.delegatesOf(vs).includes(key));
  }

  // ------------------------------------------------------------------------------------------
  // Policies

  peerAuthenticationsFor(workload: WorkloadRef): readonly ConfigOfKind<'PeerAuthentication'>[] {
    return this.indexes.peerAuthentications.forWorkload(workload);
  }

  /** The mTLS mode (and per-port modes) a workload's inbound side enforces. */
  effectivePeerAuthentication(workload: WorkloadRef): EffectivePeerAuthentication {
    return composePeerAuthentication(this.peerAuthenticationsFor(workload), this.mesh.rootNamespace);
  }

  requestAuthenticationsFor(workload: WorkloadRef): readonly ConfigOfKind<'RequestAuthentication'>[] {
    return this.indexes.requestAuthentications.forWorkload(workload);
  }

  authorizationPoliciesFor(workload: WorkloadRef): readonly ConfigOfKind<'AuthorizationPolicy'>[] {
    return this.indexes.authorizationPolicies.forWorkload(workload);
  }

  telemetriesFor(workload: WorkloadRef): readonly ConfigOfKind<'Telemetry'>[] {
    return this.indexes.telemetries.forWorkload(workload);
  }

  /**
   * Whether two contexts share an index (===): for tests and for caches keyed by index identity.
   * Names: services, virtualServices, destinationRules, gateways, sidecars, peerAuthentications,
   * requestAuthentications, authorizationPolicies, telemetries, secrets, endpoints, scopes.
   */
  sharesIndex(other: PushContext, name: keyof Indexes): boolean {
    return this.indexes[name] === other.indexes[name];
  }
}

function snapshotEndpoints(discovery: ServiceDiscovery): Map<string, HostEndpoints> {
  const out = new Map<string, HostEndpoints>();
  for (const hostname of discovery.endpointHostnames()) {
    const view = discovery.endpointsByHost(hostname);
    if (view) out.set(hostname, view);
  }
  return out;
}

function withHosts(
  previous: ReadonlyMap<string, HostEndpoints>,
  hosts: Iterable<string>,
  discovery: ServiceDiscovery,
): ReadonlyMap<string, HostEndpoints> {
  const next = new Map(previous);
  for (const hostname of hosts) {
    const view = discovery.endpointsByHost(hostname);
    if (view) next.set(hostname, view);
    else next.delete(hostname);
  }
  return next;
}
