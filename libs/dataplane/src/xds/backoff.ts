/**
 * Reconnect delays: exponential growth from `baseMs` up to `capMs`, with jitter so that proxies
 * cut off together do not all come back in the same instant (a reconnect storm is what takes a
 * recovering control plane down again).
 */
export interface BackoffOptions {
  /** First delay's ceiling. Default 100 ms. */
  baseMs?: number;
  /** Largest delay. Default 30 s. */
  capMs?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export class ExponentialBackoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 100;
    this.capMs = options.capMs ?? 30_000;
    this.random = options.random ?? Math.random;
    if (!(this.baseMs > 0) || !(this.capMs >= this.baseMs)) {
      throw new RangeError(`backoff needs 0 < baseMs <= capMs, got baseMs=${this.baseMs} capMs=${this.capMs}`);
    }
  }

  /**
   * The next delay: uniformly in [ceiling/2, ceiling) where the ceiling doubles per attempt up to
   * the cap. The fixed half keeps a flapping server from being retried in a tight loop.
   */
  nextDelayMs(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 52));
    this.attempt++;
    return Math.floor(ceiling / 2 + (ceiling / 2) * this.random());
  }

  /** After a healthy stream: the next failure starts from the base again. */
  reset(): void {
    this.attempt = 0;
  }
}
