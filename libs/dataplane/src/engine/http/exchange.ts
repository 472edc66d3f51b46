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
import type {
  XdsDirectResponseAction,
  XdsFault,
  XdsHeaderMutations,
  XdsRedirectAction,
  XdsRequestMirror,
} from '../../xds/model';
import { type AccessLogSink, formatHttpLogLine, type ResponseFlag } from '../access-log/access-log';
import { applyRequestMutations, applyResponseMutations } from '../routing/header-mutations';
import { RequestFacts } from '../routing/request-facts';
import type { CompiledCorsPolicy } from '../routing/cors';
import { normalizePath } from '../routing/normalize-path';
import { redirectLocation } from '../routing/rewrite';
import type { CompiledRoute, ForwardPlan } from '../routing/route-table';
import type { RetryPolicy } from '../routing/retry-policy';
import { Admission, type ClusterRuntime, type PendingRequest } from '../upstream/cluster';
import type { ClusterManager } from '../upstream/cluster-manager';
import { wasConnected } from '../upstream/connection-pool';
import type { Host } from '../upstream/host';
import { connectionScheme, mutateEdgeHeaders } from './edge-headers';
import type { HttpConnection } from './http-chain';
import { sendShadow } from './request-mirror';
import type { IstioMetrics } from '../telemetry/istio-metrics';

export interface RouterContext {
  readonly clusters: ClusterManager;
  readonly accessLog: AccessLogSink | undefined;
  readonly random: () => number;
  /** Istio's standard metrics, told of each request when it ends. */
  readonly telemetry?: IstioMetrics;
}

/** Envoy's route timeout when the route sets none. */
const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/**
 * How much of a request body is kept for retries (Envoy's default connection buffer limit, 1 MiB):
 * a request whose body grows past it is not retried.
 */
const RETRY_BUFFER_LIMIT_BYTES = 1024 * 1024;

/** Connection-scoped headers, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP_REQUEST = ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te'];
/** Node frames the downstream response itself, so the upstream's transfer-encoding goes too. */
const HOP_BY_HOP_RESPONSE = [...HOP_BY_HOP_REQUEST, 'transfer-encoding'];

const CONNECT_FAILURE_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: ';

export class Exchange implements PendingRequest {
  private readonly startTime = Date.now();
  private readonly startMark = performance.now();
  private readonly flags: ResponseFlag[] = [];
  /** The request's path as received (normalized when the connection manager asks for it), before rewrites. */
  private originalPath: string;
  private requestId: string | undefined;
  private bytesReceived = 0;
  private bytesSent = 0;
  /** The request's consistent-hash key, and a generated hash cookie to set on the response. */
  private hashKey: number | undefined;
  private setCookie: string | undefined;
  /** CORS headers the response gets (a simple request from an allowed origin). */
  private corsHeaders: OutgoingHttpHeaders | undefined;
  /** The route's header changes in the order they apply (see CompiledRoute.headerLevels). */
  private headerLevels: readonly XdsHeaderMutations[] = [];
  // Set once the request is forwarded.
  private cluster: ClusterRuntime | undefined;
  private upstreamHeaders: OutgoingHttpHeaders | undefined;
  private upstreamPath = '';
  private hasBody = false;
  /** The downstream body's listeners are attached (at the first try). */
  private bodyListening = false;
  private requestEnded = false;
  // The current try.
  /** The host of the current (or last) try. */
  private host: Host | undefined;
  /** The current try's request; undefined between tries. */
  private upstream: ClientRequest | undefined;
  private upstreamResponse: IncomingMessage | undefined;
  private tryOpen = false;
  /** PendingRequest: the host a request waiting for a connection will go to. */
  pendingHost: Host | undefined;
  private upstreamStartMark = 0;
  private upstreamServiceTimeMs: number | undefined;
  /** The request is answered (or failed) for good: no more tries. */
  private upstreamDone = false;
  private timer: NodeJS.Timeout | undefined;
  private perTryTimer: NodeJS.Timeout | undefined;
  // Retries.
  private retry: RetryPolicy | undefined;
  private retriesDone = 0;
  /** This request holds one of the cluster's max_retries slots. */
  private retryActive = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** With `previous_hosts`: the hosts tried so far. */
  private triedHosts: Host[] | undefined;
  /** The body received so far, kept for a retry; undefined once it outgrows the buffer (or without retries). */
  private bodyChunks: Buffer[] | undefined;
  private bodyBufferedBytes = 0;
  /** Mirror requests still waiting for the body. */
  private shadows: ClientRequest[] | undefined;
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
      // Upgrades the connection manager allows arrive on the server's 'upgrade' event instead (UpgradeExchange).
      this.localReply(403, '');
      return;
    }
    const config = chain.config;
    if (config.normalizePath) {
      const normalized = normalizePath(this.originalPath);
      if (normalized === undefined) {
        this.localReply(400, 'Bad Request');
        return;
      }
      this.originalPath = normalized;
    }
    mutateEdgeHeaders(headers, config, this.connection.socket);

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
    const fault = route.config.faults ? chain.faultFor(route.config.faults) : undefined;
    if (fault) {
      this.injectFault(fault, route, facts);
      return;
    }
    this.perform(route, facts);
  }

  /** The CORS filter, then the route's action: a local reply, or forwarding. */
  private perform(route: CompiledRoute, facts: RequestFacts): void {
    const { chain } = this.connection;
    const cors = route.cors ? chain.corsFor(route.cors) : undefined;
    if (cors && this.preflightAnswered(cors)) return;
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

  // ---------------------------------------------------------------------------------- fault injection

  /** The fault filter's work, before the router's: maybe a delay, then maybe an abort (Envoy's order). */
  private injectFault(fault: XdsFault, route: CompiledRoute, facts: RequestFacts): void {
    const delay = fault.delay;
    if (delay && delay.fraction > 0 && this.context.random() < delay.fraction) {
      this.flags.push('DI');
      this.connection.chain.stats.faultDelays.inc();
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.finished && !this.abortInjected(fault)) this.perform(route, facts);
      }, delay.ms);
      return;
    }
    if (!this.abortInjected(fault)) this.perform(route, facts);
  }

  /** Answers for the upstream when the fault says so; false when the request goes on. */
  private abortInjected(fault: XdsFault): boolean {
    const abort = fault.abort;
    if (!abort || abort.fraction <= 0 || this.context.random() >= abort.fraction) return false;
    this.flags.push('FI');
    this.connection.chain.stats.faultAborts.inc();
    if ('httpStatus' in abort) {
      this.localReply(abort.httpStatus, 'fault filter abort');
    } else {
      // A gRPC status travels in a trailers-only response: HTTP 200 with the status in the headers.
      this.localReply(200, '', undefined, {
        'content-type': 'application/grpc',
        'grpc-status': String(abort.grpcStatus),
        'grpc-message': 'fault filter abort',
      });
    }
    return true;
  }

  // ---------------------------------------------------------------------------------- CORS

  /** Applies a CORS policy: answers a preflight it covers (true), or notes the headers the response gets. */
  private preflightAnswered(cors: CompiledCorsPolicy): boolean {
    const headers = this.req.headers;
    const origin = headers.origin;
    if (!origin) return false;
    const fraction = cors.config.enabledFraction;
    if (fraction < 1 && this.context.random() >= fraction) return false;
    const allowed = cors.allowsOrigin(origin);
    const preflight = this.req.method === 'OPTIONS' && headers['access-control-request-method'] !== undefined;
    if (preflight) {
      if (allowed) this.localReply(200, '', undefined, cors.preflightHeaders(origin));
      else if (!cors.config.forwardNotMatchingPreflights) this.localReply(200, '');
      else return false;
      return true;
    }
    if (allowed) this.corsHeaders = cors.responseHeaders(origin);
    return false;
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
    // Envoy's default server_header_transformation: OVERWRITE.
    headers.server = this.connection.chain.config.serverName;
    if (this.corsHeaders) Object.assign(headers, this.corsHeaders);
    if (this.setCookie) appendHeader(headers, 'set-cookie', this.setCookie);
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
    this.cluster = cluster;
    this.retry = plan.retryPolicy;
    const { req } = this;
    const action = plan.action;
    this.hasBody = req.headers['transfer-encoding'] !== undefined || !isEmptyLength(req.headers['content-length']);
    // The body is kept for retries while it fits the buffer (Envoy's rule: no retry of a body it could not replay).
    if (this.retry && this.hasBody) this.bodyChunks = [];

    const timeoutMs = routeTimeoutMs(action, req.headers);
    const headers = upstreamRequestHeaders(req.headers);
    let path = this.originalPath;
    if (plan.rewritePath) {
      path = plan.rewritePath(path);
      if (path !== this.originalPath) headers['x-envoy-original-path'] = this.originalPath;
    }
    const hostRewrite = choice.weighted?.hostRewriteLiteral ?? action.hostRewriteLiteral;
    if (hostRewrite !== undefined) headers.host = hostRewrite;
    if (headers['x-forwarded-proto'] === undefined)
      headers['x-forwarded-proto'] = connectionScheme(this.connection.socket);
    const perTryMs = this.retry?.perTryTimeoutMs;
    const expectedMs = perTryMs !== undefined && (timeoutMs === 0 || perTryMs < timeoutMs) ? perTryMs : timeoutMs;
    if (expectedMs > 0) headers['x-envoy-expected-rq-timeout-ms'] = String(expectedMs);
    // Weighted cluster, route, virtual host, route configuration; reversed when the most specific wins.
    const levels = choice.weighted?.headers ? [choice.weighted.headers, ...route.headerLevels] : route.headerLevels;
    this.headerLevels = inApplyOrder(levels, route.mostSpecificHeaderMutationsWins);
    applyRequestMutations(headers, this.headerLevels);
    this.upstreamHeaders = headers;
    this.upstreamPath = path;

    if (plan.hashKey) {
      const key = plan.hashKey(facts, this.connection.socket.remoteAddress);
      this.hashKey = key?.hash;
      this.setCookie = key?.setCookie;
    }
    if (action.mirrors) this.startShadows(action.mirrors, timeoutMs);
    if (timeoutMs > 0) this.timer = setTimeout(() => this.onTimeout(), timeoutMs);
    this.tryHost();
  }

  /** Mirror policies: shadows get the same headers and path, and the body as it arrives. */
  private startShadows(mirrors: readonly XdsRequestMirror[], timeoutMs: number): void {
    for (const mirror of mirrors) {
      if (mirror.fraction < 1 && this.context.random() >= mirror.fraction) continue;
      const shadow = sendShadow(
        this.context.clusters,
        mirror,
        this.req.method,
        this.upstreamPath,
        this.upstreamHeaders!,
        timeoutMs,
      );
      if (!shadow) continue;
      if (this.hasBody) (this.shadows ??= []).push(shadow);
      else shadow.end();
    }
  }

  /** One try: a host, past the circuit breaker, then the request (or a wait for a connection). */
  private tryHost(): void {
    const cluster = this.cluster!;
    const host = this.pickHost(cluster);
    if (!host) {
      cluster.stats.noneHealthy.inc();
      this.giveUp(503, 'no healthy upstream', 'UH');
      return;
    }
    const transportFailure = host.transportFailure;
    if (transportFailure !== undefined) {
      this.giveUp(
        503,
        `${CONNECT_FAILURE_BODY}connection failure, transport failure reason: ${transportFailure}`,
        'UF',
      );
      return;
    }
    const admission = cluster.admit(host);
    if (admission === Admission.Go) {
      this.sendTry(host);
    } else if (admission === Admission.Queue) {
      this.pendingHost = host;
      cluster.enqueue(this);
    } else {
      this.giveUp(503, `${CONNECT_FAILURE_BODY}overflow`, 'UO', { 'x-envoy-overloaded': 'true' });
    }
  }

  /** PendingRequest: the circuit breaker lets the waiting request go. */
  connectionAvailable(): void {
    const host = this.pendingHost;
    this.pendingHost = undefined;
    if (!host || this.upstreamDone || this.finished) return;
    this.sendTry(host);
  }

  /** The cluster's pick; with `previous_hosts`, re-picked (up to the policy's attempts) while it was already tried. */
  private pickHost(cluster: ClusterRuntime): Host | undefined {
    let host = cluster.chooseHost(this.hashKey);
    const tried = this.triedHosts;
    if (!tried) return host;
    // A hash key always lands on the same host: re-picks go random, as Envoy's do.
    for (let i = 0; i < this.retry!.hostSelectionRetryMaxAttempts && host && tried.includes(host); i++) {
      host = cluster.chooseHost();
    }
    return host;
  }

  private sendTry(host: Host): void {
    const cluster = this.cluster!;
    this.host = host;
    this.tryOpen = true;
    cluster.stats.rqTotal.inc();
    cluster.stats.rqActive.inc();
    host.requestStarted();
    if (this.retry?.avoidPreviousHosts) (this.triedHosts ??= []).push(host);

    this.upstreamStartMark = performance.now();
    this.upstreamResponse = undefined;
    const upstream = httpRequest({
      agent: host.pool,
      host: host.address,
      port: host.port,
      method: this.req.method,
      path: this.upstreamPath,
      headers: this.upstreamHeaders,
    });
    this.upstream = upstream;
    upstream.on('response', (response) => this.onUpstreamResponse(upstream, response));
    upstream.on('error', (error) => this.onUpstreamError(upstream, error));
    const perTryMs = this.retry?.perTryTimeoutMs;
    if (perTryMs !== undefined) this.perTryTimer = setTimeout(() => this.onPerTryTimeout(upstream), perTryMs);
    this.sendRequestBody(upstream);
  }

  private sendRequestBody(upstream: ClientRequest): void {
    const { req } = this;
    if (!this.hasBody) {
      upstream.end();
      return;
    }
    upstream.on('drain', () => {
      if (upstream === this.upstream) req.resume();
    });
    if (!this.bodyListening) {
      this.bodyListening = true;
      req.on('data', (chunk: Buffer) => this.onRequestData(chunk));
      req.on('end', () => this.onRequestEnd());
      return;
    }
    // A retry: what was received so far again, then the rest as it comes.
    for (const chunk of this.bodyChunks ?? []) upstream.write(chunk);
    if (this.requestEnded) upstream.end();
    else req.resume();
  }

  private onRequestData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    if (this.shadows) for (const shadow of this.shadows) shadow.write(chunk);
    const chunks = this.bodyChunks;
    if (chunks) {
      this.bodyBufferedBytes += chunk.length;
      if (this.bodyBufferedBytes > RETRY_BUFFER_LIMIT_BYTES) this.bodyChunks = undefined;
      else chunks.push(chunk);
    }
    const upstream = this.upstream;
    if (!upstream) {
      // Between tries: the chunk is kept above; the rest waits.
      this.req.pause();
      return;
    }
    if (!upstream.write(chunk)) this.req.pause();
  }

  private onRequestEnd(): void {
    this.requestEnded = true;
    if (this.shadows) for (const shadow of this.shadows) shadow.end();
    this.upstream?.end();
  }

  private onUpstreamResponse(upstream: ClientRequest, response: IncomingMessage): void {
    if (upstream !== this.upstream || this.finished) {
      response.destroy();
      return;
    }
    const cluster = this.cluster!;
    const host = this.host!;
    const status = response.statusCode ?? 502;
    cluster.stats.response(status);
    clearTimeout(this.perTryTimer);
    const retry = this.retry;
    if (retry && retry.retriesResponse(status, response.headers)) {
      if (this.mayRetry()) {
        cluster.reportOutcome(host, status);
        // The answer is dropped with its connection (as Envoy resets the stream it retries).
        response.resume();
        this.abandonTry(false);
        this.scheduleRetry();
        return;
      }
    } else if (this.retriesDone > 0) {
      cluster.stats.rqRetrySuccess.inc();
    }
    cluster.reportOutcome(host, status);
    this.upstreamResponse = response;
    this.upstreamServiceTimeMs = performance.now() - this.upstreamStartMark;
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

  private onUpstreamError(upstream: ClientRequest, error: Error): void {
    if (upstream !== this.upstream || this.upstreamDone || this.finished) return;
    if (this.upstreamResponse) {
      this.upstreamReset();
      return;
    }
    clearTimeout(this.perTryTimer);
    const connected = wasConnected(upstream.socket);
    // Connect failures and resets count as 503s for outlier detection.
    this.cluster!.reportOutcome(this.host!, 503);
    if (this.retry?.retriesFailure(!connected) && this.mayRetry()) {
      this.abandonTry(false);
      this.scheduleRetry();
      return;
    }
    const reason = connected ? 'connection termination' : 'connection failure';
    const detail = connected ? '' : `, transport failure reason: ${describeError(error)}`;
    this.giveUp(503, `${CONNECT_FAILURE_BODY}${reason}${detail}`, connected ? 'UC' : 'UF');
  }

  /** The host went away in the middle of the response body. */
  private upstreamReset(): void {
    if (this.finished) return;
    if (!this.flags.includes('UC')) this.flags.push('UC');
    this.upstreamDone = true;
    this.clearTimers();
    this.resetByProxy = true;
    this.res.destroy();
  }

  /** The try's own timeout passed before the response headers: a reset under the retry policy. */
  private onPerTryTimeout(upstream: ClientRequest): void {
    if (upstream !== this.upstream || this.upstreamDone || this.finished || this.upstreamResponse) return;
    const cluster = this.cluster!;
    cluster.stats.rqPerTryTimeout.inc();
    this.host!.counters.rqTimeout++;
    cluster.reportOutcome(this.host!, 504);
    if (this.retry!.retriesPerTryTimeout() && this.mayRetry()) {
      this.abandonTry(false);
      this.scheduleRetry();
      return;
    }
    cluster.stats.rqTimeout.inc();
    this.connection.chain.stats.rqTimeout.inc();
    this.giveUp(504, 'upstream request timeout', 'UT');
  }

  /** The route timeout: covers every try and the waits between them. */
  private onTimeout(): void {
    if (this.upstreamDone || this.finished) return;
    this.cluster?.stats.rqTimeout.inc();
    if (this.host && this.tryOpen) {
      this.host.counters.rqTimeout++;
      this.cluster?.reportOutcome(this.host, 504);
    }
    this.connection.chain.stats.rqTimeout.inc();
    this.giveUp(504, 'upstream request timeout', 'UT');
  }

  // ---------------------------------------------------------------------------------- retries

  /**
   * Whether the outcome just seen may be retried: a try left, a body that can be sent again, and
   * room under the cluster's max_retries. Out of tries, the request is flagged URX.
   */
  private mayRetry(): boolean {
    const cluster = this.cluster!;
    if (this.retriesDone >= this.retry!.numRetries) {
      cluster.stats.rqRetryLimitExceeded.inc();
      this.flags.push('URX');
      return false;
    }
    if (this.hasBody && !this.bodyChunks) return false;
    return cluster.canRetry();
  }

  private scheduleRetry(): void {
    const cluster = this.cluster!;
    this.retriesDone++;
    cluster.stats.rqRetry.inc();
    if (!this.retryActive) {
      this.retryActive = true;
      cluster.activeRetries++;
    }
    if (this.hasBody && !this.requestEnded) this.req.pause();
    const delay = this.retry!.backOffMs(this.retriesDone, this.context.random);
    this.retryTimer = setTimeout(() => this.retryNow(), delay);
  }

  private retryNow(): void {
    this.retryTimer = undefined;
    if (this.upstreamDone || this.finished) return;
    if (this.hasBody && !this.bodyChunks) {
      // The body outgrew the retry buffer while the retry waited: it can no longer be sent whole.
      this.giveUp(503, 'retry abandoned: the request body outgrew the retry buffer', 'URX');
      return;
    }
    this.tryHost();
  }

  /** Ends the current try without answering from it (a retry follows, or a local reply). */
  private abandonTry(success: boolean): void {
    const upstream = this.upstream;
    this.upstream = undefined;
    clearTimeout(this.perTryTimer);
    if (upstream && !this.upstreamResponse) upstream.destroy();
    this.endTry(success);
  }

  /** Once per try that was sent: its counters. */
  private endTry(success: boolean): void {
    if (!this.tryOpen) return;
    this.tryOpen = false;
    this.cluster!.stats.rqActive.dec();
    this.host!.requestFinished(success);
    if (this.retryActive) {
      this.retryActive = false;
      this.cluster!.activeRetries--;
    }
  }

  /** No (more) tries: a local reply ends the request. */
  private giveUp(status: number, body: string, flag: ResponseFlag, headers: OutgoingHttpHeaders = {}): void {
    this.upstreamDone = true;
    this.clearTimers();
    const upstream = this.upstream;
    if (upstream) {
      this.upstream = undefined;
      upstream.destroy();
    }
    this.endTry(false);
    this.localReply(status, body, flag, headers);
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.perTryTimer);
    clearTimeout(this.retryTimer);
    if (this.pendingHost) {
      this.pendingHost = undefined;
      this.cluster?.dequeue(this);
    }
  }

  // ---------------------------------------------------------------------------------- completion

  /** Once per request, when the downstream response is complete or the connection closed under it. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
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
    if (this.tryOpen) {
      const upstreamStatus = this.upstreamResponse?.statusCode ?? 0;
      this.endTry(completed && upstreamStatus > 0 && upstreamStatus < 500);
    }
    if (this.retryActive) {
      // Cancelled while waiting to retry.
      this.retryActive = false;
      this.cluster!.activeRetries--;
    }
    chain.requestFinished(connection);
    this.context.telemetry?.recordRequest(
      this.cluster?.name,
      this.host?.key,
      this.req.headers.host,
      responseCode,
      this.flags,
      performance.now() - this.startMark,
      this.bytesReceived,
      this.bytesSent,
    );
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

function appendHeader(headers: OutgoingHttpHeaders, name: string, value: string): void {
  const existing = headers[name];
  if (existing === undefined) headers[name] = value;
  else headers[name] = [...(Array.isArray(existing) ? existing : [String(existing)]), value];
}

function isEmptyLength(length: string | undefined): boolean {
  return length === undefined || length === '0';
}

/**
 * The route timeout, or for a gRPC request on a route that honours `grpc-timeout`, that header's
 * value (capped by the route's maximum when it has one; a zero header means no timeout).
 */
function routeTimeoutMs(action: ForwardPlan['action'], headers: IncomingHttpHeaders): number {
  const routeTimeout = action.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
  const max = action.grpcTimeoutHeaderMaxMs;
  if (max === undefined) return routeTimeout;
  const header = headers['grpc-timeout'];
  if (typeof header !== 'string' || !(headers['content-type'] ?? '').startsWith('application/grpc')) {
    return routeTimeout;
  }
  const grpcMs = grpcTimeoutMs(header);
  if (grpcMs === undefined) return routeTimeout;
  return max > 0 && (grpcMs === 0 || grpcMs > max) ? max : grpcMs;
}

const GRPC_TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** `grpc-timeout: 250m` → 250 (gRPC's format: up to 8 digits and a unit); undefined when malformed. */
function grpcTimeoutMs(value: string): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!match) return undefined;
  return Math.ceil(Number(match[1]) * GRPC_TIMEOUT_UNIT_MS[match[2]]);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}` : error.message;
}
