/**
 * A cluster at run time: its hosts (from EDS or the cluster's own load assignment), grouped by
 * priority, and the choice of a host for each request or connection.
 *
 * Priorities and health follow Envoy's rules with its defaults: a priority level's health is its
 * share of healthy hosts times the overprovisioning factor 1.4 (capped at 100%); traffic goes to
 * the first levels until their health adds up to 100%, spilling over to the next ones only when
 * they are unhealthy. A level with fewer healthy hosts than the panic threshold (Envoy's
 * healthy_panic_threshold, 50% unless the cluster says otherwise, 0 = never) is in panic and
 * balances over all its hosts, healthy or not. Hosts ejected by outlier detection count as
 * unhealthy. Locality weights are not applied:
 * Envoy only applies them with `locality_weighted_lb_config`, which the decoder does not accept.
 */
import type {
  XdsCluster,
  XdsClusterLoadAssignment,
  XdsDnsLookupFamily,
  XdsLbEndpoint,
  XdsUpstreamTls,
} from '../../xds/model';
import type { StatsStore } from '../stats/stats-store';
import { PLAINTEXT, type UpstreamTransport } from '../tls/upstream-tls';
import { TlsMaterialResolver } from '../tls/tls-material';
import { ClusterStats } from './cluster-stats';
import { Host, type PoolSettings } from './host';
import { createLoadBalancer, type LoadBalancer, type RandomSource } from './load-balancer';
import { OutlierDetector, type OutlierHosts } from './outlier-detector';

const OVERPROVISIONING_FACTOR = 1.4;
const TRANSPORT_SOCKET_MATCH = 'envoy.transport_socket_match';
/** For clusters updated without secrets (unit tests): TLS endpoints are unavailable. */
const NO_SECRETS = new TlsMaterialResolver();

/**
 * A request waiting for a connection (the circuit breaker's pending requests). The exchange
 * itself is the queue entry: no closure per request.
 */
export interface PendingRequest {
  /** The host the request will be sent to. */
  readonly pendingHost: Host | undefined;
  /** The request is going ahead (a connection can be had). */
  connectionAvailable(): void;
}

/** What the circuit breaker says of a new try. */
export const enum Admission {
  /** Send now: a parked connection, or room for a new one. */
  Go,
  /** Wait for a connection (counted as pending). */
  Queue,
  /** Refused: 503 UO. */
  Overflow,
}

interface PriorityLevel {
  readonly hosts: readonly Host[];
  /** Load-balancing percentage of this level (0-100). */
  readonly load: number;
  readonly balancer: LoadBalancer<Host>;
}

export class ClusterRuntime implements PoolSettings, OutlierHosts {
  readonly stats: ClusterStats;
  private definition: XdsCluster;
  private readonly hosts = new Map<string, Host>();
  private levels: PriorityLevel[] = [];
  private readonly pending: PendingRequest[] = [];
  /** Retries in flight (the max_retries breaker). */
  activeRetries = 0;
  private outlierDetector: OutlierDetector | undefined;

  constructor(
    definition: XdsCluster,
    store: StatsStore,
    private readonly random: RandomSource = Math.random,
  ) {
    this.definition = definition;
    this.stats = new ClusterStats(store, definition.name);
    this.configureOutlierDetection();
  }

  get upstreamBindAddress(): string | undefined {
    return this.definition.upstreamBindAddress;
  }

  get idleTimeoutMs(): number | undefined {
    return this.definition.idleTimeoutMs;
  }

  get maxRequestsPerConnection(): number | undefined {
    return this.definition.maxRequestsPerConnection;
  }

  get dnsLookupFamily(): XdsDnsLookupFamily | undefined {
    return 'dnsLookupFamily' in this.definition ? this.definition.dnsLookupFamily : undefined;
  }

  get hostCount(): number {
    return this.hosts.size;
  }

  hostList(): Iterable<Host> {
    return this.hosts.values();
  }

  healthChanged(): void {
    this.rebuildLevels();
  }

  // ---------------------------------------------------------------------------------- circuit breakers

  /**
   * Whether a new try to `host` may go: over max_requests it overflows; with a parked
   * connection, or fewer than max_connections open, it goes; otherwise it waits for a connection
   * (upstream_cx_overflow) as a pending request, unless max_pending_requests are already waiting.
   * HTTP/1.1 carries one request per connection, so only waiting requests count as pending here
   * (Envoy also counts the ones whose new connection is still being made).
   */
  admit(host: Host): Admission {
    const breakers = this.definition.circuitBreakers;
    const stats = this.stats;
    if (stats.rqActive.value >= breakers.maxRequests) {
      stats.rqPendingOverflow.inc();
      return Admission.Overflow;
    }
    if (host.pool.hasIdleConnection() || stats.cxActive.value < breakers.maxConnections) return Admission.Go;
    stats.cxOverflow.inc();
    if (this.pending.length >= breakers.maxPendingRequests) {
      stats.rqPendingOverflow.inc();
      return Admission.Overflow;
    }
    return Admission.Queue;
  }

  enqueue(request: PendingRequest): void {
    this.pending.push(request);
    this.stats.rqPendingTotal.inc();
    this.stats.rqPendingActive.inc();
  }

  /** A waiting request gave up (timeout, client gone). */
  dequeue(request: PendingRequest): void {
    const i = this.pending.indexOf(request);
    if (i < 0) return;
    this.pending.splice(i, 1);
    this.stats.rqPendingActive.dec();
  }

  /** A connection was parked or closed: waiting requests that can now go, go (in order). */
  connectionReleased(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    const maxConnections = this.definition.circuitBreakers.maxConnections;
    for (let i = 0; i < pending.length;) {
      const request = pending[i];
      const host = request.pendingHost;
      if (host && !host.pool.hasIdleConnection() && this.stats.cxActive.value >= maxConnections) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      this.stats.rqPendingActive.dec();
      request.connectionAvailable();
    }
  }

  /** Whether another retry may start (max_retries); counts upstream_rq_retry_overflow when not. */
  canRetry(): boolean {
    if (this.activeRetries < this.definition.circuitBreakers.maxRetries) return true;
    this.stats.rqRetryOverflow.inc();
    return false;
  }

  // ---------------------------------------------------------------------------------- outlier detection

  /** The outcome of one try (status, or 503 for a connect failure or reset, 504 for a timeout). */
  reportOutcome(host: Host, status: number): void {
    this.outlierDetector?.report(host, status);
  }

  private configureOutlierDetection(): void {
    const config = this.definition.outlierDetection;
    if (!config) {
      if (this.outlierDetector) {
        for (const host of this.hosts.values()) this.outlierDetector.forget(host);
        this.outlierDetector.close();
        this.outlierDetector = undefined;
      }
      return;
    }
    if (this.outlierDetector) this.outlierDetector.reconfigure(config);
    else this.outlierDetector = new OutlierDetector(config, this, this.stats.outlier, this.random);
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
  update(
    definition: XdsCluster,
    assignment: XdsClusterLoadAssignment | undefined,
    tls: TlsMaterialResolver = NO_SECRETS,
  ): void {
    this.definition = definition;
    this.configureOutlierDetection();
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
        host.update(endpoint, locality, transportOf(this.transportTlsOf(endpoint), tls));
      }
    }
    for (const [key, host] of this.hosts) {
      if (!seen.has(key)) {
        this.hosts.delete(key);
        this.outlierDetector?.forget(host);
        host.retire();
      }
    }
    this.rebuildLevels();
  }

  /**
   * The host for the next request or connection; undefined when the cluster has none. `hash`:
   * the request's consistent-hash key (ring hash and maglev use it; it also picks the priority
   * level, so a key stays put).
   */
  chooseHost(hash?: number): Host | undefined {
    const levels = this.levels;
    if (levels.length === 0) return undefined;
    if (levels.length === 1) return levels[0].balancer.choose(hash);
    const x = hash === undefined ? this.random() * 100 : (hash % 10_000) / 100;
    let sum = 0;
    for (const level of levels) {
      sum += level.load;
      if (x < sum) return level.balancer.choose(hash);
    }
    return levels[0].balancer.choose(hash);
  }

  /** Called when the cluster leaves the configuration. */
  close(): void {
    this.outlierDetector?.close();
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
    const panicThreshold = this.definition.healthyPanicThresholdPercent;
    const levels = priorities.map((p) => {
      const hosts = byPriority.get(p) ?? [];
      const healthy = hosts.filter((h) => h.healthy);
      const healthyPercent = (100 * healthy.length) / hosts.length;
      return {
        hosts,
        health: Math.min(100, healthyPercent * OVERPROVISIONING_FACTOR),
        candidates: healthyPercent < panicThreshold ? hosts : healthy,
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

/** The endpoint's transport with the secrets in force (or why they cannot be used). */
function transportOf(config: XdsUpstreamTls | undefined, tls: TlsMaterialResolver): UpstreamTransport {
  if (!config) return PLAINTEXT;
  const resolved = tls.resolve(config);
  return resolved.ok
    ? { kind: 'tls', config, material: resolved.material }
    : { kind: 'unavailable', reason: resolved.reason };
}
