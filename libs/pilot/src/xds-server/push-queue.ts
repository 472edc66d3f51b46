/**
 * The push queue: at most one pending push per connection and a bounded number running at once.
 *
 * A push for a connection that already waits in the queue is merged into the waiting one (it keeps
 * its place). A push for a connection whose push is running is merged into a "next" slot that is
 * queued (at the back) when the running one finishes, so a connection never has two pushes queued
 * and never two running. This is what keeps a burst of config events from becoming a burst of
 * pushes per proxy.
 */

export interface PushQueueOptions<C, T> {
  /** How many pushes may run at once (Istio's PILOT_PUSH_THROTTLE). */
  readonly concurrency: number;
  /** Combines a waiting push with a newer one for the same connection. */
  readonly merge: (older: T, newer: T) => T;
  /** Runs one push. Must not reject; errors are the worker's to handle. */
  readonly run: (connection: C, item: T) => Promise<void>;
}

export class PushQueue<C, T> {
  /** Waiting pushes, in queue order (Map keeps insertion order). */
  private readonly waiting = new Map<C, T>();
  /** Running pushes; the value is the push that arrived while running, if any. */
  private readonly running = new Map<C, T | undefined>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: PushQueueOptions<C, T>) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`push queue concurrency must be a positive integer, got ${options.concurrency}`);
    }
  }

  enqueue(connection: C, item: T): void {
    const waiting = this.waiting.get(connection);
    if (waiting !== undefined) {
      this.waiting.set(connection, this.options.merge(waiting, item));
      return;
    }
    if (this.running.has(connection)) {
      const next = this.running.get(connection);
      this.running.set(connection, next === undefined ? item : this.options.merge(next, item));
      return;
    }
    this.waiting.set(connection, item);
    this.drain();
  }

  /** Forgets a connection (it closed): its waiting push is dropped, a running one is not requeued. */
  remove(connection: C): void {
    this.waiting.delete(connection);
    if (this.running.has(connection)) this.running.set(connection, undefined);
  }

  /** Pushes waiting to start. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Pushes running now. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves when nothing waits and nothing runs. */
  whenIdle(): Promise<void> {
    if (this.waiting.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drain(): void {
    while (this.running.size < this.options.concurrency && this.waiting.size > 0) {
      const [connection, item] = this.waiting.entries().next().value as [C, T];
      this.waiting.delete(connection);
      this.running.set(connection, undefined);
      // A rejection would be the worker's bug; the queue still moves on rather than stall.
      const done = (): void => this.finished(connection);
      Promise.resolve()
        .then(() => this.options.run(connection, item))
        .then(done, done);
    }
    if (this.waiting.size === 0 && this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private finished(connection: C): void {
    const next = this.running.get(connection);
    this.running.delete(connection);
    if (next !== undefined) this.waiting.set(connection, next);
    this.drain();
  }
}
