/**
 * One upstream endpoint of a cluster: its address, what EDS says of its health and weight, its
 * counters (those /clusters shows) and its keep-alive connection pool. Host objects outlive
 * endpoint updates that keep their address, so pools and counters carry over.
 */
import type { XdsDnsLookupFamily, XdsHealthStatus, XdsLbEndpoint, XdsLocalityEndpoints } from '../../xds/model';
import { PLAINTEXT, type UpstreamTransport, UpstreamTlsSessions } from '../tls/upstream-tls';
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

export type DnsLookupFamily = XdsDnsLookupFamily;

/** What the pool needs from its cluster, read at connect time so cluster updates apply. */
export interface PoolSettings {
  readonly connectTimeoutMs: number;
  readonly stats: ClusterStats;
  readonly upstreamBindAddress: string | undefined;
  readonly idleTimeoutMs: number | undefined;
  readonly maxRequestsPerConnection: number | undefined;
  readonly dnsLookupFamily: DnsLookupFamily | undefined;
  /** A connection of the host became idle or closed: requests waiting for one may go. */
  connectionReleased(host: Host): void;
}

/** Outlier detection's view of a host (see OutlierDetector). */
export interface OutlierState {
  consecutive5xx: number;
  consecutiveGatewayFailures: number;
  /** Ejected: skipped by the load balancer until `ejectedUntilMs`. */
  ejected: boolean;
  ejectedUntilMs: number;
  /** Grows with each ejection (the ejection time multiplier), shrinks while the host behaves. */
  ejections: number;
  /** When the host last came back from an ejection. */
  returnedAtMs: number;
}

export class Host {
  readonly key: string;
  healthStatus: XdsHealthStatus = 'unknown';
  weight = 1;
  priority = 0;
  locality: XdsLocalityEndpoints['locality'] = { region: '', zone: '', subZone: '' };
  /** How connections to the endpoint are made (its transport socket, with the TLS material in force). */
  transport: UpstreamTransport = PLAINTEXT;
  /** TLS session resumption: the last session of this host. */
  readonly tlsSessions = new UpstreamTlsSessions();
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
  readonly outlier: OutlierState = {
    consecutive5xx: 0,
    consecutiveGatewayFailures: 0,
    ejected: false,
    ejectedUntilMs: 0,
    ejections: 0,
    returnedAtMs: 0,
  };
  private retired = false;

  constructor(
    readonly address: string,
    readonly port: number,
    settings: PoolSettings,
  ) {
    this.key = `${address}:${port}`;
    this.pool = new HostConnectionPool(this, settings);
  }

  update(endpoint: XdsLbEndpoint, locality: XdsLocalityEndpoints, transport: UpstreamTransport): void {
    this.healthStatus = endpoint.healthStatus;
    this.weight = endpoint.weight;
    this.priority = locality.priority;
    this.locality = locality.locality;
    this.transport = transport;
  }

  /** Why no connection can be made to this host (its TLS secrets are not available), if so. */
  get transportFailure(): string | undefined {
    return this.transport.kind === 'unavailable' ? this.transport.reason : undefined;
  }

  get activeRequests(): number {
    return this.counters.rqActive;
  }

  /** Healthy for load balancing: EDS says HEALTHY or nothing (UNKNOWN), and outlier detection has not ejected it. */
  get healthy(): boolean {
    return (this.healthStatus === 'healthy' || this.healthStatus === 'unknown') && !this.outlier.ejected;
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
