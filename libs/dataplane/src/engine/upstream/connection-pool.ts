/**
 * The keep-alive connection pool of one upstream host: Node's http.Agent (which parks idle
 * sockets and hands them to the next request), with connections made here so that they are
 * counted (cx_total, cx_active, connect failures, bytes) and bounded by the cluster's connect
 * timeout, which the Agent does not have.
 */
import { Agent } from 'node:http';
import { type Socket, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Host, PoolSettings } from './host';

/** Envoy's default circuit breaker allows 1,024 connections per cluster; here it bounds each host. */
const MAX_SOCKETS = 1024;
const MAX_FREE_SOCKETS = 256;

const connected = Symbol('connected');

/** An upstream socket, tagged once its TCP connection is up. */
type PoolSocket = Socket & { [connected]?: boolean };

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
  constructor(
    private readonly host: Host,
    private readonly settings: PoolSettings,
  ) {
    super({ keepAlive: true, maxSockets: MAX_SOCKETS, maxFreeSockets: MAX_FREE_SOCKETS, scheduling: 'lifo' });
  }

  override createConnection(): Duplex {
    const { host, settings } = this;
    const stats = settings.stats;
    const socket: PoolSocket = connect({ host: host.address, port: host.port, noDelay: true });
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
    socket.once('connect', () => {
      clearTimeout(timer);
      socket[connected] = true;
    });
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
    });
    return socket;
  }
}
