/**
 * Keeps the bound listeners in line with each snapshot: binds new ones, swaps the configuration
 * of changed ones in place (same address: the socket stays, new connections get the new chains),
 * rebinds those whose address changed, and closes removed ones (they stop accepting and their
 * connections drain). Listeners it cannot serve are skipped, with the reason counted:
 * `bind_to_port: false` ones only receive connections redirected from virtualOutbound (not
 * implemented yet), API listeners are for proxyless gRPC clients, not for a proxy.
 */
import type { XdsListener, XdsSocketAddress } from '../../xds/model';
import type { Counter, Gauge } from '../stats/stats-store';
import { BoundListener, type BoundListenerDeps } from './bound-listener';
import { compileListener, type ListenerCompileContext, listenerFingerprint } from './listener-runtime';

export type SkipReason = 'bind_to_port_false' | 'api_listener';

export type ListenerEvent =
  | { readonly type: 'listener-bound'; readonly name: string; readonly address: XdsSocketAddress }
  | { readonly type: 'listener-failed'; readonly name: string; readonly message: string }
  | { readonly type: 'listener-skipped'; readonly name: string; readonly reason: SkipReason };

export interface ListenerInfo {
  readonly name: string;
  readonly state: BoundListener['state'] | 'skipped';
  readonly address: XdsSocketAddress;
  readonly skipReason?: SkipReason;
  readonly failure?: string;
}

export class ListenerManager {
  private readonly listeners = new Map<string, BoundListener>();
  private readonly skipped = new Map<string, { reason: SkipReason; address: XdsSocketAddress }>();
  private readonly added: Counter;
  private readonly modified: Counter;
  private readonly removed: Counter;
  private readonly createFailure: Counter;
  private readonly activeGauge: Gauge;
  private readonly skippedGauges: Record<SkipReason, Gauge>;

  constructor(
    private readonly compileContext: ListenerCompileContext,
    private readonly deps: BoundListenerDeps,
    private readonly onEvent: (event: ListenerEvent) => void,
  ) {
    const s = deps.stats.scope('listener_manager');
    this.added = s.counter('listener_added');
    this.modified = s.counter('listener_modified');
    this.removed = s.counter('listener_removed');
    this.createFailure = s.counter('listener_create_failure');
    this.activeGauge = s.gauge('total_listeners_active');
    this.skippedGauges = {
      bind_to_port_false: s.gauge('listeners_skipped.bind_to_port_false'),
      api_listener: s.gauge('listeners_skipped.api_listener'),
    };
  }

  /** Applies the snapshot's listeners; resolves once every new socket is bound or has failed. */
  reconcile(listeners: ReadonlyMap<string, XdsListener>): Promise<void> {
    const binds: Promise<void>[] = [];
    const previouslySkipped = new Set(this.skipped.keys());
    this.skipped.clear();
    for (const [name, listener] of listeners) {
      if (listener.kind === 'api' || !listener.bindToPort) {
        const reason: SkipReason = listener.kind === 'api' ? 'api_listener' : 'bind_to_port_false';
        const address = listener.kind === 'api' ? { address: '', port: 0 } : listener.address;
        this.skipped.set(name, { reason, address });
        if (!previouslySkipped.has(name)) this.onEvent({ type: 'listener-skipped', name, reason });
        continue;
      }
      const fingerprint = listenerFingerprint(listener);
      const existing = this.listeners.get(name);
      if (existing && existing.state !== 'failed' && sameAddress(existing.configuredAddress, listener.address)) {
        if (existing.runtime.fingerprint !== fingerprint) {
          existing.replace(compileListener(listener, fingerprint, this.compileContext));
          this.modified.inc();
        }
        continue;
      }
      if (existing) existing.close();
      else this.added.inc();
      const bound = new BoundListener(name, compileListener(listener, fingerprint, this.compileContext), this.deps);
      this.listeners.set(name, bound);
      binds.push(bound.bind().then(() => this.reportBind(bound)));
    }
    for (const [name, bound] of this.listeners) {
      if (listeners.has(name) && !this.skipped.has(name)) continue;
      bound.close();
      this.listeners.delete(name);
      this.removed.inc();
    }
    for (const reason of Object.keys(this.skippedGauges) as SkipReason[]) {
      this.skippedGauges[reason].set([...this.skipped.values()].filter((s) => s.reason === reason).length);
    }
    return Promise.all(binds).then(() => this.updateActiveGauge());
  }

  /** The bound address of a listener (its real port when configured with port 0). */
  addressOf(name: string): XdsSocketAddress | undefined {
    const bound = this.listeners.get(name);
    return bound?.state === 'bound' ? bound.boundAddress : undefined;
  }

  describe(): ListenerInfo[] {
    const bound: ListenerInfo[] = [...this.listeners.values()].map((l) => ({
      name: l.name,
      state: l.state,
      address: l.boundAddress ?? l.configuredAddress,
      failure: l.failure,
    }));
    const skipped: ListenerInfo[] = [...this.skipped].map(([name, s]) => ({
      name,
      state: 'skipped',
      address: s.address,
      skipReason: s.reason,
    }));
    return [...bound, ...skipped].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  closeAll(): void {
    for (const bound of this.listeners.values()) bound.close();
    this.listeners.clear();
    this.updateActiveGauge();
  }

  private reportBind(bound: BoundListener): void {
    if (bound.state === 'bound') {
      const address = bound.boundAddress;
      if (address) this.onEvent({ type: 'listener-bound', name: bound.name, address });
    } else if (bound.state === 'failed') {
      this.createFailure.inc();
      this.onEvent({ type: 'listener-failed', name: bound.name, message: bound.failure ?? 'bind failed' });
    }
  }

  private updateActiveGauge(): void {
    this.activeGauge.set([...this.listeners.values()].filter((l) => l.state === 'bound').length);
  }
}

function sameAddress(a: XdsSocketAddress, b: XdsSocketAddress): boolean {
  return a.address === b.address && a.port === b.port;
}
