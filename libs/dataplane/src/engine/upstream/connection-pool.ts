/**
 * The keep-alive connection pool of one upstream host: Node's http.Agent (which parks idle
 * sockets and hands them to the next request), with connections made here so that they are
 * counted (cx_total, cx_active, connect failures, bytes) and bounded by the cluster's connect
 * timeout, which the Agent does not have. Hosts whose transport socket is TLS get TLS connections
 * (see UpstreamTlsSessions): a connection counts as made once its handshake is done, so a failed
 * handshake or certificate check is a connect failure (503 UF with the TLS error as the reason).
 */
import { lookup } from 'node:dns';
import { Agent, type ClientRequest } from 'node:http';
import { type LookupFunction, type NetConnectOpts, type Socket, type TcpNetConnectOpts, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import type { DnsLookupFamily, Host, PoolSettings } from './host';

/**
 * Connections are bounded by the cluster's circuit breaker (max_connections, checked before a
 * request is sent: see ClusterRuntime.admit), not by the Agent, whose own queue would hide
 * requests from the breaker.
 */
const MAX_FREE_SOCKETS = 256;

const connected = Symbol('connected');
const idle = Symbol('idle');
const requests = Symbol('requests');

/** An upstream socket, tagged once its TCP connection is up, while it waits in the pool, and with its request count. */
type PoolSocket = Socket & { [connected]?: boolean; [idle]?: boolean; [requests]?: number };

/** DNS cluster endpoints: Envoy's lookup families as Node resolver options. */
const preferV4: LookupFunction = (hostname, options, callback) =>
  lookup(hostname, { ...options, order: 'ipv4first' }, callback);
const preferV6: LookupFunction = (hostname, options, callback) =>
  lookup(hostname, { ...options, order: 'ipv6first' }, callback);
const FAMILY_OPTIONS: Record<DnsLookupFamily, Partial<NetConnectOpts>> = {
  v4_only: { family: 4 },
  v6_only: { family: 6 },
  // Envoy's AUTO prefers IPv6 and falls back to IPv4.
  auto: { lookup: preferV6 },
  v4_preferred: { lookup: preferV4 },
  all: { autoSelectFamily: true },
};

export class ConnectTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(host: string, timeoutMs: number) {
    super(`connect to ${host} timed out after ${timeoutMs} ms`);
    this.name = 'ConnectTimeoutError';
  }
}

/** True when the socket completed its TCP handshake (so a failure on it is a reset, not a connect failure). */
export function wasConnected(socket: Duplex | null | undefined): boolean {
  return (socket as PoolSocket | null | undefined)?.[connected] === true;
}

export class HostConnectionPool extends Agent {
  /** The Agent's key for this host's sockets (requests are sent with `host` and `port` only). */
  private readonly poolName: string;

  constructor(
    private readonly host: Host,
    private readonly settings: PoolSettings,
  ) {
    super({ keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, scheduling: 'lifo' });
    this.poolName = this.getName({ host: host.address, port: host.port });
    // Runs after the Agent's own listener, which has parked the socket (or handed it to a queued request).
    this.on('free', (socket: PoolSocket) => this.onFree(socket));
  }

  /** True when a request sent now would reuse a parked connection rather than open one. */
  hasIdleConnection(): boolean {
    const free = this.freeSockets[this.poolName];
    return free !== undefined && free.length > 0;
  }

  override reuseSocket(socket: Socket, request: ClientRequest): void {
    const pooled = socket as PoolSocket;
    pooled[idle] = false;
    pooled[requests] = (pooled[requests] ?? 1) + 1;
    socket.setTimeout(0);
    super.reuseSocket(socket, request);
  }

  private onFree(socket: PoolSocket): void {
    if (socket.destroyed) return;
    const max = this.settings.maxRequestsPerConnection;
    if (max !== undefined && (socket[requests] ?? 1) >= max) {
      // Spent: closed rather than parked (the Agent forgets it on close).
      socket.destroy();
      return;
    }
    socket[idle] = true;
    const idleTimeoutMs = this.settings.idleTimeoutMs;
    if (idleTimeoutMs !== undefined && idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs);
    this.settings.connectionReleased(this.host);
  }

  /** A new connection to the host (plaintext or TLS per its transport), counted and under the connect timeout. */
  override createConnection(): Duplex {
    const { host, settings } = this;
    const stats = settings.stats;
    const options: NetConnectOpts = { host: host.address, port: host.port, noDelay: true };
    if (settings.upstreamBindAddress !== undefined) options.localAddress = settings.upstreamBindAddress;
    if (settings.dnsLookupFamily !== undefined) Object.assign(options, FAMILY_OPTIONS[settings.dnsLookupFamily]);
    const transport = host.transport;
    let socket: PoolSocket;
    if (transport.kind === 'tls') {
      const tlsOptions: ConnectionOptions = {
        ...(options as TcpNetConnectOpts),
        ...host.tlsSessions.options(transport),
      };
      const tlsSocket = connectTls(tlsOptions);
      host.tlsSessions.remember(tlsSocket, transport.material.id);
      tlsSocket.once('secureConnect', () => {
        stats.sslHandshake.inc();
        if (tlsSocket.isSessionReused()) stats.sslSessionReused.inc();
        onConnected();
      });
      tlsSocket.once('error', () => {
        if (!socket[connected]) stats.sslConnectionError.inc();
      });
      socket = tlsSocket;
    } else {
      socket = connect(options);
      socket.once('connect', () => onConnected());
    }
    // The idle timeout is armed only while the socket waits in the pool.
    socket.on('timeout', () => {
      if (socket[idle]) socket.destroy();
    });
    stats.cxTotal.inc();
    stats.cxActive.inc();
    host.counters.cxTotal++;
    host.counters.cxActive++;
    const timeoutMs = settings.connectTimeoutMs;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            stats.cxConnectTimeout.inc();
            socket.destroy(new ConnectTimeoutError(host.key, timeoutMs));
          }, timeoutMs)
        : undefined;
    function onConnected(): void {
      clearTimeout(timer);
      socket[connected] = true;
    }
    socket.once('close', () => {
      clearTimeout(timer);
      stats.cxActive.dec();
      host.counters.cxActive--;
      if (!socket[connected]) {
        stats.cxConnectFail.inc();
        host.counters.cxConnectFail++;
      }
      stats.cxRxBytes.inc(socket.bytesRead);
      stats.cxTxBytes.inc(socket.bytesWritten);
      settings.connectionReleased(host);
    });
    return socket;
  }
}
