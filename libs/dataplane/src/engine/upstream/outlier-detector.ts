/**
 * Envoy's consecutive-failure outlier detection for one cluster.
 *
 * Every try reports its outcome: an upstream status, or a failure of the proxy's own (connect
 * failure or reset count as 503, a timeout as 504, as Envoy counts them when local-origin errors
 * are not split out). A 5xx adds to the host's consecutive 5xx count, a 502/503/504 also to its
 * consecutive gateway failure count (another 5xx resets that one); anything below 500 resets both.
 * Reaching a threshold is a detection (`ejections_detected_*`); it ejects the host when the
 * detector's `enforcing_*` percentage lets it and when one more ejected host keeps the ejected
 * share within `max_ejection_percent` (else `ejections_overflow`).
 *
 * An ejected host is skipped by the load balancer. It comes back at the first interval tick after
 * `base_ejection_time × (number of ejections)` (capped at `max_ejection_time`); each tick it
 * spends in service (from a full interval after its return) lowers that multiplier by one again,
 * so a host that keeps failing stays out longer each time.
 */
import type { XdsOutlierDetection } from '../../xds/model';
import type { Counter, Gauge, StatsScope } from '../stats/stats-store';
import type { Host } from './host';

export class OutlierStats {
  readonly ejectionsActive: Gauge;
  readonly ejectionsEnforcedTotal: Counter;
  readonly ejectionsOverflow: Counter;
  readonly ejectionsDetected5xx: Counter;
  readonly ejectionsEnforced5xx: Counter;
  readonly ejectionsDetectedGateway: Counter;
  readonly ejectionsEnforcedGateway: Counter;

  constructor(cluster: StatsScope) {
    const s = cluster.scope('outlier_detection');
    this.ejectionsActive = s.gauge('ejections_active');
    this.ejectionsEnforcedTotal = s.counter('ejections_enforced_total');
    this.ejectionsOverflow = s.counter('ejections_overflow');
    this.ejectionsDetected5xx = s.counter('ejections_detected_consecutive_5xx');
    this.ejectionsEnforced5xx = s.counter('ejections_enforced_consecutive_5xx');
    this.ejectionsDetectedGateway = s.counter('ejections_detected_consecutive_gateway_failure');
    this.ejectionsEnforcedGateway = s.counter('ejections_enforced_consecutive_gateway_failure');
  }
}

export interface OutlierHosts {
  /** Every host of the cluster. */
  hostList(): Iterable<Host>;
  readonly hostCount: number;
  /** Ejections or returns changed which hosts are healthy. */
  healthChanged(): void;
}

export class OutlierDetector {
  private timer: NodeJS.Timeout | undefined;
  private ejectedCount = 0;

  constructor(
    private config: XdsOutlierDetection,
    private readonly hosts: OutlierHosts,
    private readonly stats: OutlierStats,
    private readonly random: () => number,
    private readonly now: () => number = Date.now,
  ) {
    this.schedule();
  }

  reconfigure(config: XdsOutlierDetection): void {
    const intervalChanged = config.intervalMs !== this.config.intervalMs;
    this.config = config;
    if (intervalChanged) this.schedule();
  }

  /** The outcome of one try on a host: its HTTP status (503 for a connect failure or reset, 504 for a timeout). */
  report(host: Host, status: number): void {
    const state = host.outlier;
    if (status < 500) {
      state.consecutive5xx = 0;
      state.consecutiveGatewayFailures = 0;
      return;
    }
    const config = this.config;
    if (status >= 502 && status <= 504) {
      state.consecutiveGatewayFailures++;
      if (
        config.consecutiveGatewayFailure > 0 &&
        state.consecutiveGatewayFailures >= config.consecutiveGatewayFailure
      ) {
        this.stats.ejectionsDetectedGateway.inc();
        if (this.enforced(config.enforcingConsecutiveGatewayFailure) && this.eject(host)) {
          this.stats.ejectionsEnforcedGateway.inc();
        }
        state.consecutiveGatewayFailures = 0;
      }
    } else {
      state.consecutiveGatewayFailures = 0;
    }
    state.consecutive5xx++;
    if (config.consecutive5xx > 0 && state.consecutive5xx >= config.consecutive5xx) {
      this.stats.ejectionsDetected5xx.inc();
      if (this.enforced(config.enforcingConsecutive5xx) && this.eject(host)) this.stats.ejectionsEnforced5xx.inc();
      state.consecutive5xx = 0;
    }
  }

  /** A host left the cluster: forget its ejection. */
  forget(host: Host): void {
    if (host.outlier.ejected) {
      host.outlier.ejected = false;
      this.ejectedCount--;
      this.stats.ejectionsActive.dec();
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private enforced(percent: number): boolean {
    return percent >= 100 || (percent > 0 && this.random() * 100 < percent);
  }

  private eject(host: Host): boolean {
    const state = host.outlier;
    if (state.ejected) return false;
    const total = this.hosts.hostCount;
    // Envoy's check: the share ejected with this host included must stay within the maximum.
    if (total === 0 || (100 * (this.ejectedCount + 1)) / total > this.config.maxEjectionPercent) {
      this.stats.ejectionsOverflow.inc();
      return false;
    }
    state.ejections++;
    state.ejected = true;
    state.ejectedUntilMs =
      this.now() + Math.min(this.config.baseEjectionTimeMs * state.ejections, this.config.maxEjectionTimeMs);
    this.ejectedCount++;
    this.stats.ejectionsActive.inc();
    this.stats.ejectionsEnforcedTotal.inc();
    this.hosts.healthChanged();
    return true;
  }

  /** The interval tick: return hosts whose time is up, and let well-behaved ones' multiplier decay. */
  private tick(): void {
    const now = this.now();
    let changed = false;
    for (const host of this.hosts.hostList()) {
      const state = host.outlier;
      if (state.ejected) {
        if (now >= state.ejectedUntilMs) {
          state.ejected = false;
          state.returnedAtMs = now;
          state.consecutive5xx = 0;
          state.consecutiveGatewayFailures = 0;
          this.ejectedCount--;
          this.stats.ejectionsActive.dec();
          changed = true;
        }
      } else if (state.ejections > 0 && now - state.returnedAtMs >= this.config.intervalMs) {
        state.ejections--;
      }
    }
    if (changed) this.hosts.healthChanged();
  }

  private schedule(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), this.config.intervalMs);
    this.timer.unref();
  }
}
