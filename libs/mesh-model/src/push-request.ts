/**
 * Why a push happens and what it covers. Events arriving during the debounce window merge into
 * one request; a connection with a push pending merges the next one into it (Istio's push queue).
 */

export type TriggerReason = 'config' | 'service' | 'endpoint' | 'secret' | 'proxy' | 'global' | 'debug';

export interface PushRequest {
  /**
   * Full pushes regenerate every type for the proxy; incremental ones (full = false) only send
   * endpoints (EDS) of `edsHosts`.
   */
  readonly full: boolean;
  /** Keys (`Kind/namespace/name`) of the configs whose change caused the push; empty = unknown/all. */
  readonly configsUpdated: ReadonlySet<string>;
  /** Hostnames whose endpoints changed (incremental EDS). */
  readonly edsHosts: ReadonlySet<string>;
  /** How many events of each kind were merged into this request. */
  readonly reasons: Readonly<Partial<Record<TriggerReason, number>>>;
  /** Time (ms, `performance.now()` clock) of the earliest event merged in: convergence is measured from it. */
  readonly start: number;
}

export function pushRequest(init: Partial<PushRequest> & { reason: TriggerReason; start: number }): PushRequest {
  return {
    full: init.full ?? true,
    configsUpdated: init.configsUpdated ?? new Set(),
    edsHosts: init.edsHosts ?? new Set(),
    reasons: { [init.reason]: 1 },
    start: init.start,
  };
}

/** The request that covers both: full if either is, union of what changed, earliest start. */
export function mergePushRequests(a: PushRequest, b: PushRequest): PushRequest {
  const reasons: Partial<Record<TriggerReason, number>> = { ...a.reasons };
  for (const [reason, count] of Object.entries(b.reasons) as Array<[TriggerReason, number]>) {
    reasons[reason] = (reasons[reason] ?? 0) + count;
  }
  return {
    full: a.full || b.full,
    configsUpdated: new Set([...a.configsUpdated, ...b.configsUpdated]),
    edsHosts: new Set([...a.edsHosts, ...b.edsHosts]),
    reasons,
    start: Math.min(a.start, b.start),
  };
}
