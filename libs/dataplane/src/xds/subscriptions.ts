/**
 * What the client wants per type: LDS and CDS as a whole (wildcard); RDS, EDS and SDS by name,
 * the union of the names the application asked for (`subscribe`) and the names the accepted
 * listeners and clusters reference (derived, recomputed after every update).
 */
import type { Dependency } from './dependencies';
import { resourceTypeOf } from './resource-types';

export class Subscriptions {
  private readonly explicit = new Map<string, Set<string>>();
  private readonly derived = new Map<string, Set<string>>();

  isWildcard(typeUrl: string): boolean {
    return resourceTypeOf(typeUrl)?.wildcard ?? false;
  }

  /** The names wanted for a named type (empty for wildcard types). */
  names(typeUrl: string): ReadonlySet<string> {
    return new Set([...(this.explicit.get(typeUrl) ?? []), ...(this.derived.get(typeUrl) ?? [])]);
  }

  wants(typeUrl: string, name: string): boolean {
    return (
      this.isWildcard(typeUrl) || this.explicit.get(typeUrl)?.has(name) || this.derived.get(typeUrl)?.has(name) || false
    );
  }

  /** Adds names; returns true if the type's set changed. */
  addExplicit(typeUrl: string, names: Iterable<string>): boolean {
    return this.change(this.explicit, typeUrl, (set) => {
      for (const n of names) set.add(n);
    });
  }

  removeExplicit(typeUrl: string, names: Iterable<string>): boolean {
    return this.change(this.explicit, typeUrl, (set) => {
      for (const n of names) set.delete(n);
    });
  }

  /** Replaces every derived name with those of `dependencies`; returns the types that changed. */
  setDerived(dependencies: readonly Dependency[]): string[] {
    const next = new Map<string, Set<string>>();
    for (const d of dependencies) {
      let set = next.get(d.typeUrl);
      if (!set) next.set(d.typeUrl, (set = new Set()));
      set.add(d.name);
    }
    const changed: string[] = [];
    for (const typeUrl of new Set([...this.derived.keys(), ...next.keys()])) {
      const before = this.names(typeUrl);
      this.derived.set(typeUrl, next.get(typeUrl) ?? new Set());
      if (!sameSet(before, this.names(typeUrl))) changed.push(typeUrl);
    }
    return changed;
  }

  private change(map: Map<string, Set<string>>, typeUrl: string, edit: (set: Set<string>) => void): boolean {
    if (this.isWildcard(typeUrl)) {
      throw new Error(`${typeUrl} is always subscribed as a whole (wildcard); it takes no names`);
    }
    if (!resourceTypeOf(typeUrl)) throw new Error(`unsupported resource type ${typeUrl}`);
    const before = this.names(typeUrl);
    let set = map.get(typeUrl);
    if (!set) map.set(typeUrl, (set = new Set()));
    edit(set);
    return !sameSet(before, this.names(typeUrl));
  }
}

export function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
