/**
 * Subscribed resource names, shared between connections. A sidecar watches one ClusterLoadAssignment
 * per EDS cluster (6,000 names in a 1,000-service mesh) and proxies that look alike watch the
 * same names; one Set per connection cost istiod hundreds of MB at 2,000 proxies
 * (`npm run bench:pilot`). Sets handed out here are immutable and interned: a connection replaces
 * its set instead of editing it, and equal sets are one object for as long as someone holds it.
 */

/** FNV-1a of a string (32 bits). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A key that does not depend on the order of the names (a client may list them in any order). */
function keyOf(names: ReadonlySet<string>): string {
  let sum = 0;
  let xor = 0;
  for (const name of names) {
    const hash = fnv1a(name);
    sum = (sum + hash) >>> 0;
    xor = (xor ^ hash) >>> 0;
  }
  return `${names.size}:${sum}:${xor}`;
}

function sameNames(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const name of a) if (!b.has(name)) return false;
  return true;
}

export const NO_NAMES: ReadonlySet<string> = Object.freeze(new Set<string>());

class NameSetPool {
  /** Key → the interned sets with that key (more than one only on a hash collision). */
  private readonly byKey = new Map<string, Array<WeakRef<ReadonlySet<string>>>>();
  private readonly cleanup = new FinalizationRegistry<string>((key) => this.prune(key));

  intern(names: Iterable<string>): ReadonlySet<string> {
    const candidate = new Set<string>();
    for (const name of names) if (name !== '*') candidate.add(name);
    if (candidate.size === 0) return NO_NAMES;
    const key = keyOf(candidate);
    const refs = this.byKey.get(key) ?? [];
    for (const ref of refs) {
      const known = ref.deref();
      if (known && sameNames(known, candidate)) return known;
    }
    refs.push(new WeakRef(candidate));
    this.byKey.set(key, refs);
    this.cleanup.register(candidate, key);
    return candidate;
  }

  /** Interned sets alive now (tests). */
  get size(): number {
    let count = 0;
    for (const refs of this.byKey.values()) for (const ref of refs) if (ref.deref()) count++;
    return count;
  }

  private prune(key: string): void {
    const alive = (this.byKey.get(key) ?? []).filter((ref) => ref.deref() !== undefined);
    if (alive.length > 0) this.byKey.set(key, alive);
    else this.byKey.delete(key);
  }
}

const pool = new NameSetPool();

/** The interned set of `names` ('*' is not a name and is left out). */
export function internNames(names: Iterable<string>): ReadonlySet<string> {
  return pool.intern(names);
}

/** `current` with `add` added and `remove` removed, interned; `current` itself when nothing changes. */
export function editNames(
  current: ReadonlySet<string>,
  add: readonly string[],
  remove: readonly string[],
): ReadonlySet<string> {
  const adds = add.some((name) => name !== '*' && !current.has(name));
  const removes = remove.some((name) => current.has(name));
  if (!adds && !removes) return current;
  const next = new Set(current);
  for (const name of add) next.add(name);
  for (const name of remove) next.delete(name);
  return internNames(next);
}

/** Live interned sets (tests). */
export function internedNameSets(): number {
  return pool.size;
}
