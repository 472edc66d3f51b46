/**
 * One listener's socket: accepts connections, runs the listener filters the configuration needs,
 * picks the filter chain and hands the connection to it. The configuration it serves can be
 * swapped at any time: connections accepted afterwards use the new one, those accepted before
 * keep the chain they were given (and the old chains drain).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { XdsSocketAddress } from '../../xds/model';
import type { HttpConnectionManager } from '../http/http-connection-manager';
import { parseIp } from '../net/ip';
import type { Counter, Gauge, StatsStore } from '../stats/stats-store';
import { DownstreamTlsStats } from '../tls/downstream-tls';
import { inspectConnection, planForPort } from './connection-inspector';
import type { ConnectionFacts } from './filter-chain-selector';
import type { ListenerRuntime } from './listener-runtime';

export type ListenerState = 'binding' | 'bound' | 'failed' | 'closed';

class ListenerStats {
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly noFilterChainMatch: Counter;
  readonly listenerFilterTimeout: Counter;
  readonly chainNotImplemented: Counter;
  readonly ssl: DownstreamTlsStats;

  constructor(store: StatsStore, prefix: string) {
    const s = store.scope(`listener.${prefix}`);
    this.cxTotal = s.counter('downstream_cx_total');
    this.cxActive = s.gauge('downstream_cx_active');
    this.noFilterChainMatch = s.counter('no_filter_chain_match');
    this.listenerFilterTimeout = s.counter('downstream_pre_cx_timeout');
    this.chainNotImplemented = s.counter('downstream_cx_chain_not_implemented');
    this.ssl = new DownstreamTlsStats(store, prefix);
  }
}

export interface BoundListenerDeps {
  readonly stats: StatsStore;
  readonly http: HttpConnectionManager;
}

export class BoundListener {
  state: ListenerState = 'binding';
  /** Why the bind failed, when it did. */
  failure: string | undefined;
  private readonly server: Server;
  private stats: ListenerStats | undefined;

  constructor(
    readonly name: string,
    private current: ListenerRuntime,
    private readonly deps: BoundListenerDeps,
  ) {
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.onConnection(socket));
  }

  get runtime(): ListenerRuntime {
    return this.current;
  }

  get configuredAddress(): XdsSocketAddress {
    return this.current.config.address;
  }

  /** The address actually bound (the port the system chose for port 0). */
  get boundAddress(): XdsSocketAddress | undefined {
    const address = this.server.address();
    return address && typeof address === 'object' ? { address: address.address, port: address.port } : undefined;
  }

  /** Resolves when bound or failed (see `state`); never rejects. */
  bind(): Promise<void> {
    const { address, port } = this.current.config.address;
    return new Promise((resolve) => {
      const onError = (error: Error) => {
        this.server.removeListener('listening', onListening);
        this.state = 'failed';
        this.failure = error.message;
        resolve();
      };
      const onListening = () => {
        this.server.removeListener('error', onError);
        if (this.state === 'closed') {
          // Removed while binding.
          this.server.close();
        } else {
          // After the bind, the server reports accept failures (EMFILE...): the connection is
          // lost either way, and an unheard 'error' would end the process.
          this.server.on('error', () => undefined);
          this.state = 'bound';
          const bound = this.boundAddress;
          this.stats = new ListenerStats(this.deps.stats, `${bound?.address ?? address}_${bound?.port ?? port}`);
        }
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen({ host: address, port });
    });
  }

  /** Serves a new configuration from the next connection on; the old chains drain. */
  replace(runtime: ListenerRuntime): void {
    const old = this.current;
    this.current = runtime;
    for (const chain of old.chains) chain.drain();
  }

  /** Stops accepting; open connections drain. */
  close(): void {
    if (this.state === 'closed') return;
    const wasListening = this.server.listening;
    this.state = 'closed';
    if (wasListening) this.server.close();
    for (const chain of this.current.chains) chain.drain();
  }

  private onConnection(socket: Socket): void {
    const stats = this.stats;
    const runtime = this.current;
    if (!stats || this.state !== 'bound') {
      socket.destroy();
      return;
    }
    stats.cxTotal.inc();
    stats.cxActive.inc();
    socket.once('close', () => stats.cxActive.dec());
    // Resets are normal; whichever chain takes the socket handles it, this keeps one from throwing meanwhile.
    socket.on('error', () => socket.destroy());
    const facts = baseFacts(socket);
    const plan = runtime.inspection && planForPort(runtime.inspection, facts.destinationPort);
    if (!plan) {
      this.dispatch(socket, runtime, facts, stats);
      return;
    }
    inspectConnection(socket, plan, (outcome) => {
      if (!outcome.ok) {
        if (outcome.reason === 'timeout') stats.listenerFilterTimeout.inc();
        socket.destroy();
        return;
      }
      this.dispatch(socket, runtime, { ...facts, ...outcome.result }, stats);
    });
  }

  private dispatch(socket: Socket, runtime: ListenerRuntime, facts: ConnectionFacts, stats: ListenerStats): void {
    const chain = runtime.selector.select(facts);
    if (!chain) {
      stats.noFilterChainMatch.inc();
      socket.destroy();
      return;
    }
    switch (chain.kind) {
      case 'http':
        this.deps.http.accept(socket, chain);
        return;
      case 'tcp':
        chain.accept(socket);
        return;
      case 'tls': {
        const inner = chain.inner;
        const accepted = chain.terminator.accept(socket, stats.ssl, (secure) => {
          if (inner.kind === 'http') this.deps.http.accept(secure, inner);
          else inner.accept(secure);
        });
        if (!accepted) {
          // The chain's certificate is not available (yet): nothing to answer the handshake with.
          stats.ssl.connectionError.inc();
          socket.destroy();
        }
        return;
      }
      case 'unsupported':
        stats.chainNotImplemented.inc();
        socket.destroy();
        return;
    }
  }
}

function baseFacts(socket: Socket): ConnectionFacts {
  return {
    destinationPort: socket.localPort ?? 0,
    destinationIp: socket.localAddress ? parseIp(socket.localAddress) : undefined,
    serverName: '',
    transportProtocol: 'raw_buffer',
    applicationProtocols: [],
    sourceIp: socket.remoteAddress ? parseIp(socket.remoteAddress) : undefined,
    sourcePort: socket.remotePort ?? 0,
  };
}
