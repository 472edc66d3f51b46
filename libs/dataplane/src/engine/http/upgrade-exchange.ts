/**
 * An HTTP/1.1 upgrade request (WebSocket and the like), which Node hands over with the raw socket
 * instead of a response object. When the connection manager's `upgrade_configs` allow the
 * upgrade type, the request is routed like any other and sent to a host of the route's cluster on
 * a connection of its own (never pooled; it counts against the cluster's max_connections); a
 * `101` from the host turns both connections into a byte pipe until either side closes. Any other
 * answer from the host is passed on and the downstream connection closed. Upgrades the
 * configuration does not allow are answered 403, as Envoy does.
 *
 * Not applied to upgrades: retries, per-route upgrade settings (rejected by the decoder), the
 * pending queue (a cluster at max_connections answers 503 UO at once).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request as httpRequest, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { formatHttpLogLine, type ResponseFlag } from '../access-log/access-log';
import { applyRequestMutations } from '../routing/header-mutations';
import { normalizePath } from '../routing/normalize-path';
import { RequestFacts } from '../routing/request-facts';
import type { Host } from '../upstream/host';
import { connectionScheme, mutateEdgeHeaders } from './edge-headers';
import type { RouterContext } from './exchange';
import type { HttpConnection } from './http-chain';

const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;
const CONNECT_FAILURE_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: ';

export class UpgradeExchange {
  private readonly startTime = Date.now();
  private readonly startMark = performance.now();
  private readonly flags: ResponseFlag[] = [];
  private path: string;
  private status = 0;
  private host: Host | undefined;
  private bytesReceived = 0;
  private bytesSent = 0;
  private done = false;

  constructor(
    private readonly context: RouterContext,
    private readonly connection: HttpConnection,
    private readonly req: IncomingMessage,
    private readonly socket: Duplex,
    private readonly head: Buffer,
  ) {
    this.path = req.url ?? '/';
  }

  run(): void {
    const { chain } = this.connection;
    const { req } = this;
    chain.stats.rqTotal.inc();
    chain.stats.rqActive.inc();
    this.connection.activeRequests++;
    this.socket.once('close', () => this.finish());
    this.socket.on('error', () => this.finish());

    const config = chain.config;
    const type = String(req.headers.upgrade ?? '').toLowerCase();
    if (!config.upgradeTypes.includes(type)) {
      this.reply(403, '');
      return;
    }
    if (config.normalizePath) {
      const normalized = normalizePath(this.path);
      if (normalized === undefined) {
        this.reply(400, 'Bad Request');
        return;
      }
      this.path = normalized;
    }
    const headers = req.headers;
    if (headers['x-request-id'] === undefined && config.generateRequestId) headers['x-request-id'] = randomUUID();
    mutateEdgeHeaders(headers, config, this.connection.socket);
    const scheme = typeof headers['x-forwarded-proto'] === 'string' ? headers['x-forwarded-proto'] : 'http';
    const facts = new RequestFacts(req.method ?? 'GET', this.path, headers.host ?? '', scheme, headers);
    const match = chain.routeTable()?.route(facts);
    if (!match) {
      chain.stats.noRoute.inc();
      this.reply(404, '', 'NR');
      return;
    }
    const { route } = match;
    const plan = route.forward;
    if (!plan) {
      // Redirects and direct responses are not upgrades: answered, then the connection closes.
      const action = route.config.action;
      if (action.kind === 'direct_response') this.reply(action.status, action.body ?? '');
      else this.reply(404, '', 'NR');
      return;
    }
    const choice = plan.chooseCluster(facts, this.context.random);
    const cluster = choice ? this.context.clusters.get(choice.name) : undefined;
    if (!choice || !cluster) {
      chain.stats.noCluster.inc();
      this.reply(503, '', 'NC');
      return;
    }
    const host = cluster.chooseHost(plan.hashKey?.(facts, this.connection.socket.remoteAddress)?.hash);
    if (!host) {
      cluster.stats.noneHealthy.inc();
      this.reply(503, 'no healthy upstream', 'UH');
      return;
    }
    if (host.transportFailure !== undefined || cluster.unsupportedReason) {
      this.reply(503, `${CONNECT_FAILURE_BODY}connection failure`, 'UF');
      return;
    }
    const breakers = cluster.config.circuitBreakers;
    if (
      cluster.stats.cxActive.value >= breakers.maxConnections ||
      cluster.stats.rqActive.value >= breakers.maxRequests
    ) {
      cluster.stats.cxOverflow.inc();
      this.reply(503, `${CONNECT_FAILURE_BODY}overflow`, 'UO', { 'x-envoy-overloaded': 'true' });
      return;
    }
    this.host = host;

    // Connection and Upgrade stay: they are the request.
    const upstreamHeaders: OutgoingHttpHeaders = { ...headers };
    for (const name of ['keep-alive', 'proxy-connection', 'te']) delete upstreamHeaders[name];
    let path = this.path;
    if (plan.rewritePath) {
      path = plan.rewritePath(path);
      if (path !== this.path) upstreamHeaders['x-envoy-original-path'] = this.path;
    }
    const hostRewrite = choice.weighted?.hostRewriteLiteral ?? plan.action.hostRewriteLiteral;
    if (hostRewrite !== undefined) upstreamHeaders.host = hostRewrite;
    if (upstreamHeaders['x-forwarded-proto'] === undefined)
      upstreamHeaders['x-forwarded-proto'] = connectionScheme(this.connection.socket);
    const levels = choice.weighted?.headers ? [choice.weighted.headers, ...route.headerLevels] : route.headerLevels;
    applyRequestMutations(upstreamHeaders, route.mostSpecificHeaderMutationsWins ? [...levels].reverse() : levels);

    cluster.stats.rqTotal.inc();
    cluster.stats.rqActive.inc();
    host.requestStarted();
    let settled = false;
    const settle = (success: boolean) => {
      if (settled) return;
      settled = true;
      cluster.stats.rqActive.dec();
      host.requestFinished(success);
    };
    this.socket.once('close', () => settle(this.status === 101));

    const upstream = httpRequest({
      host: host.address,
      port: host.port,
      method: req.method,
      path,
      headers: upstreamHeaders,
      // A connection of its own, made (and counted) by the host's pool.
      createConnection: () => host.pool.createConnection(),
    });
    const timeoutMs = plan.action.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            upstream.destroy();
            cluster.stats.rqTimeout.inc();
            this.reply(504, 'upstream request timeout', 'UT');
          }, timeoutMs)
        : undefined;
    upstream.on('upgrade', (response, upstreamSocket, upstreamHead) => {
      clearTimeout(timer);
      cluster.stats.response(101);
      cluster.reportOutcome(host, 101);
      this.pipe(response, upstreamSocket, upstreamHead);
    });
    upstream.on('response', (response) => {
      clearTimeout(timer);
      const status = response.statusCode ?? 502;
      cluster.stats.response(status);
      cluster.reportOutcome(host, status);
      this.relayResponse(response);
    });
    upstream.on('error', (error) => {
      clearTimeout(timer);
      if (this.status !== 0) return;
      cluster.reportOutcome(host, 503);
      this.reply(503, `${CONNECT_FAILURE_BODY}connection failure, transport failure reason: ${error.message}`, 'UF');
    });
    upstream.end();
  }

  /** The host agreed: the 101 goes downstream, then bytes flow both ways. */
  private pipe(response: IncomingMessage, upstream: Duplex, upstreamHead: Buffer): void {
    const downstream = this.socket;
    this.status = 101;
    downstream.write(this.statusLine(101, rawHeaderLines(response.rawHeaders, [])));
    if (upstreamHead.length > 0) downstream.write(upstreamHead);
    if (this.head.length > 0) upstream.write(this.head);
    downstream.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      this.bytesSent += chunk.length;
    });
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    upstream.on('error', () => downstream.destroy());
    upstream.on('close', () => downstream.destroy());
    downstream.on('close', () => upstream.destroy());
  }

  /** Any answer but 101: passed on, then the connection closes (its HTTP parser is gone). */
  private relayResponse(response: IncomingMessage): void {
    const status = response.statusCode ?? 502;
    this.status = status;
    const lines = rawHeaderLines(response.rawHeaders, ['connection', 'keep-alive', 'transfer-encoding', 'server']);
    lines.push(`server: ${this.connection.chain.config.serverName}`, 'connection: close');
    this.socket.write(this.statusLine(status, lines));
    response.on('data', (chunk: Buffer) => {
      this.bytesSent += chunk.length;
      this.socket.write(chunk);
    });
    response.on('end', () => this.socket.end());
    response.on('error', () => this.socket.destroy());
  }

  /** A local answer; the connection closes after it. */
  private reply(status: number, body: string, flag?: ResponseFlag, extra: Record<string, string> = {}): void {
    if (this.status !== 0) {
      this.socket.destroy();
      return;
    }
    if (flag) this.flags.push(flag);
    this.status = status;
    const lines = [
      `server: ${this.connection.chain.config.serverName}`,
      `content-length: ${Buffer.byteLength(body)}`,
      ...(body ? ['content-type: text/plain'] : []),
      ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
      'connection: close',
    ];
    this.socket.end(this.statusLine(status, lines) + body);
    this.bytesSent += Buffer.byteLength(body);
  }

  private statusLine(status: number, headerLines: readonly string[]): string {
    return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n`;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    const { chain } = this.connection;
    chain.stats.rqActive.dec();
    chain.stats.rqCompleted.inc();
    if (this.status > 0) chain.stats.rqByClass[Math.floor(this.status / 100)]?.inc();
    chain.requestFinished(this.connection);
    const sink = this.context.accessLog;
    if (!sink) return;
    const headers = this.req.headers;
    sink(
      formatHttpLogLine({
        startTime: this.startTime,
        method: this.req.method ?? '-',
        path: this.path,
        protocol: `HTTP/${this.req.httpVersion}`,
        responseCode: this.status,
        flags: this.flags,
        bytesReceived: this.bytesReceived,
        bytesSent: this.bytesSent,
        durationMs: performance.now() - this.startMark,
        upstreamServiceTimeMs: undefined,
        forwardedFor: single(headers['x-forwarded-for']),
        userAgent: single(headers['user-agent']),
        requestId: single(headers['x-request-id']),
        authority: headers.host,
        upstreamHost: this.host?.key,
      }),
    );
  }
}

/** `name: value` lines from Node's raw header list, without the names listed (lower-case). */
function rawHeaderLines(raw: readonly string[], without: readonly string[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!without.includes(raw[i].toLowerCase())) lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  return lines;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
