/**
 * Endpoints kept per source ("shard"): each EndpointSlice, each ServiceEntry's own endpoints,
 * each selected WorkloadEntry or Pod owns one shard. A change to one source replaces only its
 * shard, and only the hostnames whose endpoints actually differ are reported, so an endpoint
 * change costs the size of that host's endpoints, never the whole registry.
 *
 * What readers get (`view`) is an immutable per-host value, rebuilt when the host changes and
 * never mutated afterwards: a PushContext may keep a reference to it safely.
 */
import type { Endpoint } from '../service';
import { compareText } from '../ordering';

/** namespace → service port name → endpoints. */
export type HostEndpoints = ReadonlyMap<string, ReadonlyMap<string, readonly Endpoint[]>>;

const EMPTY: readonly Endpoint[] = Object.freeze([]);

export class EndpointShards {
  /** hostname → shard key → that shard's endpoints for the host (all namespaces). */
  private readonly byHost = new Map<string, Map<string, readonly Endpoint[]>>();
  /** shard key → hostnames it has endpoints for. */
  private readonly hostsOfShard = new Map<string, Set<string>>();
  private readonly views = new Map<string, HostEndpoints>();

  /** Replaces a shard's endpoints; returns the hostnames whose endpoints changed. */
  replace(shardKey: string, endpoints: readonly Endpoint[]): Set<string> {
    const grouped = new Map<string, Endpoint[]>();
    for (const endpoint of endpoints) {
      let list = grouped.get(endpoint.hostname);
      if (!list) grouped.set(endpoint.hostname, (list = []));
      list.push(endpoint);
    }
    const changed = new Set<string>();
    const previousHosts = this.hostsOfShard.get(shardKey) ?? new Set<string>();
    for (const hostname of previousHosts) {
      if (grouped.has(hostname)) continue;
      const shards = this.byHost.get(hostname);
      shards?.delete(shardKey);
      if (shards && shards.size === 0) this.byHost.delete(hostname);
      changed.add(hostname);
    }
    for (const [hostname, list] of grouped) {
      let shards = this.byHost.get(hostname);
      if (!shards) this.byHost.set(hostname, (shards = new Map()));
      const before = shards.get(shardKey);
      if (before && sameEndpoints(before, list)) continue;
      shards.set(shardKey, Object.freeze(list));
      changed.add(hostname);
    }
    if (grouped.size === 0) this.hostsOfShard.delete(shardKey);
    else this.hostsOfShard.set(shardKey, new Set(grouped.keys()));
    for (const hostname of changed) this.views.delete(hostname);
    return changed;
  }

  remove(shardKey: string): Set<string> {
    return this.replace(shardKey, EMPTY);
  }

  /** The endpoints of a hostname by namespace and port name; undefined when it has none. */
  view(hostname: string): HostEndpoints | undefined {
    const cached = this.views.get(hostname);
    if (cached) return cached;
    const shards = this.byHost.get(hostname);
    if (!shards) return undefined;
    const built = new Map<string, Map<string, Endpoint[]>>();
    // Shard order is sorted so the endpoint order does not depend on the order events came in.
    for (const shardKey of [...shards.keys()].sort(compareText)) {
      for (const endpoint of shards.get(shardKey)!) {
        let byPort = built.get(endpoint.namespace);
        if (!byPort) built.set(endpoint.namespace, (byPort = new Map()));
        let list = byPort.get(endpoint.servicePortName);
        if (!list) byPort.set(endpoint.servicePortName, (list = []));
        list.push(endpoint);
      }
    }
    for (const byPort of built.values()) for (const list of byPort.values()) Object.freeze(list);
    this.views.set(hostname, built);
    return built;
  }

  hostnames(): string[] {
    return [...this.byHost.keys()];
  }

  /** How many endpoints are stored, for debug output and tests. */
  size(): number {
    let total = 0;
    for (const shards of this.byHost.values()) for (const list of shards.values()) total += list.length;
    return total;
  }
}

function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  return a.length === b.length && JSON.stringify(a) === JSON.stringify(b);
}
