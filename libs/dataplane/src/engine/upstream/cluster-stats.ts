/** A cluster's counters and gauges, with Envoy's names under `cluster.<name>.`. */
import { OutlierStats } from './outlier-detector';
import { type Counter, type Gauge, type StatsScope, type StatsStore, statusClassCounters } from '../stats/stats-store';

export class ClusterStats {
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxConnectFail: Counter;
  readonly cxConnectTimeout: Counter;
  readonly cxRxBytes: Counter;
  readonly cxTxBytes: Counter;
  readonly rqTotal: Counter;
  readonly rqActive: Gauge;
  readonly rqCompleted: Counter;
  readonly rqTimeout: Counter;
  readonly noneHealthy: Counter;
  readonly membershipTotal: Gauge;
  readonly membershipHealthy: Gauge;
  readonly rqByClass: readonly Counter[];
  // Circuit breakers and retries.
  readonly rqPendingOverflow: Counter;
  readonly rqPendingTotal: Counter;
  readonly rqPendingActive: Gauge;
  readonly cxOverflow: Counter;
  readonly rqRetry: Counter;
  readonly rqRetrySuccess: Counter;
  readonly rqRetryOverflow: Counter;
  readonly rqRetryLimitExceeded: Counter;
  readonly rqPerTryTimeout: Counter;
  readonly outlier: OutlierStats;
  // Upstream TLS (Envoy's `cluster.<name>.ssl.*`).
  readonly sslHandshake: Counter;
  readonly sslConnectionError: Counter;
  readonly sslSessionReused: Counter;
  private readonly rqByCode = new Map<number, Counter>();
  private readonly scope: StatsScope;

  constructor(store: StatsStore, name: string) {
    const s = (this.scope = store.scope(`cluster.${name}`));
    this.cxTotal = s.counter('upstream_cx_total');
    this.cxActive = s.gauge('upstream_cx_active');
    this.cxConnectFail = s.counter('upstream_cx_connect_fail');
    this.cxConnectTimeout = s.counter('upstream_cx_connect_timeout');
    this.cxRxBytes = s.counter('upstream_cx_rx_bytes_total');
    this.cxTxBytes = s.counter('upstream_cx_tx_bytes_total');
    this.rqTotal = s.counter('upstream_rq_total');
    this.rqActive = s.gauge('upstream_rq_active');
    this.rqCompleted = s.counter('upstream_rq_completed');
    this.rqTimeout = s.counter('upstream_rq_timeout');
    this.noneHealthy = s.counter('upstream_cx_none_healthy');
    this.membershipTotal = s.gauge('membership_total');
    this.membershipHealthy = s.gauge('membership_healthy');
    this.rqByClass = statusClassCounters(s, 'upstream_rq');
    this.rqPendingOverflow = s.counter('upstream_rq_pending_overflow');
    this.rqPendingTotal = s.counter('upstream_rq_pending_total');
    this.rqPendingActive = s.gauge('upstream_rq_pending_active');
    this.cxOverflow = s.counter('upstream_cx_overflow');
    this.rqRetry = s.counter('upstream_rq_retry');
    this.rqRetrySuccess = s.counter('upstream_rq_retry_success');
    this.rqRetryOverflow = s.counter('upstream_rq_retry_overflow');
    this.rqRetryLimitExceeded = s.counter('upstream_rq_retry_limit_exceeded');
    this.rqPerTryTimeout = s.counter('upstream_rq_per_try_timeout');
    this.outlier = new OutlierStats(s);
    this.sslHandshake = s.counter('ssl.handshake');
    this.sslConnectionError = s.counter('ssl.connection_error');
    this.sslSessionReused = s.counter('ssl.session_reused');
  }

  /** Counts a response from the cluster: `upstream_rq_2xx` and `upstream_rq_200`. */
  response(status: number): void {
    this.rqCompleted.inc();
    this.rqByClass[Math.floor(status / 100)]?.inc();
    let counter = this.rqByCode.get(status);
    if (!counter) {
      counter = this.scope.counter(`upstream_rq_${status}`);
      this.rqByCode.set(status, counter);
    }
    counter.inc();
  }
}
