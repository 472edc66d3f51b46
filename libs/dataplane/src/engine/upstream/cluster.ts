/**
 * A cluster at run time: its hosts (from EDS or the cluster's own load assignment), grouped by
 * priority, and the choice of a host for each request or connection.
 *
 * Priorities and health follow Envoy's rules with its defaults: a priority level's health is its
 * share of healthy hosts times the overprovisioning factor 1.4 (capped at 100%); traffic goes to
 * the first levels until their health adds up to 100%, spilling over to the next ones only when
 * they are unhealthy. A level with fewer than 50% healthy hosts is in panic and balances over all
 * its hosts, healthy or not (Envoy's healthy_panic_threshold). Locality weights are not applied:
 * Envoy only applies them with `locality_weighted_lb_config`, which the decoder does not accept.
 */
import type { XdsCluster, XdsClusterLoadAssignment, XdsLbEndpoint, XdsUpstreamTls } from '../../xds/model';
import type { StatsStore } from '../stats/stats-store';
import { ClusterStats } from './cluster-stats';
import { Host, type PoolSettings } from './host';
import { createLoadBalancer, type LoadBalancer, type RandomSource } from './load-balancer';

const OVERPROVISIONING_FACTOR = 1.4;
const PANIC_THRESHOLD_PERCENT = 50;
const TRANSPORT_SOCKET_MATCH = 'envoy.transport_socket_match';

interface PriorityLevel {
  readonly hosts: readonly Host[];
  /** Load-balancing percentage of this level (0-100). */
  readonly load: number;
  readonly balancer: LoadBalancer<Host>;
}

export class ClusterRuntime implements PoolSettings {
  readonly stats: ClusterStats;
  private definition: XdsCluster;
  private readonly hosts = new Map<string, Host>();
  private levels: PriorityLevel[] = [];

  constructor(
    definition: XdsCluster,
    store: StatsStore,
    private readonly random: RandomSource = Math.random,
  ) {
    this.definition = definition;
    this.stats = new ClusterStats(store, definition.name);
  }

  get name(): string {
    return this.definition.name;
  }

  get config(): XdsCluster {
    return this.definition;
  }

  get connectTimeoutMs(): number {
    return this.definition.connectTimeoutMs;
  }

  /** Why this cluster cannot carry traffic at all, if it cannot. */
  get unsupportedReason(): string | undefined {
    if (this.definition.type === 'original_dst') {
      return 'ORIGINAL_DST clusters need the original destination, which this proxy does not recover yet';
    }
    return undefined;
  }

  /** Every current host, in priority order. */
  allHosts(): Host[] {
    return [...this.hosts.values()].sort((a, b) => a.priority - b.priority);
  }

  /** Applies a new definition and endpoint set; hosts whose address stays keep their pool and counters. */
  update(definition: XdsCluster, assignment: XdsClusterLoadAssignment | undefined): void {
    this.definition = definition;
    const seen = new Set<string>();
    for (const locality of assignment?.localities ?? []) {
      for (const endpoint of locality.endpoints) {
        const key = `${endpoint.address.address}:${endpoint.address.port}`;
        if (seen.has(key)) continue; // the same address twice: one host
        seen.add(key);
        let host = this.hosts.get(key);
        if (!host) {
          host = new Host(endpoint.address.address, endpoint.address.port, this);
          this.hosts.set(key, host);
        }
        host.update(endpoint, locality, this.transportTlsOf(endpoint) !== undefined);
      }
    }
    for (const [key, host] of this.hosts) {
      if (!seen.has(key)) {
        this.hosts.delete(key);
        host.retire();
      }
    }
    this.rebuildLevels();
  }

  /** The host for the next request or connection; undefined when the cluster has none. */
  chooseHost(): Host | undefined {
    const levels = this.levels;
    if (levels.length === 0) return undefined;
    if (levels.length === 1) return levels[0].balancer.choose();
    const x = this.random() * 100;
    let sum = 0;
    for (const level of levels) {
      sum += level.load;
      if (x < sum) return level.balancer.choose();
    }
    return levels[0].balancer.choose();
  }

  /** Called when the cluster leaves the configuration. */
  close(): void {
    for (const host of this.hosts.values()) host.retire();
    this.hosts.clear();
    this.levels = [];
  }

  /** The TLS settings the endpoint's transport socket would use (first matching transport_socket_match, else the cluster's). */
  private transportTlsOf(endpoint: XdsLbEndpoint): XdsUpstreamTls | undefined {
    const labels = endpoint.metadata[TRANSPORT_SOCKET_MATCH] ?? {};
    for (const match of this.definition.transportSocketMatches) {
      if (Object.entries(match.match).every(([k, v]) => labels[k] === v)) return match.tls;
    }
    return this.definition.tls;
  }

  private rebuildLevels(): void {
    const byPriority = new Map<number, Host[]>();
    for (const host of this.hosts.values()) {
      const list = byPriority.get(host.priority) ?? [];
      list.push(host);
      byPriority.set(host.priority, list);
    }
    const priorities = [...byPriority.keys()].sort((a, b) => a - b);
    const levels = priorities.map((p) => {
      const hosts = byPriority.get(p) ?? [];
      const healthy = hosts.filter((h) => h.healthy);
      const healthyPercent = (100 * healthy.length) / hosts.length;
      return {
        hosts,
        health: Math.min(100, healthyPercent * OVERPROVISIONING_FACTOR),
        candidates: healthyPercent < PANIC_THRESHOLD_PERCENT ? hosts : healthy,
      };
    });
    const totalHealth = Math.min(
      100,
      levels.reduce((sum, l) => sum + l.health, 0),
    );
    let remaining = 100;
    this.levels = levels.map((level, i) => {
      // No healthy host anywhere: everything goes to the first level, in panic.
      const share = totalHealth === 0 ? (i === 0 ? 100 : 0) : Math.min(remaining, (level.health * 100) / totalHealth);
      remaining -= share;
      return {
        hosts: level.hosts,
        load: share,
        balancer: createLoadBalancer(this.definition.lbPolicy, level.candidates, this.random),
      };
    });
    this.stats.membershipTotal.set(this.hosts.size);
    this.stats.membershipHealthy.set([...this.hosts.values()].filter((h) => h.healthy).length);
  }
}
