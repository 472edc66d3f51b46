/**
 * A filter chain whose network filter is the HTTP connection manager: its settings, where its
 * routes come from, its `http.<stat_prefix>.*` stats, and the downstream connections it owns.
 *
 * Routes are looked up per request, not per connection: an RDS update applies to the next
 * request on every open connection, while a request already routed finishes on the route it got.
 * When the chain is replaced (its listener changed) or removed, it drains: idle connections are
 * closed at once, busy ones after their current response (sent with `connection: close`).
 */
import type { Socket } from 'node:net';
import type { XdsHttpConnectionManager } from '../../xds/model';
import type { RouteTable } from '../routing/route-table';
import { type Counter, type Gauge, type StatsStore, statusClassCounters } from '../stats/stats-store';

export class HttpStats {
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxDrainClose: Counter;
  readonly rqTotal: Counter;
  readonly rqActive: Gauge;
  readonly rqCompleted: Counter;
  readonly rqByClass: readonly Counter[];
  readonly noRoute: Counter;
  readonly noCluster: Counter;
  readonly rqRedirect: Counter;
  readonly rqDirectResponse: Counter;
  readonly rqTimeout: Counter;

  constructor(store: StatsStore, statPrefix: string) {
    const s = store.scope(`http.${statPrefix}`);
    this.cxTotal = s.counter('downstream_cx_total');
    this.cxActive = s.gauge('downstream_cx_active');
    this.cxDrainClose = s.counter('downstream_cx_drain_close');
    this.rqTotal = s.counter('downstream_rq_total');
    this.rqActive = s.gauge('downstream_rq_active');
    this.rqCompleted = s.counter('downstream_rq_completed');
    this.rqByClass = statusClassCounters(s, 'downstream_rq');
    this.noRoute = s.counter('no_route');
    this.noCluster = s.counter('no_cluster');
    this.rqRedirect = s.counter('rq_redirect');
    this.rqDirectResponse = s.counter('rq_direct_response');
    this.rqTimeout = s.counter('downstream_rq_timeout');
  }
}

/** Per downstream connection. */
export interface HttpConnection {
  readonly chain: HttpChain;
  readonly socket: Socket;
  activeRequests: number;
}

export class HttpChain {
  readonly kind = 'http';
  readonly stats: HttpStats;
  private isDraining = false;
  private readonly connections = new Set<HttpConnection>();

  constructor(
    readonly name: string,
    readonly config: XdsHttpConnectionManager,
    /** The chain's current route table: its RDS name in the active config, or its inline one. */
    readonly routeTable: () => RouteTable | undefined,
    store: StatsStore,
  ) {
    this.stats = new HttpStats(store, config.statPrefix);
  }

  get draining(): boolean {
    return this.isDraining;
  }

  /** Takes a downstream connection; returns its state for the request handler. */
  open(socket: Socket): HttpConnection {
    const connection: HttpConnection = { chain: this, socket, activeRequests: 0 };
    this.connections.add(connection);
    this.stats.cxTotal.inc();
    this.stats.cxActive.inc();
    socket.once('close', () => {
      this.connections.delete(connection);
      this.stats.cxActive.dec();
    });
    return connection;
  }

  /** A request of the connection finished: a draining chain closes the connection once idle. */
  requestFinished(connection: HttpConnection): void {
    connection.activeRequests--;
    if (this.isDraining && connection.activeRequests === 0) this.closeIdle(connection);
  }

  drain(): void {
    if (this.isDraining) return;
    this.isDraining = true;
    for (const connection of this.connections) {
      if (connection.activeRequests === 0) this.closeIdle(connection);
    }
  }

  private closeIdle(connection: HttpConnection): void {
    if (connection.socket.destroyed) return;
    this.stats.cxDrainClose.inc();
    connection.socket.end();
  }
}
