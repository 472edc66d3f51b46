/**
 * The tcp_proxy network filter: each downstream connection is forwarded to a host of the
 * chain's cluster (weighted clusters picked per connection) and bytes are piped both ways,
 * half-closes included. The connection is closed after the idle timeout (Envoy's default: one
 * hour) without bytes in either direction. Byte counters are added when the connection ends.
 * Endpoints whose transport socket is TLS get a TLS connection (see tls/upstream-tls.ts).
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { XdsTcpProxy } from '../../xds/model';
import { type AccessLogSink, formatTcpLogLine, type ResponseFlag } from '../access-log/access-log';
import type { Counter, Gauge, StatsStore } from '../stats/stats-store';
import type { IstioMetrics } from '../telemetry/istio-metrics';
import type { ClusterManager } from '../upstream/cluster-manager';

const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

export interface TcpProxyContext {
  readonly clusters: ClusterManager;
  readonly accessLog: AccessLogSink | undefined;
  readonly random: () => number;
  /** Istio's standard metrics, told when a connection opens and when it closes. */
  readonly telemetry?: IstioMetrics;
}

class TcpStats {
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly rxBytes: Counter;
  readonly txBytes: Counter;
  readonly noRoute: Counter;
  readonly connectFail: Counter;
  readonly idleTimeout: Counter;

  constructor(store: StatsStore, statPrefix: string) {
    const s = store.scope(`tcp.${statPrefix}`);
    this.cxTotal = s.counter('downstream_cx_total');
    this.cxActive = s.gauge('downstream_cx_active');
    this.rxBytes = s.counter('downstream_cx_rx_bytes_total');
    this.txBytes = s.counter('downstream_cx_tx_bytes_total');
    this.noRoute = s.counter('downstream_cx_no_route');
    this.connectFail = s.counter('upstream_connect_fail');
    this.idleTimeout = s.counter('idle_timeout');
  }
}

export class TcpProxyChain {
  readonly kind = 'tcp';
  private readonly stats: TcpStats;
  private readonly totalWeight: number;

  constructor(
    readonly name: string,
    readonly config: XdsTcpProxy,
    private readonly context: TcpProxyContext,
    store: StatsStore,
  ) {
    this.stats = new TcpStats(store, config.statPrefix);
    const d = config.destination;
    this.totalWeight = 'weightedClusters' in d ? d.weightedClusters.reduce((sum, c) => sum + c.weight, 0) : 0;
  }

  /** Existing connections run to their end: TCP has no way to ask a client to go elsewhere. */
  drain(): void {}

  accept(downstream: Socket): void {
    const { stats, context } = this;
    const startTime = Date.now();
    const startMark = performance.now();
    const flags: ResponseFlag[] = [];
    stats.cxTotal.inc();
    stats.cxActive.inc();

    const cluster = context.clusters.get(this.clusterName());
    const host = cluster && !cluster.unsupportedReason ? cluster.chooseHost() : undefined;
    const finish = (upstream: Socket | undefined) => {
      stats.cxActive.dec();
      stats.rxBytes.inc(downstream.bytesRead);
      stats.txBytes.inc(downstream.bytesWritten);
      context.telemetry?.tcpClosed(cluster?.name, host?.key, flags, downstream.bytesRead, downstream.bytesWritten);
      context.accessLog?.(
        formatTcpLogLine({
          startTime,
          flags,
          bytesReceived: downstream.bytesRead,
          bytesSent: downstream.bytesWritten,
          durationMs: performance.now() - startMark,
          upstreamHost: upstream ? host?.key : undefined,
        }),
      );
    };
    if (!cluster || !host || host.transportFailure !== undefined) {
      if (!cluster) stats.noRoute.inc();
      else if (!host) cluster.stats.noneHealthy.inc();
      flags.push(!cluster ? 'NC' : !host ? 'UH' : 'UF');
      context.telemetry?.tcpOpened(cluster?.name, host?.key, flags);
      downstream.once('close', () => finish(undefined));
      downstream.destroy();
      return;
    }

    host.requestStarted();
    context.telemetry?.tcpOpened(cluster.name, host.key, flags);
    cluster.stats.cxTotal.inc();
    cluster.stats.cxActive.inc();
    host.counters.cxTotal++;
    host.counters.cxActive++;
    const transport = host.transport;
    const options = { host: host.address, port: host.port, allowHalfOpen: true, noDelay: true };
    let upstream: Socket;
    if (transport.kind === 'tls') {
      const tlsSocket = connectTls({ ...options, ...host.tlsSessions.options(transport) });
      host.tlsSessions.remember(tlsSocket, transport.material.id);
      upstream = tlsSocket;
    } else {
      upstream = connect(options);
    }
    // A TLS upstream is connected once its handshake is done (a failed one is a connect failure).
    const readyEvent = transport.kind === 'tls' ? 'secureConnect' : 'connect';
    let connected = false;
    const connectTimer = setTimeout(() => {
      cluster.stats.cxConnectTimeout.inc();
      upstream.destroy();
    }, cluster.connectTimeoutMs);

    upstream.once(readyEvent, () => {
      connected = true;
      clearTimeout(connectTimer);
      downstream.pipe(upstream);
      upstream.pipe(downstream);
      const idle = this.config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
      if (idle > 0) {
        const onIdle = () => {
          flags.push('IT');
          stats.idleTimeout.inc();
          downstream.destroy();
          upstream.destroy();
        };
        // Either side idle means no bytes moved in either direction: a byte read on one side is written on the other.
        downstream.setTimeout(idle, onIdle);
        upstream.setTimeout(idle, onIdle);
      }
    });
    // Whichever side fails or closes first takes the other with it.
    upstream.on('error', () => undefined);
    downstream.on('error', () => undefined);
    upstream.once('close', () => {
      clearTimeout(connectTimer);
      cluster.stats.cxActive.dec();
      host.counters.cxActive--;
      cluster.stats.cxRxBytes.inc(upstream.bytesRead);
      cluster.stats.cxTxBytes.inc(upstream.bytesWritten);
      if (!connected) {
        flags.push('UF');
        stats.connectFail.inc();
        cluster.stats.cxConnectFail.inc();
        host.counters.cxConnectFail++;
      }
      host.requestFinished(connected);
      closeAfterFlush(downstream);
    });
    downstream.once('close', () => {
      closeAfterFlush(upstream);
      finish(upstream);
    });
  }

  private clusterName(): string {
    const d = this.config.destination;
    if ('cluster' in d) return d.cluster;
    let x = Math.floor(this.context.random() * this.totalWeight);
    for (const c of d.weightedClusters) {
      if (x < c.weight) return c.name;
      x -= c.weight;
    }
    return d.weightedClusters[d.weightedClusters.length - 1].name;
  }
}

/** Ends the socket once what was written to it is flushed, then releases it. */
function closeAfterFlush(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableFinished || socket.connecting) socket.destroy();
  else socket.end(() => socket.destroy());
}
