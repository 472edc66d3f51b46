/**
 * The push path of the control plane, as Istio runs it:
 *
 *   store event ─► registry.apply / triggers (an allow-list of kinds) ─► Debouncer (quiet 100 ms,
 *   at most 10 s) ─► PushContext.update (full) or updateEndpoints (endpoint-only) ─► server.pushAll
 *
 * The store only emits valid objects (it validates before serving), so invalid config never reaches
 * the registry, the PushContext or a generator. The controller owns the current PushContext and is
 * ready once the store's initial load is in and the first PushContext has been handed to the server.
 */
import { performance } from 'node:perf_hooks';
import { formatIssue, type ConfigIssue, type MeshConfig } from '@mesh/config-model';
import type { ConfigEvent, ConfigStore } from '@mesh/config-store';
import {
  Debouncer,
  pushRequestForChange,
  PushContext,
  ServiceRegistry,
  type DebounceClock,
  type DebouncedBatch,
  type DelegationProblem,
  type Proxy,
  type PushContextInputs,
  type PushRequest,
  type RegistryUpdate,
  type TriggerReason,
} from '@mesh/mesh-model';
import { sortByPushOrder } from '@mesh/xds';
import type { GeneratedResources, GeneratorRegistry, PushContextLike, WatchedResource, XdsLogger } from '../xds-server';
import { ControllerMetricsRecorder, type ControllerMetrics, type InboundUpdateType } from './controller-metrics';
import { componentLogger } from './logging';
import type { DebounceSettings } from './settings';

/** What the controller needs of the ADS server (DiscoveryServer satisfies it). */
export interface PushTarget<P extends PushContextLike> {
  setPushContext(push: P): void;
  pushAll(request: PushRequest, push: P): number;
}

export interface DiscoveryControllerOptions {
  readonly store: ConfigStore;
  readonly mesh: MeshConfig;
  readonly generators: GeneratorRegistry<PushContext>;
  readonly server: PushTarget<PushContext>;
  /** DNS suffix of Kubernetes service hostnames (default cluster.local). */
  readonly domainSuffix?: string;
  readonly debounce?: Partial<DebounceSettings>;
  readonly metrics?: ControllerMetrics;
  readonly logger?: XdsLogger;
  /** Timers of the debounce (tests pass a manual clock). */
  readonly clock?: DebounceClock;
}

/** The last debounced push, for /debug/push_status and logs. */
export interface PushSummary {
  readonly version: string;
  readonly at: string;
  readonly full: boolean;
  readonly reasons: Readonly<Partial<Record<TriggerReason, number>>>;
  readonly configsUpdated: readonly string[];
  readonly edsHosts: readonly string[];
  /** Events merged into the push, and how long the first of them waited (ms). */
  readonly events: number;
  readonly debounceMs: number;
  /** Connected proxies the push was queued for. */
  readonly proxies: number;
}

export interface ControllerStatus {
  readonly ready: boolean;
  readonly version?: string;
  readonly services: number;
  readonly virtualServices: number;
  /** Debounced pushes since start (the initial PushContext is not one). */
  readonly pushes: number;
  /** Events waiting in the debounce now. */
  readonly pendingEvents: number;
  readonly lastPush?: PushSummary;
}

/** One type generated for a proxy on demand (config dump). */
export interface GeneratedType {
  readonly typeUrl: string;
  readonly watched: WatchedResource;
  readonly generated?: GeneratedResources;
  readonly error?: string;
}

/** Timers of the running process. */
export const realClock: DebounceClock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Lists in status output are cut here: a push after a full resync can name thousands of configs. */
const MAX_LISTED = 50;

export class DiscoveryController {
  private readonly store: ConfigStore;
  private readonly mesh: MeshConfig;
  private readonly generators: GeneratorRegistry<PushContext>;
  private readonly server: PushTarget<PushContext>;
  private readonly domainSuffix: string | undefined;
  private readonly metrics: ControllerMetrics;
  private readonly logger: XdsLogger;
  private readonly debouncer: Debouncer;
  private registryValue: ServiceRegistry | undefined;
  private push: PushContext | undefined;
  private unsubscribe: (() => void) | undefined;
  private versionCounter = 0;
  private pushes = 0;
  private lastPush: PushSummary | undefined;
  private started = false;
  private stopped = false;

  constructor(options: DiscoveryControllerOptions) {
    this.store = options.store;
    this.mesh = options.mesh;
    this.generators = options.generators;
    this.server = options.server;
    this.domainSuffix = options.domainSuffix;
    this.metrics = options.metrics ?? new ControllerMetricsRecorder();
    this.logger = options.logger ?? componentLogger('pilot');
    this.debouncer = new Debouncer((request, batch) => this.onDebounced(request, batch), options.clock ?? realClock, {
      quietMs: options.debounce?.quietMs,
      maxMs: options.debounce?.maxMs,
      enableEdsDebounce: options.debounce?.enableEdsDebounce,
    });
  }

  /**
   * Waits for the store's initial load, builds the registry and the first PushContext, hands it to
   * the server (which then accepts streams) and starts following changes. Rejects when the store
   * cannot load (e.g. the config directory is unreadable).
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('DiscoveryController.start: already started');
    this.started = true;
    await this.store.ready();
    if (this.stopped) return;
    // From here to subscribe() runs without yielding: no event can fall between the snapshot and the feed.
    const registry = new ServiceRegistry({ domainSuffix: this.domainSuffix });
    this.logIssues('initial load', registry.load(this.store).issues);
    this.registryValue = registry;
    const push = this.buildTimed(() => PushContext.build(this.inputs(registry)));
    this.push = push;
    this.logDelegationProblems(push);
    this.server.setPushContext(push);
    this.unsubscribe = this.store.subscribe((event) => this.onEvent(event));
    this.logger.info('initial PushContext built; serving', {
      version: push.version,
      services: push.services().length,
      virtualServices: push.virtualServices().length,
    });
  }

  /** Stops following the store and drops pending pushes; the PushContext stays readable. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.debouncer.stop();
  }

  /** True once the first PushContext is built and until stop(). */
  get ready(): boolean {
    return this.push !== undefined && !this.stopped;
  }

  get pushContext(): PushContext | undefined {
    return this.push;
  }

  /** Service discovery as of now (ahead of the PushContext while a push is debounced). */
  get registry(): ServiceRegistry | undefined {
    return this.registryValue;
  }

  status(): ControllerStatus {
    return {
      ready: this.ready,
      version: this.push?.version,
      services: this.push?.services().length ?? 0,
      virtualServices: this.push?.virtualServices().length ?? 0,
      pushes: this.pushes,
      pendingEvents: this.debouncer.pendingEvents(),
      lastPush: this.lastPush,
    };
  }

  /**
   * Runs every generator of the proxy's family against the current PushContext, in push order,
   * as a full request with reason `debug` (what the proxy would get now). `watched` gives the
   * names the proxy subscribed to per type; a type it does not watch is generated as wildcard.
   */
  async generateFor(proxy: Proxy, watched: ReadonlyMap<string, WatchedResource>): Promise<GeneratedType[]> {
    const push = this.push;
    if (!push) throw new Error('no PushContext yet: the control plane is not ready');
    const request: PushRequest = {
      full: true,
      configsUpdated: new Set(),
      edsHosts: new Set(),
      reasons: { debug: 1 },
      start: performance.now(),
    };
    const out: GeneratedType[] = [];
    for (const typeUrl of sortByPushOrder(this.generators.typeUrls(proxy.generator))) {
      const generator = this.generators.lookup(proxy.generator, typeUrl);
      if (!generator) continue;
      const watch = watched.get(typeUrl) ?? { typeUrl, resourceNames: new Set<string>() };
      try {
        out.push({ typeUrl, watched: watch, generated: await generator.generate(proxy, watch, push, request) });
      } catch (error) {
        out.push({ typeUrl, watched: watch, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return out;
  }

  private inputs(registry: ServiceRegistry): PushContextInputs {
    return {
      config: this.store,
      discovery: registry,
      mesh: this.mesh,
      version: this.nextVersion(),
      domainSuffix: this.domainSuffix,
    };
  }

  /** Istio's version format: the time of the push and a counter, `2026-01-02T03:04:05Z/7`. */
  private nextVersion(): string {
    return `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}/${++this.versionCounter}`;
  }

  private onEvent(event: ConfigEvent): void {
    const registry = this.registryValue;
    if (!registry || this.stopped) return;
    try {
      const outcome = pushRequestForChange(event, registry, performance.now());
      const inbound = inboundUpdateType(event, outcome.request, outcome.registryUpdate);
      if (inbound) this.metrics.inboundUpdate(inbound);
      if (outcome.registryUpdate) this.logIssues(`${event.type} ${event.config.kind}`, outcome.registryUpdate.issues);
      if (outcome.request) this.debouncer.enqueue(outcome.request);
    } catch (error) {
      // A bug in the registry must not stop the feed: log it and keep serving the last PushContext.
      this.logger.error('config event could not be applied', {
        event: event.type,
        kind: event.config.kind,
        namespace: event.config.namespace,
        name: event.config.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private onDebounced(request: PushRequest, batch: DebouncedBatch): void {
    const previous = this.push;
    const registry = this.registryValue;
    if (!previous || !registry || this.stopped) return;
    this.metrics.debounced(batch.waitedMs / 1000, batch.events);
    for (const [reason, count] of Object.entries(request.reasons) as Array<[TriggerReason, number]>) {
      this.metrics.pushTriggered(reason, count);
    }
    let push: PushContext;
    try {
      push = this.buildTimed(() => PushContext.update(previous, request, this.inputs(registry)));
    } catch (error) {
      this.metrics.pushContextError();
      this.logger.error('PushContext update failed; proxies keep the previous config', {
        version: previous.version,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    this.push = push;
    if (!push.sharesIndex(previous, 'virtualServices')) this.logDelegationProblems(push);
    this.pushes++;
    const proxies = this.server.pushAll(request, push);
    this.lastPush = {
      version: push.version,
      at: new Date().toISOString(),
      full: request.full,
      reasons: request.reasons,
      configsUpdated: [...request.configsUpdated].slice(0, MAX_LISTED),
      edsHosts: [...request.edsHosts].slice(0, MAX_LISTED),
      events: batch.events,
      debounceMs: Math.round(batch.waitedMs),
      proxies,
    };
    this.logger.info('push', {
      version: push.version,
      full: request.full,
      reasons: Object.entries(request.reasons)
        .map(([reason, count]) => `${reason}:${count}`)
        .join(','),
      configs: request.configsUpdated.size,
      edsHosts: request.edsHosts.size,
      events: batch.events,
      debounceMs: Math.round(batch.waitedMs),
      proxies,
    });
  }

  private buildTimed(build: () => PushContext): PushContext {
    const started = performance.now();
    const push = build();
    this.metrics.pushContextInit((performance.now() - started) / 1000);
    // Istio's pilot_virt_services counts every VirtualService, delegates included.
    const virtualServices = push.virtualServices().length + push.delegateVirtualServices().length;
    this.metrics.pushContextSize(push.services().length, virtualServices);
    return push;
  }

  /** Delegating routes left out of their roots (as Istio, a warning each; the rest still applies). */
  private logDelegationProblems(push: PushContext): void {
    for (const problem of push.delegationProblems()) {
      this.logger.warn(`VirtualService delegation: ${describeDelegationProblem(problem)}`, {
        root: problem.root,
        delegate: problem.delegate,
      });
    }
  }

  private logIssues(context: string, issues: readonly ConfigIssue[]): void {
    for (const issue of issues) this.logger.warn(`${context}: ${formatIssue(issue)}`);
  }
}

/** Istio's pilot_inbound_updates type of one event, or undefined when it triggers nothing. */
function inboundUpdateType(
  event: ConfigEvent,
  request: PushRequest | undefined,
  registryUpdate: RegistryUpdate | undefined,
): InboundUpdateType | undefined {
  if (!request) return undefined;
  if (!registryUpdate) return 'config';
  if (registryUpdate.servicesChanged.size > 0) return event.type === 'delete' ? 'svcdelete' : 'svc';
  return 'eds';
}

/** One line on a delegation problem: which route of which root, which delegate, why. */
export function describeDelegationProblem(problem: DelegationProblem): string {
  const route = `${problem.root} spec.http[${problem.rootRoute}]`;
  switch (problem.reason) {
    case 'delegate-not-found':
      return `${route} delegates to ${problem.delegate}, which does not exist (or has hosts): the route is left out`;
    case 'delegate-not-exported':
      return `${route} delegates to ${problem.delegate}, which is not exported to the root's namespace: the route is left out`;
    case 'route-conflict':
      return `${problem.delegate} spec.http[${problem.delegateRoute ?? '?'}] does not narrow the match of ${route} (or delegates again): it is left out`;
  }
}
