/**
 * One upstream endpoint of a cluster: its address, what EDS says of its health and weight, its
 * counters (those /clusters shows) and its keep-alive connection pool. Host objects outlive
 * endpoint updates that keep their address, so pools and counters carry over.
 */
import type { XdsHealthStatus, XdsLbEndpoint, XdsLocalityEndpoints } from '../../xds/model';
import { HostConnectionPool } from './connection-pool';
import type { ClusterStats } from './cluster-stats';

export interface HostCounters {
  cxTotal: number;
  cxActive: number;
  cxConnectFail: number;
  rqTotal: number;
  rqActive: number;
  rqSuccess: number;
  rqError: number;
  rqTimeout: number;
}

/** What the pool needs from its cluster, read at connect time so cluster updates apply. */
export interface PoolSettings {
  readonly connectTimeoutMs: number;
  readonly stats: ClusterStats;
}

export class Host {
  readonly key: string;
  healthStatus: XdsHealthStatus = 'unknown';
  weight = 1;
  priority = 0;
  locality: XdsLocalityEndpoints['locality'] = { region: '', zone: '', subZone: '' };
  /** The endpoint's transport socket would be TLS, which this proxy does not originate yet. */
  tlsRequired = false;
  readonly counters: HostCounters = {
    cxTotal: 0,
    cxActive: 0,
    cxConnectFail: 0,
    rqTotal: 0,
    rqActive: 0,
    rqSuccess: 0,
    rqError: 0,
    rqTimeout: 0,
  };
  readonly pool: HostConnectionPool;
  private retired = false;

  constructor(
    readonly address: string,
    readonly port: number,
    settings: PoolSettings,
  ) {
    this.key = `${address}:${port}`;
    this.pool = new HostConnectionPool(this, settings);
  }

  update(endpoint: XdsLbEndpoint, locality: XdsLocalityEndpoints, tlsRequired: boolean): void {
    this.healthStatus = endpoint.healthStatus;
    this.weight = endpoint.weight;
    this.priority = locality.priority;
    this.locality = locality.locality;
    this.tlsRequired = tlsRequired;
  }

  get activeRequests(): number {
    return this.counters.rqActive;
  }

  /** Healthy for load balancing: EDS says HEALTHY or nothing (UNKNOWN). */
  get healthy(): boolean {
    return this.healthStatus === 'healthy' || this.healthStatus === 'unknown';
  }

  requestStarted(): void {
    this.counters.rqTotal++;
    this.counters.rqActive++;
  }

  requestFinished(success: boolean): void {
    this.counters.rqActive--;
    if (success) this.counters.rqSuccess++;
    else this.counters.rqError++;
    if (this.retired && this.counters.rqActive === 0) this.pool.destroy();
  }

  /** The endpoint left the cluster: close idle connections now, busy ones when their request ends. */
  retire(): void {
    this.retired = true;
    if (this.counters.rqActive === 0) this.pool.destroy();
  }
}
