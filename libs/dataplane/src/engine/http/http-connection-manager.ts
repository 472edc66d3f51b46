/**
 * Parses HTTP/1.1 on the downstream connections of every HTTP chain with one Node `http.Server`
 * that never listens itself: the listeners hand it accepted (and inspected) sockets, each tagged
 * with its chain, and each request becomes an Exchange.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Exchange, type RouterContext } from './exchange';
import { UpgradeExchange } from './upgrade-exchange';
import type { HttpChain, HttpConnection } from './http-chain';

const connectionKey = Symbol('httpConnection');

type TaggedSocket = Socket & { [connectionKey]?: HttpConnection };

/** Envoy keeps idle downstream connections for an hour; Node's default of 5 s is too short for a proxy. */
const KEEP_ALIVE_TIMEOUT_MS = 300_000;

export class HttpConnectionManager {
  private readonly server: Server;

  constructor(private readonly context: RouterContext) {
    this.server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  /** Serves HTTP on a downstream connection for the chain. */
  accept(socket: Socket, chain: HttpChain): void {
    (socket as TaggedSocket)[connectionKey] = chain.open(socket);
    this.server.emit('connection', socket);
    // Listener filters may have paused the socket while they read its first bytes.
    if (socket.isPaused()) socket.resume();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const connection = (req.socket as TaggedSocket)[connectionKey];
    if (!connection) {
      // Only sockets handed over by accept() reach this server.
      res.writeHead(500).end();
      return;
    }
    new Exchange(this.context, connection, req, res).run();
  }

  /** Requests with `Connection: upgrade`: Node hands over the socket (its HTTP parser is done with it). */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const connection = (req.socket as TaggedSocket)[connectionKey];
    if (!connection) {
      socket.destroy();
      return;
    }
    new UpgradeExchange(this.context, connection, req, socket, head).run();
  }
}
