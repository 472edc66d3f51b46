/** Test-only: a debounce clock whose time moves only when the test says so. Not exported. */
import type { DebounceClock } from '@mesh/mesh-model';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

export class ManualClock implements DebounceClock {
  private time = 0;
  private lastId = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): unknown {
    const timer = { id: ++this.lastId, at: this.time + ms, callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Moves time forward, running due timers in order (bounded, so a timer loop cannot hang a test). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let fired = 0; fired < 1_000; fired++) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
  }
}
