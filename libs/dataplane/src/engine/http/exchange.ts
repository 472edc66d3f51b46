/**
 * One downstream request through the router: route lookup, then a local reply (no route, direct
 * response, redirect, errors) or forwarding to a host of the chosen cluster over its keep-alive
 * pool, with the route timeout, header changes and rewrites, and one access log line at the end.
 *
 * Error replies follow Envoy's: 404 with flag NR when no route matches, 503 NC when the route's
 * cluster does not exist, 503 UH when the cluster has no host to offer ("no healthy upstream"),
 * 503 UF when the connection to the host fails, 503 UC when the host resets before answering,
 * 504 UT when the route timeout passes first ("upstream request timeout"). A failure after the
 * response has started can only be signalled by resetting the downstream connection.
 */
import { randomUUID } from 'node:crypto';
import {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request as httpRequest,
  type ServerResponse,
} from 'node:http';
import type { XdsDirectResponseAction, XdsHeaderMutations, XdsRedirectAction } from '../../xds/model';
import { type AccessLogSink, formatHttpLogLine, type ResponseFlag } from '../access-log/access-log';
import { applyRequestMutations, applyResponseMutations } from '../routing/header-mutations';
import { RequestFacts } from '../routing/request-facts';
import { redirectLocation } from '../routing/rewrite';
import type { ClusterChoice, CompiledRoute, ForwardPlan } from '../routing/route-table';
import type { ClusterRuntime } from '../upstream/cluster';
import type { ClusterManager } from '../upstream/cluster-manager';
import { wasConnected } from '../upstream/connection-pool';
import type { Host } from '../upstream/host';
import type { HttpConnection } from './http-chain';

export interface RouterContext {
  readonly clusters: ClusterManager;
  readonly accessLog: AccessLogSink | undefined;
  readonly random: () => number;
}

/** Envoy's route timeout when the route sets none. */
const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/** Connection-scoped headers, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP_REQUEST = ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te'];
/** Node frames the downstream response itself, so the upstream's transfer-encoding goes too. */
const HOP_BY_HOP_RESPONSE = [...HOP_BY_HOP_REQUEST, 'transfer-encoding'];

const CONNECT_FAILURE_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: ';

export class Exchange {
  private readonly startTime = Date.now();
  private readonly startMark = performance.now();
  private readonly flags: ResponseFlag[] = [];
  private readonly originalPath: string;
  private requestId: string | undefined;
  private bytesReceived = 0;
  private bytesSent = 0;
  /** The route's header changes in the order they apply (see CompiledRoute.headerLevels). */
  private headerLevels: readonly XdsHeaderMutations[] = [];
  // Set once the request is forwarded.
  private cluster: ClusterRuntime | undefined;
  private host: Host | undefined;
  private upstream: ClientRequest | undefined;
  private upstreamResponse: IncomingMessage | undefined;
  private upstreamStartMark = 0;
  private upstreamServiceTimeMs: number | undefined;
  private upstreamDone = false;
  private timer: NodeJS.Timeout | undefined;
  /** The proxy itself cut the downstream response short (UT or UC after headers), not the client. */
  private resetByProxy = false;
  private finished = false;

  constructor(
    private readonly context: RouterContext,
    private readonly connection: HttpConnection,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.originalPath = req.url ?? '/';
  }

  run(): void {
    const { chain } = this.connection;
    const { req, res } = this;
    chain.stats.rqTotal.inc();
    chain.stats.rqActive.inc();
    this.connection.activeRequests++;
    res.once('close', () => this.finish());

    const headers = req.headers;
    let requestId = headers['x-request-id'];
    if (requestId === undefined && chain.config.generateRequestId) {
      requestId = randomUUID();
      headers['x-request-id'] = requestId;
    }
    this.requestId = typeof requestId === 'string' ? requestId : undefined;

    if (isUpgrade(headers)) {
      // No upgrade_configs are accepted yet: Envoy refuses an upgrade it is not configured for.
      this.localReply(403, '');
      return;
    }

    const scheme = typeof headers['x-forwarded-proto'] === 'string' ? headers['x-forwarded-proto'] : 'http';
    const facts = new RequestFacts(req.method ?? 'GET', this.originalPath, headers.host ?? '', scheme, headers);
    const match = chain.routeTable()?.route(facts);
    if (!match) {
      chain.stats.noRoute.inc();
      this.localReply(404, '', 'NR');
      return;
    }
    const { route } = match;
    this.headerLevels = inApplyOrder(route.headerLevels, route.mostSpecificHeaderMutationsWins);
    const action = route.config.action;
    if (action.kind === 'direct_response') {
      chain.stats.rqDirectResponse.inc();
      this.directResponse(action);
    } else if (action.kind === 'redirect') {
      chain.stats.rqRedirect.inc();
      this.redirect(action, route, facts);
    } else if (route.forward) {
      this.forward(route, route.forward, facts);
    }
  }

  // ---------------------------------------------------------------------------------- local replies

  private directResponse(action: XdsDirectResponseAction): void {
    const headers: OutgoingHttpHeaders = {};
    if (action.body !== undefined) headers['content-type'] = 'text/plain';
    this.localReply(action.status, action.body ?? '', undefined, headers, true);
  }

  private redirect(action: XdsRedirectAction, route: CompiledRoute, facts: RequestFacts): void {
    const location = redirectLocation(action, route.config.match.path, facts);
    this.localReply(action.responseCode, '', undefined, { location }, true);
  }

  /** A response made by the proxy; route header changes apply to direct responses and redirects only. */
  private localReply(
    status: number,
    body: string,
    flag?: ResponseFlag,
    headers: OutgoingHttpHeaders = {},
    applyRouteHeaders = false,
  ): void {
    if (flag) this.flags.push(flag);
    const { res } = this;
    if (res.headersSent) {
      // Too late for a reply: the client learns of the failure by the connection closing.
      this.resetByProxy = true;
      res.destroy();
      return;
    }
    if (body && headers['content-type'] === undefined) headers['content-type'] = 'text/plain';
    headers['content-length'] = Buffer.byteLength(body);
    this.finishResponseHeaders(headers);
    if (applyRouteHeaders) applyResponseMutations(headers, this.headerLevels);
    res.writeHead(status, headers);
    res.end(body);
    this.bytesSent += Buffer.byteLength(body);
  }

  private finishResponseHeaders(headers: OutgoingHttpHeaders): void {
    if (this.requestId !== undefined && this.connection.chain.config.alwaysSetRequestIdInResponse) {
      headers['x-request-id'] = this.requestId;
    }
    if (this.connection.chain.draining) headers.connection = 'close';
  }

  // ---------------------------------------------------------------------------------- forwarding

  private forward(route: CompiledRoute, plan: ForwardPlan, facts: RequestFacts): void {
    const { chain } = this.connection;
    const choice = plan.chooseCluster(facts, this.context.random);
    const cluster = choice ? this.context.clusters.get(choice.name) : undefined;
    if (!choice || !cluster) {
      chain.stats.noCluster.inc();
      this.localReply(503, '', 'NC');
      return;
    }
    const unsupported = cluster.unsupportedReason;
    if (unsupported) {
      this.localReply(503, `${CONNECT_FAILURE_BODY}connection failure, transport failure reason: ${unsupported}`, 'UF');
      return;
    }
    const host = cluster.chooseHost();
    if (!host) {
      cluster.stats.noneHealthy.inc();
      this.localReply(503, 'no healthy upstream', 'UH');
      return;
    }
    if (host.tlsRequired) {
      this.localReply(
        503,
        `${CONNECT_FAILURE_BODY}connection failure, transport failure reason: upstream TLS is not implemented yet`,
        'UF',
      );
      return;
    }
    this.dispatch(route, plan, choice, cluster, host);
  }

  private dispatch(
    route: CompiledRoute,
    plan: ForwardPlan,
    choice: ClusterChoice,
    cluster: ClusterRuntime,
    host: Host,
  ): void {
    const { req } = this;
    this.cluster = cluster;
    this.host = host;
    cluster.stats.rqTotal.inc();
    cluster.stats.rqActive.inc();
    host.requestStarted();

    const action = plan.action;
    const timeoutMs = action.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
    const headers = upstreamRequestHeaders(req.headers);
    let path = this.originalPath;
    if (plan.rewritePath) {
      path = plan.rewritePath(path);
      if (path !== this.originalPath) headers['x-envoy-original-path'] = this.originalPath;
    }
    const hostRewrite = choice.weighted?.hostRewriteLiteral ?? action.hostRewriteLiteral;
    if (hostRewrite !== undefined) headers.host = hostRewrite;
    if (headers['x-forwarded-proto'] === undefined) headers['x-forwarded-proto'] = 'http';
    if (timeoutMs > 0) headers['x-envoy-expected-rq-timeout-ms'] = String(timeoutMs);
    // Weighted cluster, route, virtual host, route configuration; reversed when the most specific wins.
    const levels = choice.weighted?.headers ? [choice.weighted.headers, ...route.headerLevels] : route.headerLevels;
    this.headerLevels = inApplyOrder(levels, route.mostSpecificHeaderMutationsWins);
    applyRequestMutations(headers, this.headerLevels);

    this.upstreamStartMark = performance.now();
    const upstream = httpRequest({
      agent: host.pool,
      host: host.address,
      port: host.port,
      method: req.method,
      path,
      headers,
    });
    this.upstream = upstream;
    upstream.on('response', (response) => this.onUpstreamResponse(response));
    upstream.on('error', (error) => this.onUpstreamError(error));
    if (timeoutMs > 0) this.timer = setTimeout(() => this.onTimeout(), timeoutMs);
    this.sendRequestBody(upstream);
  }

  private sendRequestBody(upstream: ClientRequest): void {
    const { req } = this;
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
      upstream.end();
      return;
    }
    req.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      if (!upstream.write(chunk)) req.pause();
    });
    upstream.on('drain', () => req.resume());
    req.on('end', () => upstream.end());
  }

  private onUpstreamResponse(response: IncomingMessage): void {
    if (this.finished) {
      response.destroy();
      return;
    }
    this.upstreamResponse = response;
    const status = response.statusCode ?? 502;
    this.upstreamServiceTimeMs = performance.now() - this.upstreamStartMark;
    this.cluster?.stats.response(status);
    const headers: OutgoingHttpHeaders = response.headers;
    removeHopByHop(headers, HOP_BY_HOP_RESPONSE);
    headers['x-envoy-upstream-service-time'] = String(Math.round(this.upstreamServiceTimeMs));
    this.finishResponseHeaders(headers);
    applyResponseMutations(headers, this.headerLevels);
    const { res } = this;
    res.writeHead(status, headers);
    response.on('data', (chunk: Buffer) => {
      this.bytesSent += chunk.length;
      if (!res.write(chunk)) response.pause();
    });
    res.on('drain', () => response.resume());
    response.on('end', () => {
      this.upstreamDone = true;
      clearTimeout(this.timer);
      res.end();
    });
    response.on('error', () => this.upstreamReset());
  }

  private onUpstreamError(error: Error): void {
    if (this.upstreamDone || this.finished) return;
    this.upstreamDone = true;
    clearTimeout(this.timer);
    if (this.upstreamResponse) {
      this.upstreamReset();
      return;
    }
    const connected = wasConnected(this.upstream?.socket);
    const reason = connected ? 'connection termination' : 'connection failure';
    const detail = connected ? '' : `, transport failure reason: ${describeError(error)}`;
    this.localReply(503, `${CONNECT_FAILURE_BODY}${reason}${detail}`, connected ? 'UC' : 'UF');
  }

  /** The host went away in the middle of the response body. */
  private upstreamReset(): void {
    if (this.finished) return;
    if (!this.flags.includes('UC')) this.flags.push('UC');
    this.upstreamDone = true;
    clearTimeout(this.timer);
    this.resetByProxy = true;
    this.res.destroy();
  }

  private onTimeout(): void {
    if (this.upstreamDone || this.finished) return;
    this.upstreamDone = true;
    this.cluster?.stats.rqTimeout.inc();
    if (this.host) this.host.counters.rqTimeout++;
    this.connection.chain.stats.rqTimeout.inc();
    this.upstream?.destroy();
    this.localReply(504, 'upstream request timeout', 'UT');
  }

  // ---------------------------------------------------------------------------------- completion

  /** Once per request, when the downstream response is complete or the connection closed under it. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    const { res, connection } = this;
    const { chain } = connection;
    const completed = res.writableFinished;
    if (!completed && !this.resetByProxy) {
      this.flags.push('DC');
      if (!this.upstreamDone) this.upstream?.destroy();
    }
    const responseCode = res.headersSent ? res.statusCode : 0;
    chain.stats.rqActive.dec();
    chain.stats.rqCompleted.inc();
    if (responseCode > 0) chain.stats.rqByClass[Math.floor(responseCode / 100)]?.inc();
    if (this.cluster && this.host) {
      this.cluster.stats.rqActive.dec();
      const upstreamStatus = this.upstreamResponse?.statusCode ?? 0;
      this.host.requestFinished(completed && upstreamStatus > 0 && upstreamStatus < 500);
    }
    chain.requestFinished(connection);
    this.log(responseCode);
  }

  private log(responseCode: number): void {
    const sink = this.context.accessLog;
    if (!sink) return;
    const { req } = this;
    const headers: IncomingHttpHeaders = req.headers;
    sink(
      formatHttpLogLine({
        startTime: this.startTime,
        method: req.method ?? '-',
        path: this.originalPath,
        protocol: `HTTP/${req.httpVersion}`,
        responseCode,
        flags: this.flags,
        bytesReceived: this.bytesReceived,
        bytesSent: this.bytesSent,
        durationMs: performance.now() - this.startMark,
        upstreamServiceTimeMs: this.upstreamServiceTimeMs,
        forwardedFor: single(headers['x-forwarded-for']),
        userAgent: single(headers['user-agent']),
        requestId: this.requestId,
        authority: headers.host,
        upstreamHost: this.host?.key,
      }),
    );
  }
}

/** Most specific level first (so the least specific wins a conflict), or reversed. */
function inApplyOrder(levels: readonly XdsHeaderMutations[], mostSpecificWins: boolean): readonly XdsHeaderMutations[] {
  return mostSpecificWins ? [...levels].reverse() : levels;
}

/** A copy of the downstream headers for the upstream request, without hop-by-hop ones. */
function upstreamRequestHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...incoming };
  removeHopByHop(headers, HOP_BY_HOP_REQUEST);
  // Node forwards a body of unknown length chunked only when told so; keep the request's framing.
  return headers;
}

function removeHopByHop(headers: OutgoingHttpHeaders, names: readonly string[]): void {
  const connection = headers.connection;
  if (typeof connection === 'string') {
    // Headers the sender declared connection-scoped go too.
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (name) delete headers[name];
    }
  }
  for (const name of names) delete headers[name];
}

/** `Connection: upgrade` with an `Upgrade` header (WebSocket and the like). */
function isUpgrade(headers: IncomingHttpHeaders): boolean {
  const connection = headers.connection;
  return headers.upgrade !== undefined && typeof connection === 'string' && /(^|,)\s*upgrade\s*(,|$)/i.test(connection);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}` : error.message;
}
