/**
 * Warming: what the client is still waiting for before its resources form a consistent set, and
 * the initial-fetch timers that stop it from waiting forever. A listener's RouteConfiguration, an
 * EDS cluster's endpoints or a referenced secret that has not arrived holds back the next
 * snapshot until it arrives, the server says it does not exist (delta removal), or
 * `initialFetchTimeoutMs` passes; then it is reported missing and the snapshot goes out without
 * it (Envoy's initial_fetch_timeout behaviour).
 */
import type { Dependency } from './dependencies';

export const ROOT = '*';

/** `typeUrl|name`, the key of one awaited resource (`typeUrl|*` for a type's first response). */
export function awaitKey(typeUrl: string, name: string): string {
  return `${typeUrl}|${name}`;
}

export class Warming {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly givenUp = new Set<string>();

  /**
   * @param timeoutMs how long to wait for each awaited resource; 0 waits forever.
   * @param onGiveUp called when a timer fires (the caller reassesses and may publish).
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly onGiveUp: () => void,
  ) {}

  /**
   * Given everything required and not present, returns what is still awaited and what was given
   * up on; starts timers for newly awaited keys and drops state for keys no longer awaited.
   */
  assess(absent: readonly Dependency[]): { awaited: Dependency[]; missing: Dependency[] } {
    const keys = new Map(absent.map((d) => [awaitKey(d.typeUrl, d.name), d]));
    for (const key of [...this.timers.keys()]) if (!keys.has(key)) this.stopTimer(key);
    for (const key of [...this.givenUp]) if (!keys.has(key)) this.givenUp.delete(key);
    const awaited: Dependency[] = [];
    const missing: Dependency[] = [];
    for (const [key, dependency] of keys) {
      if (this.givenUp.has(key)) {
        missing.push(dependency);
        continue;
      }
      awaited.push(dependency);
      if (!this.timers.has(key) && this.timeoutMs > 0) {
        this.timers.set(
          key,
          setTimeout(() => {
            this.timers.delete(key);
            this.givenUp.add(key);
            this.onGiveUp();
          }, this.timeoutMs),
        );
      }
    }
    return { awaited, missing };
  }

  /** The server said the resource does not exist: stop waiting for it. */
  markAbsent(typeUrl: string, name: string): void {
    const key = awaitKey(typeUrl, name);
    this.stopTimer(key);
    this.givenUp.add(key);
  }

  close(): void {
    for (const key of [...this.timers.keys()]) this.stopTimer(key);
    this.givenUp.clear();
  }

  private stopTimer(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }
}
