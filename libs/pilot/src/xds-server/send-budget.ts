/**
 * A bound on response bytes written to streams but not yet sent to the network, shared by every
 * connection of a server. grpc-js never blocks a write: a response is queued in the HTTP/2 session
 * until the client's flow-control window lets it out. When 100 proxies connect at once and each is
 * owed 10 MB of clusters and endpoints, that queue held 1 GB (`npm run bench:pilot`); with a budget,
 * a connection waits for its turn before handing over the next response, so memory stays near the
 * budget and the bytes still leave at the speed the clients read them.
 *
 * A response larger than the whole budget takes all of it (it waits until nothing else is in flight).
 */
export class SendBudget {
  private available: number;
  private readonly waiting: Array<{ readonly bytes: number; readonly grant: () => void }> = [];

  constructor(readonly capacity: number) {
    this.available = capacity;
  }

  /** Resolves with the bytes held once they are available; hand them back with release(). */
  acquire(size: number): Promise<number> {
    const bytes = Math.min(Math.max(size, 0), this.capacity);
    if (this.waiting.length === 0 && this.available >= bytes) {
      this.available -= bytes;
      return Promise.resolve(bytes);
    }
    return new Promise((resolve) => this.waiting.push({ bytes, grant: () => resolve(bytes) }));
  }

  release(bytes: number): void {
    this.available += bytes;
    // First come, first served: a large response is not overtaken forever by small ones.
    while (this.waiting.length > 0 && this.available >= this.waiting[0].bytes) {
      const next = this.waiting.shift()!;
      this.available -= next.bytes;
      next.grant();
    }
  }

  /** Bytes handed out and not yet released. */
  get inFlight(): number {
    return this.capacity - this.available;
  }

  /** Writers waiting for budget. */
  get queued(): number {
    return this.waiting.length;
  }
}
