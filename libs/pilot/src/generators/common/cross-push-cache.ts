/**
 * Built resources kept from one PushContext to the next while what they were built from is
 * unchanged. Endpoint-only pushes create a new PushContext that shares every index but the
 * endpoints (PushContext.updateEndpoints), so a resource keyed by the identities of its inputs
 * (service, rule objects) and checked against the identity of the endpoint list it used can be
 * reused: only the changed hosts are rebuilt.
 *
 * The cache empties itself when the push it is asked for does not share the listed indexes (or
 * the MeshConfig) with the previous one: a config change invalidates everything at once, and keys
 * naming objects of the old indexes do not pile up.
 */
import type { MergedDestinationRule, PushContext } from '@mesh/mesh-model';

export type PushIndex = Parameters<PushContext['sharesIndex']>[1];

const ids = new WeakMap<object, number>();
let nextId = 1;

/** A number naming an object for as long as it lives (for cache keys built from identities). */
export function identityOf(object: object): number {
  let id = ids.get(object);
  if (id === undefined) ids.set(object, (id = nextId++));
  return id;
}

export class CrossPushCache<V> {
  private entries = new Map<string, V>();
  private push: PushContext | undefined;

  constructor(private readonly dependsOn: readonly PushIndex[]) {}

  /** The entries usable with `push`. */
  for(push: PushContext): Map<string, V> {
    if (this.push !== push) {
      const previous = this.push;
      const reusable =
        previous !== undefined &&
        previous.mesh === push.mesh &&
        this.dependsOn.every((index) => push.sharesIndex(previous, index));
      if (!reusable) this.entries = new Map();
      this.push = push;
    }
    return this.entries;
  }
}

/**
 * A rule as a cache key: the configs merged into it. Within one DestinationRule index the same
 * configs merge into the same rule, whichever namespace's lookup pool the object came from.
 */
export function ruleKey(rule: MergedDestinationRule | undefined): string {
  return rule ? rule.from.join(',') : '';
}

let builtResources = 0;

/**
 * A version for a resource just built: unique per build in this process, so a delta stream sees a
 * reused (cached) resource as unchanged without hashing its bytes, and any rebuild as a change.
 */
export function newResourceVersion(): string {
  builtResources += 1;
  return `b${builtResources}`;
}
