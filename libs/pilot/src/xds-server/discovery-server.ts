/**
 * The ADS server: envoy.service.discovery.v3.AggregatedDiscoveryService over gRPC, both
 * StreamAggregatedResources (state of the world) and DeltaAggregatedResources (incremental).
 *
 * One push path (Istio's): pushAll(request, push) → push queue (one pending push per connection,
 * merged; bounded concurrency) → the connection regenerates its watched types in push order
 * (Secret, CDS, EDS, LDS, RDS) with the generators of the registry → stream. Requests from a proxy
 * are answered from the latest PushContext. How resources are made is the generators' business.
 */
import { randomBytes } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServerDuplexStream,
  type ServerErrorResponse,
} from '@grpc/grpc-js';
import { mergePushRequests, type PushRequest } from '@mesh/mesh-model';
import { AdsService, type AdsServiceImplementation } from './ads-service';
import type { ConnectionContext, ConnectionStatus, ConnectionSummary, XdsConnection } from './connection';
import { DeltaConnection } from './delta-connection';
import type { GeneratorRegistry, PushContextLike } from './generator';
import { stderrLogger, type XdsLogger } from './logger';
import { XdsMetricsRecorder, type XdsMetrics } from './metrics';
import { PushQueue } from './push-queue';
import { SendBudget } from './send-budget';
import { encodeControlPlane } from './response-encoding';
import { grpcServerOptions, xdsServerSettings, type XdsServerSettings } from './settings';
import { SotwConnection } from './sotw-connection';

export interface DiscoveryServerOptions<P extends PushContextLike> {
  readonly generators: GeneratorRegistry<P>;
  /** The PushContext to serve from the start; until one is set, streams are refused with UNAVAILABLE. */
  readonly pushContext?: P;
  readonly settings?: Partial<XdsServerSettings>;
  /** Default: an XdsMetricsRecorder (read it back through `metrics`). */
  readonly metrics?: XdsMetrics;
  /** Default: info and above on stderr. */
  readonly logger?: XdsLogger;
  /** Sent as control_plane.identifier in every response (istiod sends its pod name and version). */
  readonly controlPlaneId?: string;
}

type Connection<P extends PushContextLike> = XdsConnection<P, unknown, unknown>;

const SHUTDOWN_TIMEOUT_MS = 2_000;

export class DiscoveryServer<P extends PushContextLike> {
  readonly settings: XdsServerSettings;
  readonly metrics: XdsMetrics;
  private readonly logger: XdsLogger;
  private readonly generators: GeneratorRegistry<P>;
  private readonly controlPlane: Uint8Array | undefined;
  private pushContext: P | undefined;
  /** Every open stream, including those whose first request has not arrived yet. */
  private readonly streams = new Set<Connection<P>>();
  /** Streams with a proxy, by connection ID: the ones pushes go to. */
  private readonly connectionsById = new Map<string, Connection<P>>();
  private readonly queue: PushQueue<Connection<P>, PushRequest>;
  private readonly nonceSeed = randomBytes(4).toString('hex');
  private lastNonce = 0;
  private readonly connectionContext: ConnectionContext<P>;
  private readonly sendBudget: SendBudget;
  private server: Server | undefined;
  private closing = false;

  constructor(options: DiscoveryServerOptions<P>) {
    this.settings = xdsServerSettings(options.settings);
    this.metrics = options.metrics ?? new XdsMetricsRecorder();
    this.logger = options.logger ?? stderrLogger();
    this.generators = options.generators;
    this.pushContext = options.pushContext;
    this.controlPlane = encodeControlPlane(options.controlPlaneId ? { identifier: options.controlPlaneId } : undefined);
    this.sendBudget = new SendBudget(this.settings.sendBudgetBytes);
    this.connectionContext = this.createConnectionContext();
    this.queue = new PushQueue({
      concurrency: this.settings.pushConcurrency,
      merge: mergePushRequests,
      // Always the latest PushContext: a push that waited in the queue must not send an older
      // snapshot than a request answered meanwhile (pushAll sets it before queueing).
      run: (connection, request) => (this.pushContext ? connection.push(request, this.pushContext) : Promise.resolve()),
    });
  }

  /** The gRPC service implementation, for a server the caller owns (istiod shares 15010 with the CA). */
  get service(): AdsServiceImplementation {
    return {
      streamAggregatedResources: (call) => this.accept(call, (c, ctx) => new SotwConnection<P>(c, ctx)),
      deltaAggregatedResources: (call) => this.accept(call, (c, ctx) => new DeltaConnection<P>(c, ctx)),
    };
  }

  /** Adds the ADS service to a server the caller owns and will shut down. */
  addTo(server: Server): void {
    server.addService(AdsService, this.service);
  }

  /**
   * Starts a gRPC server of its own (keepalive and stream limits from the settings) on
   * `host:port` (port 0 = any free port) without TLS. Returns the bound port.
   */
  async listen(address: string, credentials = ServerCredentials.createInsecure()): Promise<number> {
    if (this.server) throw new Error('DiscoveryServer.listen: already listening');
    const server = new Server(grpcServerOptions(this.settings));
    this.addTo(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
    ).catch((error: unknown) => {
      server.forceShutdown();
      throw error;
    });
    this.server = server;
    return port;
  }

  /** The PushContext requests are answered from. */
  get currentPushContext(): P | undefined {
    return this.pushContext;
  }

  /** Serves from this PushContext from now on without pushing (e.g. the first one at start-up). */
  setPushContext(push: P): void {
    this.pushContext = push;
  }

  /**
   * Makes `push` current and queues `request` for every connected proxy. A full request
   * regenerates every watched type; an incremental one (full = false) only endpoints, and does
   * nothing when it names no `edsHosts`. Returns how many connections were queued.
   */
  pushAll(request: PushRequest, push: P): number {
    this.pushContext = push;
    if (this.closing) return 0;
    if (!request.full && request.edsHosts.size === 0) return 0;
    for (const connection of this.connectionsById.values()) this.queue.enqueue(connection, request);
    return this.connectionsById.size;
  }

  /** Resolves when no push waits or runs (tests, benchmarks, shutdown). */
  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  /** Pushes waiting in the queue and running now. */
  get pushQueueDepth(): { readonly pending: number; readonly inFlight: number } {
    return { pending: this.queue.pending, inFlight: this.queue.inFlight };
  }

  /** Open streams, including those whose first request has not named a proxy yet. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Connected proxies (streams whose first request named one). */
  connections(): ConnectionSummary[] {
    return [...this.connectionsById.values()].map((c) => c.summary());
  }

  /** Per connection and type: sent version and nonce, acked version and nonce, last NACK. */
  syncz(): ConnectionStatus[] {
    return [...this.connectionsById.values()].map((c) => c.status());
  }

  /**
   * Graceful shutdown: refuses new streams, lets in-flight pushes finish (up to closeGraceMs),
   * then ends every stream with UNAVAILABLE so proxies reconnect to another replica, and stops the
   * server it started (GOAWAY), forcing it after a short timeout.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await waitAtMost(this.queue.whenIdle(), this.settings.closeGraceMs);
    for (const connection of [...this.streams]) {
      connection.end(GrpcStatus.UNAVAILABLE, 'control plane is shutting down; reconnect');
    }
    const server = this.server;
    this.server = undefined;
    if (server) {
      const shutdown = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      if (!(await waitAtMost(shutdown, SHUTDOWN_TIMEOUT_MS))) server.forceShutdown();
    }
  }

  /** What connections may see of the server. */
  private createConnectionContext(): ConnectionContext<P> {
    return {
      generators: this.generators,
      metrics: this.metrics,
      logger: this.logger,
      settings: this.settings,
      sendBudget: this.sendBudget,
      controlPlane: this.controlPlane,
      currentPush: () => this.pushContext,
      nextNonce: () => `${this.nonceSeed}-${(++this.lastNonce).toString(36)}`,
      initialized: (connection) => {
        this.connectionsById.set(connection.id, connection as Connection<P>);
        this.metrics.connectedStreams(this.connectionsById.size);
      },
      closed: (connection) => {
        const closed = connection as Connection<P>;
        this.streams.delete(closed);
        this.queue.remove(closed);
        if (this.connectionsById.delete(closed.id)) {
          this.metrics.connectedStreams(this.connectionsById.size);
          this.logger.info('connection closed', { proxy: closed.proxy?.id, connection: closed.id });
        }
      },
    };
  }

  private accept<Req, Res>(
    call: ServerDuplexStream<Req, Res>,
    create: (call: ServerDuplexStream<Req, Res>, context: ConnectionContext<P>) => XdsConnection<P, Req, Res>,
  ): void {
    if (this.closing || !this.pushContext) {
      const error: Partial<ServerErrorResponse> = {
        code: GrpcStatus.UNAVAILABLE,
        details: this.closing ? 'control plane is shutting down' : 'control plane is not ready yet',
      };
      call.emit('error', error);
      return;
    }
    const connection = create(call, this.connectionContext) as unknown as Connection<P>;
    if (!connection.closed) this.streams.add(connection);
  }
}

/** Waits for a promise up to `ms`; true if it settled in time. */
async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
