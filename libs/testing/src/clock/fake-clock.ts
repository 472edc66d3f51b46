/**
 * A manual clock for debouncers and other timer users: time moves only when `advance` is called.
 * It has the shape of mesh-model's DebounceClock without importing it (mesh-model's own specs use
 * this clock, so an import would make the two projects depend on each other).
 */

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

export class FakeClock {
  private time = 0;
  private nextId = 1;
  private timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.time + ms, callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Moves time forward, running due timers in order (at most 10 000, so a loop cannot hang a test). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let fired = 0; fired < 10_000; fired++) {
      const due = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}
