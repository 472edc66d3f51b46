/**
 * Everything the stub control plane received and sent, in order, so tests can assert ACKs, NACKs
 * and subscriptions, and wait for the next one without sleeping.
 */
import type { Node } from '@mesh/xds';

export type XdsProtocol = 'sotw' | 'delta';

/** One DiscoveryRequest or DeltaDiscoveryRequest, flattened: fields of the other protocol are empty. */
export interface RecordedRequest {
  readonly streamId: number;
  readonly protocol: XdsProtocol;
  readonly typeUrl: string;
  /** SotW: the version the client last accepted for this type ('' in delta). */
  readonly versionInfo: string;
  readonly responseNonce: string;
  /** Present on a NACK. */
  readonly errorDetail?: { readonly code: number; readonly message: string };
  /** SotW: the names the client wants (empty = wildcard for LDS/CDS). */
  readonly resourceNames: readonly string[];
  /** Delta only. */
  readonly resourceNamesSubscribe: readonly string[];
  readonly resourceNamesUnsubscribe: readonly string[];
  readonly initialResourceVersions: Readonly<Record<string, string>>;
  /** Only on requests that carried the node (normally the first of a stream). */
  readonly node?: Node;
}

/** One response the stub sent. */
export interface RecordedResponse {
  readonly streamId: number;
  readonly protocol: XdsProtocol;
  readonly typeUrl: string;
  /** SotW version_info, or delta system_version_info. */
  readonly versionInfo: string;
  readonly nonce: string;
  /** Names of the resources carried. */
  readonly resourceNames: readonly string[];
  /** Delta only: names the response removes. */
  readonly removedResources: readonly string[];
}

interface Waiter<T> {
  predicate: (item: T) => boolean;
  resolve: (item: T) => void;
}

/** An append-only list whose items can be awaited. */
export class WaitableLog<T> {
  private readonly items: T[] = [];
  private waiters: Array<Waiter<T>> = [];

  constructor(private readonly what: string) {}

  push(item: T): void {
    this.items.push(item);
    const matched = this.waiters.filter((w) => w.predicate(item));
    this.waiters = this.waiters.filter((w) => !matched.includes(w));
    for (const w of matched) w.resolve(item);
  }

  all(predicate: (item: T) => boolean = () => true): T[] {
    return this.items.filter(predicate);
  }

  /**
   * The first item, already logged or still to come, that satisfies the predicate. Pass `after`
   * (a count from `size`) to ignore what was logged before a point in the test.
   */
  waitFor(predicate: (item: T) => boolean, options: { timeoutMs?: number; after?: number } = {}): Promise<T> {
    const { timeoutMs = 3000, after = 0 } = options;
    const existing = this.items.slice(after).find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        predicate,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching ${this.what} within ${timeoutMs} ms (${this.items.length} logged)`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get size(): number {
    return this.items.length;
  }
}
