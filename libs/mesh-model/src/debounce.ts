/**
 * Debouncing of push requests, as Istio's discovery server does it: requests merge while they
 * keep coming; the merged request fires once no request came for `quietMs` (default 100), or
 * `maxMs` (default 10 000) after the first one at the latest. A new push never starts while the
 * previous one is still running: what arrives meanwhile waits and fires when it is done.
 *
 * `enableEdsDebounce` (Istio's PILOT_ENABLE_EDS_DEBOUNCE, default true) puts endpoint-only
 * requests through the same debounce; when false they skip it and fire at once (Istio's
 * trade-off: fewer EDS pushes vs faster endpoint convergence).
 *
 * Pure: time and timers come through the injected `DebounceClock`.
 */
import { mergePushRequests, type PushRequest } from './push-request';

export interface DebounceClock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export interface DebounceOptions {
  readonly quietMs?: number;
  readonly maxMs?: number;
  readonly enableEdsDebounce?: boolean;
}

/** What a fired batch was made of: feeds `pilot_debounce_time` and push-trigger metrics. */
export interface DebouncedBatch {
  /** How many requests were merged into it. */
  readonly events: number;
  /** Milliseconds from the first request of the batch to firing (0 for EDS that skipped debounce). */
  readonly waitedMs: number;
  /** True when it fired because `maxMs` elapsed rather than after a quiet period. */
  readonly hitMax: boolean;
}

/** Called with each batch; return a promise to hold further pushes until it settles. */
export type PushHandler = (request: PushRequest, batch: DebouncedBatch) => void | Promise<void>;

export const DEFAULT_DEBOUNCE_QUIET_MS = 100;
export const DEFAULT_DEBOUNCE_MAX_MS = 10_000;

export class Debouncer {
  private readonly quietMs: number;
  private readonly maxMs: number;
  private readonly edsDebounce: boolean;
  private pending: PushRequest | undefined;
  private events = 0;
  private firstAt = 0;
  private lastAt = 0;
  private timer: unknown;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly push: PushHandler,
    private readonly clock: DebounceClock,
    options: DebounceOptions = {},
  ) {
    this.quietMs = options.quietMs ?? DEFAULT_DEBOUNCE_QUIET_MS;
    this.maxMs = options.maxMs ?? DEFAULT_DEBOUNCE_MAX_MS;
    this.edsDebounce = options.enableEdsDebounce ?? true;
    if (!(this.quietMs >= 0) || !(this.maxMs >= this.quietMs)) {
      throw new RangeError(`debounce: need 0 <= quietMs (${this.quietMs}) <= maxMs (${this.maxMs})`);
    }
  }

  enqueue(request: PushRequest): void {
    if (this.stopped) return;
    if (!request.full && !this.edsDebounce) {
      this.run(request, { events: 1, waitedMs: 0, hitMax: false });
      return;
    }
    const now = this.clock.now();
    this.lastAt = now;
    if (this.events === 0) {
      this.firstAt = now;
      this.schedule(this.quietMs);
    }
    this.events++;
    this.pending = this.pending ? mergePushRequests(this.pending, request) : request;
  }

  /** Requests merged and waiting (0 when idle). */
  pendingEvents(): number {
    return this.events;
  }

  /** Drops what is pending and ignores further requests. */
  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    this.pending = undefined;
    this.events = 0;
  }

  private schedule(ms: number): void {
    this.cancelTimer();
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.check();
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Fires if it is quiet enough or waited too long; otherwise waits for the rest of the quiet time. */
  private check(): void {
    if (this.stopped || !this.pending) return;
    if (this.busy) return; // the running push calls check() when it is done
    const now = this.clock.now();
    const waited = now - this.firstAt;
    const quiet = now - this.lastAt;
    if (waited >= this.maxMs || quiet >= this.quietMs) {
      const request = this.pending;
      const batch = { events: this.events, waitedMs: waited, hitMax: quiet < this.quietMs };
      this.pending = undefined;
      this.events = 0;
      this.run(request, batch);
    } else {
      this.schedule(Math.min(this.quietMs - quiet, this.maxMs - waited));
    }
  }

  private run(request: PushRequest, batch: DebouncedBatch): void {
    let result: void | Promise<void>;
    const debounced = request.full || this.edsDebounce;
    if (debounced) this.busy = true;
    try {
      result = this.push(request, batch);
    } catch (error) {
      if (debounced) this.done();
      throw error;
    }
    if (!debounced) return;
    if (result instanceof Promise)
      result.then(
        () => this.done(),
        () => this.done(),
      );
    else this.done();
  }

  private done(): void {
    this.busy = false;
    if (this.pending) this.check();
  }
}
