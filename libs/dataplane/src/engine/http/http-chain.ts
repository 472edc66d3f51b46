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
import type { XdsFault, XdsHttpConnectionManager } from '../../xds/model';
import type { CompiledCorsPolicy } from '../routing/cors';
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
  readonly faultDelays: Counter;
  readonly faultAborts: Counter;

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
    this.faultDelays = s.counter('fault.delays_injected');
    this.faultAborts = s.counter('fault.aborts_injected');
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
  /** Names of the chain's enabled fault and CORS filters: the per-route configs that apply. */
  private readonly faultFilters: readonly string[];
  private readonly corsFilters: readonly string[];

  constructor(
    readonly name: string,
    readonly config: XdsHttpConnectionManager,
    /** The chain's current route table: its RDS name in the active config, or its inline one. */
    readonly routeTable: () => RouteTable | undefined,
    store: StatsStore,
  ) {
    this.stats = new HttpStats(store, config.statPrefix);
    this.faultFilters = config.httpFilters.filter((f) => f.kind === 'fault' && !f.disabled).map((f) => f.name);
    this.corsFilters = config.httpFilters.filter((f) => f.kind === 'cors' && !f.disabled).map((f) => f.name);
  }

  /** The route's CORS policy for this chain's CORS filter, if the chain has one and the route sets it. */
  corsFor(policies: Readonly<Record<string, CompiledCorsPolicy>>): CompiledCorsPolicy | undefined {
    for (const name of this.corsFilters) {
      const policy = policies[name];
      if (policy) return policy;
    }
    return undefined;
  }

  /** The route's fault config for this chain's fault filter, if the chain has one and the route sets it. */
  faultFor(faults: Readonly<Record<string, XdsFault>>): XdsFault | undefined {
    for (const name of this.faultFilters) {
      const fault = faults[name];
      if (fault) return fault;
    }
    return undefined;
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
