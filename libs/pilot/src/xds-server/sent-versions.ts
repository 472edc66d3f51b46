/**
 * What a delta client has, per resource name: the version it was sent (or a marker). Proxies that
 * look alike hold the same thing: a sidecar in a 1,000-service mesh has 12,000 entries (clusters
 * and endpoints), and one Map per connection was most of istiod's heap at 2,000 proxies
 * (`npm run bench:pilot`). So the state is an immutable value shared between connections: a change
 * makes a new value, and the same change applied to the same value (every proxy of a push) gives
 * the very same new value, kept as long as some connection holds it.
 */

import { hash } from 'node:crypto';

/** Marks a subscribed name the client was told does not exist. */
export const TOLD_ABSENT = '';
/** Marks a name the client claimed on reconnect (initial_resource_versions): always resent. */
export const CLAIMED_BY_CLIENT = '\u0000claimed';

/** A name's new version, or `undefined` when the client no longer has it. */
export type VersionChange = readonly [name: string, version: string | undefined];

export class SentVersions {
  static readonly EMPTY = new SentVersions(new Map());

  /** Values reached from this one by a change, by the change's key. */
  private readonly transitions = new Map<string, WeakRef<SentVersions>>();
  private countValue: number | undefined;

  private constructor(private readonly versions: ReadonlyMap<string, string>) {}

  get(name: string): string | undefined {
    return this.versions.get(name);
  }

  has(name: string): boolean {
    return this.versions.has(name);
  }

  entries(): IterableIterator<[string, string]> {
    return this.versions.entries();
  }

  names(): IterableIterator<string> {
    return this.versions.keys();
  }

  /** Resources the client has (names told absent do not count); computed once per value. */
  get sentCount(): number {
    if (this.countValue === undefined) {
      let count = 0;
      for (const version of this.versions.values()) if (version !== TOLD_ABSENT) count++;
      this.countValue = count;
    }
    return this.countValue;
  }

  /** This value with the changes applied; shared with every connection that applied the same. */
  apply(changes: readonly VersionChange[]): SentVersions {
    const effective = changes.filter(([name, version]) => this.versions.get(name) !== version);
    if (effective.length === 0) return this;
    const spelled = effective.map(([name, version]) => `${name}\u0000${version ?? '\u0001'}`).join('\u0002');
    // A first answer spells 12,000 entries: keep a digest of long keys, not the key itself.
    const key = spelled.length > 1024 ? `#${hash('sha256', spelled, 'base64')}` : spelled;
    const known = this.transitions.get(key)?.deref();
    if (known) return known;
    const next = new Map(this.versions);
    for (const [name, version] of effective) {
      if (version === undefined) next.delete(name);
      else next.set(name, version);
    }
    const value = new SentVersions(next);
    this.transitions.set(key, new WeakRef(value));
    this.pruneTransitions();
    return value;
  }

  /** Forgets transitions to values nobody holds any more (bounded growth of the table). */
  private pruneTransitions(): void {
    if (this.transitions.size < 64) return;
    for (const [key, ref] of this.transitions) if (ref.deref() === undefined) this.transitions.delete(key);
  }
}
