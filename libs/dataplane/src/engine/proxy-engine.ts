/**
 * The data-plane engine: serves the configuration of the xDS client's snapshots. Each snapshot is
 * applied in one synchronous step (clusters and endpoints reconciled, route tables compiled,
 * listener configurations swapped), so no request ever sees half of an update; only binding new
 * sockets happens afterwards. Requests already routed finish on what they were given.
 *
 * ```ts
 * const engine = new ProxyEngine({ accessLog: (line) => process.stdout.write(`${line}\n`) });
 * await engine.start();          // admin on 127.0.0.1:15000
 * engine.attach(xdsClient);      // applies every snapshot the client publishes
 * ```
 */
import type { XdsClient } from '../xds/xds-client';
import type { XdsRouteConfiguration, XdsSocketAddress } from '../xds/model';
import type { Snapshot } from '../xds/snapshot';
import type { AccessLogSink } from './access-log/access-log';
import { type AdminOptions, AdminServer } from './admin/admin-server';
import { clustersText } from './admin/clusters-text';
import { configDump } from './admin/config-dump';
import { HttpConnectionManager } from './http/http-connection-manager';
import { type ListenerEvent, ListenerManager } from './listeners/listener-manager';
import { RouteTable } from './routing/route-table';
import { StatsStore } from './stats/stats-store';
import { IstioMetrics } from './telemetry/istio-metrics';
import type { LocalNode } from './telemetry/peers';
import { type PrometheusOptions, PrometheusServer } from './telemetry/prometheus-server';
import { prometheusText } from './telemetry/prometheus-text';
import { TlsMaterialResolver } from './tls/tls-material';
import { ClusterManager } from './upstream/cluster-manager';

export interface ProxyEngineOptions {
  /** Where the admin endpoint listens (default 127.0.0.1:15000); false for none. */
  admin?: AdminOptions | false;
  /** Receives one Envoy-format access log line per request or TCP connection (no trailing newline). */
  accessLog?: AccessLogSink;
  /** Bound sockets, failures, skipped listeners, applied snapshots. */
  onEvent?: (event: EngineEvent) => void;
  /** Called after a POST to /quitquitquit has been answered; the default closes the engine. */
  onQuit?: () => void;
  /** The random source of weighted clusters and load balancers (tests may pin it). */
  random?: () => number;
  /**
   * Istio's standard metrics (`istio_requests_total`, ...; on by default): the xDS node whose
   * metadata gives the `source_*` labels. False turns them off.
   */
  telemetry?: { readonly node?: LocalNode } | false;
  /** A separate Prometheus endpoint (`/stats/prometheus`, Istio's 15090); none unless given. */
  prometheus?: PrometheusOptions;
}

export type EngineEvent =
  ListenerEvent | { readonly type: 'applied'; readonly generation: number } | { readonly type: 'quit' };

/** What the request path reads from the configuration in force. */
interface ActiveConfig {
  readonly snapshot: Snapshot;
  readonly routeTables: ReadonlyMap<string, RouteTable>;
}

/** The admin or Prometheus endpoint could not listen (the message is the system's). */
export class EndpointStartError extends Error {
  constructor(
    readonly endpoint: 'admin' | 'prometheus',
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export class ProxyEngine {
  readonly stats = new StatsStore();
  private readonly clusters: ClusterManager;
  /** The SDS secrets of the snapshot in force, resolved into TLS material for clusters and listeners. */
  private readonly tls = new TlsMaterialResolver();
  private readonly listeners: ListenerManager;
  private readonly admin: AdminServer | undefined;
  /** Istio's standard metrics; undefined when turned off. */
  readonly istioMetrics: IstioMetrics | undefined;
  private readonly prometheus: PrometheusServer | undefined;
  /** Compiled route tables by the checked config they came from: unchanged ones are not recompiled. */
  private readonly compiledRoutes = new WeakMap<XdsRouteConfiguration, RouteTable>();
  private active: ActiveConfig | undefined;
  private live = false;
  private closed = false;

  constructor(private readonly options: ProxyEngineOptions = {}) {
    const random = options.random ?? Math.random;
    this.clusters = new ClusterManager(this.stats, this.tls);
    const telemetry = options.telemetry === false ? undefined : new IstioMetrics({ node: options.telemetry?.node });
    this.istioMetrics = telemetry;
    const http = new HttpConnectionManager({
      clusters: this.clusters,
      accessLog: options.accessLog,
      random,
      telemetry,
    });
    this.listeners = new ListenerManager(
      {
        stats: this.stats,
        rdsRouteTable: (name) => this.active?.routeTables.get(name),
        inlineRouteTable: (config) => this.routeTable(config),
        tcp: { clusters: this.clusters, accessLog: options.accessLog, random, telemetry },
        tls: this.tls,
      },
      { stats: this.stats, http },
      (event) => this.emit(event),
    );
    this.admin = options.admin === false ? undefined : new AdminServer(this.adminSource());
    this.prometheus = options.prometheus ? new PrometheusServer(() => this.prometheusText()) : undefined;
    this.stats.gauge('server.live').set(0);
    this.stats.gauge('server.state').set(2); // PRE_INITIALIZING
  }

  /** Starts the admin endpoint and the Prometheus endpoint (when configured); an EndpointStartError says which failed. */
  async start(): Promise<void> {
    if (this.admin && this.options.admin !== false) {
      await this.admin.listen(this.options.admin ?? {}).catch((error: unknown) => {
        throw new EndpointStartError('admin', error);
      });
    }
    if (this.prometheus) {
      try {
        await this.prometheus.listen(this.options.prometheus);
      } catch (error) {
        await this.admin?.close();
        throw new EndpointStartError('prometheus', error);
      }
    }
  }

  /** The `/stats/prometheus` body: Istio's standard metrics, then Envoy's stats. */
  prometheusText(): string {
    return prometheusText(this.istioMetrics, this.stats);
  }

  /**
   * Serves a snapshot from now on. The switch is immediate; the promise resolves once the
   * sockets of new listeners are bound (or failed, reported as an event).
   */
  apply(snapshot: Snapshot): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.tls.useSecrets(snapshot.secrets);
    this.clusters.reconcile(snapshot);
    this.istioMetrics?.reconcile(snapshot);
    const routeTables = new Map<string, RouteTable>();
    for (const [name, config] of snapshot.routeConfigurations) routeTables.set(name, this.routeTable(config));
    this.active = { snapshot, routeTables };
    const bound = this.listeners.reconcile(snapshot.listeners);
    return bound.then(() => {
      if (this.closed) return;
      if (!this.live) {
        this.live = true;
        this.stats.gauge('server.live').set(1);
        this.stats.gauge('server.state').set(0); // LIVE
      }
      this.emit({ type: 'applied', generation: snapshot.generation });
    });
  }

  /** Applies the client's current snapshot, if any, and every one it publishes; returns the way to stop. */
  attach(client: XdsClient): () => void {
    const stop = client.onUpdate((snapshot) => void this.apply(snapshot));
    if (client.snapshot) void this.apply(client.snapshot);
    return stop;
  }

  /** The snapshot in force. */
  get snapshot(): Snapshot | undefined {
    return this.active?.snapshot;
  }

  /** The generation of the snapshot in force (0 before the first). */
  get generation(): number {
    return this.active?.snapshot.generation ?? 0;
  }

  /** True once the first snapshot is in force and its listeners are bound. */
  get ready(): boolean {
    return this.live;
  }

  /** Where a listener is bound (its real port when configured with port 0). */
  listenerAddress(name: string): XdsSocketAddress | undefined {
    return this.listeners.addressOf(name);
  }

  get adminAddress(): XdsSocketAddress | undefined {
    return this.admin?.address;
  }

  /** Where the Prometheus endpoint listens, when configured. */
  get prometheusAddress(): XdsSocketAddress | undefined {
    return this.prometheus?.address;
  }

  /** Stops accepting on every listener and the admin endpoint; requests in flight may finish. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.closeAll();
    this.clusters.close();
    await this.admin?.close();
    await this.prometheus?.close();
  }

  private routeTable(config: XdsRouteConfiguration): RouteTable {
    let table = this.compiledRoutes.get(config);
    if (!table) {
      table = new RouteTable(config);
      this.compiledRoutes.set(config, table);
    }
    return table;
  }

  private adminSource() {
    return {
      serverState: () =>
        this.closed ? ('DRAINING' as const) : this.live ? ('LIVE' as const) : ('PRE_INITIALIZING' as const),
      configDump: () => configDump(this.active?.snapshot),
      clustersText: () => clustersText(this.clusters.all()),
      listenersText: () =>
        this.listeners
          .describe()
          .map((l) => `${l.name}::${l.address.address}:${l.address.port}\n`)
          .join(''),
      stats: () => this.stats.entries(),
      prometheus: () => this.prometheusText(),
      quit: () => {
        this.emit({ type: 'quit' });
        if (this.options.onQuit) this.options.onQuit();
        else void this.close();
      },
    };
  }

  private emit(event: EngineEvent): void {
    this.options.onEvent?.(event);
  }
}
