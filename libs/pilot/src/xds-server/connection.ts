/**
 * One ADS stream: the proxy behind it, per-type state, and the serial lane through which its
 * requests and pushes run. The protocol subclasses (SotW, delta) decide what a request means and
 * what a response carries; this class owns identity, ordering, generation and sending.
 */
import { performance } from 'node:perf_hooks';
import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { NodeIdError, proxyFromNode, pushRequest, type Proxy, type PushRequest } from '@mesh/mesh-model';
import { sortByPushOrder, TypeUrl, type Node } from '@mesh/xds';
import type { GeneratedResources, GeneratorRegistry, PushContextLike } from './generator';
import type { LogFields, XdsLogger } from './logger';
import { shortTypeName, type XdsMetrics } from './metrics';
import type { SendBudget } from './send-budget';
import type { XdsServerSettings } from './settings';
import type { NackRecord, TypeState } from './type-state';

export type XdsProtocol = 'sotw' | 'delta';

/** What a connection needs from its server. */
export interface ConnectionContext<P extends PushContextLike> {
  readonly generators: GeneratorRegistry<P>;
  readonly metrics: XdsMetrics;
  readonly logger: XdsLogger;
  readonly settings: XdsServerSettings;
  /** Bounds the bytes queued on all streams together. */
  readonly sendBudget: SendBudget;
  /** Identifies this control plane in every response (Envoy shows it in its config dump), encoded. */
  readonly controlPlane: Uint8Array | undefined;
  /** The PushContext requests are answered from (the latest one pushed). */
  currentPush(): P | undefined;
  nextNonce(): string;
  /** The connection has a proxy and may receive pushes. */
  initialized(connection: XdsConnection<P>): void;
  /** The stream is over, whatever ended it. */
  closed(connection: XdsConnection<P>): void;
}

/** Why a type is being answered: a push (may be skipped when nothing changed) or a client request. */
export type ResponseMode = 'push' | 'request';

export interface TypeStatus {
  readonly typeUrl: string;
  /** cds, eds, lds, rds, sds. */
  readonly type: string;
  readonly wildcard: boolean;
  readonly resourceNames: readonly string[];
  readonly sentVersion: string;
  readonly sentNonce: string;
  readonly sentAt?: string;
  readonly sentResources: number;
  readonly ackedVersion: string;
  readonly ackedNonce: string;
  readonly lastNack?: Omit<NackRecord, 'at'> & { readonly at: string };
}

export interface ConnectionSummary {
  readonly connectionId: string;
  readonly proxyId: string;
  readonly proxyType: string;
  readonly protocol: XdsProtocol;
  readonly peer: string;
  readonly connectedAt: string;
}

export interface ConnectionStatus extends ConnectionSummary {
  readonly types: readonly TypeStatus[];
}

/** Past this many requests waiting on the lane, reading from the client pauses (flow control). */
const MAX_QUEUED_REQUESTS = 32;
/** Unknown types warned about per connection; later ones are only logged at debug. */
const MAX_UNKNOWN_TYPE_WARNINGS = 16;

let connectionCounter = 0;

export abstract class XdsConnection<P extends PushContextLike, Req = unknown, Res = unknown> {
  abstract readonly protocol: XdsProtocol;
  readonly connectedAt = new Date();
  readonly peer: string;
  private readonly serial = ++connectionCounter;
  private proxyValue: Proxy | undefined;
  protected readonly types = new Map<string, TypeState>();
  private lane: Promise<void> = Promise.resolve();
  private queuedRequests = 0;
  private paused = false;
  private closedValue = false;
  private readonly unknownTypesWarned = new Set<string>();
  /** Budget of responses not yet sent, handed back if the stream ends first. */
  private readonly heldBudget = new Set<() => void>();

  constructor(
    protected readonly call: ServerDuplexStream<Req, Res>,
    protected readonly context: ConnectionContext<P>,
  ) {
    this.peer = safePeer(call);
    call.on('data', (request: Req) => this.onData(request));
    // The client half-closing ends the stream from our side too.
    call.on('end', () => this.end(GrpcStatus.OK, 'client closed the stream'));
    call.on('cancelled', () => this.markClosed());
    call.on('close', () => this.markClosed());
    call.on('error', () => this.markClosed());
  }

  /** `<proxy id>-<n>` once the first request named the proxy. */
  get id(): string {
    return this.proxyValue ? `${this.proxyValue.id}-${this.serial}` : `pending-${this.serial}`;
  }

  get proxy(): Proxy | undefined {
    return this.proxyValue;
  }

  get closed(): boolean {
    return this.closedValue;
  }

  /** Regenerates what the request covers, in push order, and sends what changed. Never rejects. */
  push(request: PushRequest, push: P): Promise<void> {
    return this.onLane(async () => {
      const proxy = this.proxyValue;
      if (!proxy) return;
      const typeUrls = request.full
        ? sortByPushOrder([...this.types.values()].filter((s) => s.active).map((s) => s.typeUrl))
        : this.incrementalTypes();
      for (const typeUrl of typeUrls) {
        const state = this.types.get(typeUrl);
        if (!state?.active) continue;
        // Stop at the first failure: sending listeners after their clusters failed would be inconsistent.
        if (!(await this.respond(proxy, state, push, request, 'push'))) return;
      }
      if (typeUrls.length > 0) this.context.metrics.proxyConvergence((performance.now() - request.start) / 1000);
    });
  }

  /** Ends the stream with a gRPC status (OK ends it normally). Safe to call more than once. */
  end(code: GrpcStatus, details: string): void {
    if (this.closedValue) return;
    this.markClosed();
    if (code === GrpcStatus.OK) {
      this.call.end();
    } else {
      // grpc-js turns an 'error' emitted on a server stream into the call's final status.
      this.call.emit('error', { code, details });
    }
  }

  summary(): ConnectionSummary {
    return {
      connectionId: this.id,
      proxyId: this.proxyValue?.id ?? '',
      proxyType: this.proxyValue?.type ?? '',
      protocol: this.protocol,
      peer: this.peer,
      connectedAt: this.connectedAt.toISOString(),
    };
  }

  status(): ConnectionStatus {
    const types = sortByPushOrder([...this.types.keys()]).map((typeUrl) => typeStatus(this.types.get(typeUrl)!));
    return { ...this.summary(), types };
  }

  /** Handles one request of the protocol; the proxy is known by then. */
  protected abstract handleRequest(proxy: Proxy, request: Req): Promise<void>;

  /** Generates and sends one type; false when the rest of a push must be abandoned. */
  protected abstract respond(
    proxy: Proxy,
    state: TypeState,
    push: P,
    request: PushRequest,
    mode: ResponseMode,
  ): Promise<boolean>;

  protected abstract nodeOf(request: Req): Node | undefined;

  /** Answers a request of the client: a full, request-driven generation from the current PushContext. */
  protected answer(proxy: Proxy, state: TypeState): Promise<boolean> {
    const push = this.context.currentPush();
    if (!push) return Promise.resolve(false);
    return this.respond(
      proxy,
      state,
      push,
      pushRequest({ full: true, reason: 'proxy', start: performance.now() }),
      'request',
    );
  }

  /** Runs the type's generator; undefined (logged and counted) when it is missing or throws. */
  protected async generate(
    proxy: Proxy,
    state: TypeState,
    push: P,
    request: PushRequest,
  ): Promise<GeneratedResources | undefined> {
    const generator = this.context.generators.lookup(proxy.generator, state.typeUrl);
    if (!generator) return undefined;
    try {
      return await generator.generate(proxy, state.watched(), push, request);
    } catch (error) {
      this.context.metrics.generateError(state.typeUrl);
      this.context.logger.error('generator failed; the proxy keeps its previous config', {
        ...this.logFields(state.typeUrl),
        version: push.version,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }

  /** Whether the proxy's generator family serves the type; warns (bounded) when it does not. */
  protected knowsType(proxy: Proxy, typeUrl: string): boolean {
    if (this.context.generators.lookup(proxy.generator, typeUrl)) return true;
    const fields = { ...this.logFields(typeUrl), generator: proxy.generator };
    if (!this.unknownTypesWarned.has(typeUrl) && this.unknownTypesWarned.size < MAX_UNKNOWN_TYPE_WARNINGS) {
      this.unknownTypesWarned.add(typeUrl);
      this.context.logger.warn('request for a type this control plane does not serve; ignored', fields);
    } else {
      this.context.logger.debug('request for a type this control plane does not serve; ignored', fields);
    }
    return false;
  }

  /**
   * Writes one encoded response once the server's send budget has room for it (the budget is
   * handed back when grpc-js has sent the bytes, or the stream is gone); waits (up to the send
   * timeout) when the client reads slowly.
   */
  protected async write(typeUrl: string, response: Res & Uint8Array): Promise<boolean> {
    if (this.closedValue) return false;
    const budget = this.context.sendBudget;
    const held = await budget.acquire(response.length);
    if (this.closedValue) {
      budget.release(held);
      return false;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.heldBudget.delete(release);
      budget.release(held);
    };
    this.heldBudget.add(release);
    if (this.call.write(response, release)) return true;
    const drained = await new Promise<boolean>((resolve) => {
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.call.off('drain', onDrain);
        this.call.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => finish(true);
      const onClose = (): void => finish(false);
      const timer = setTimeout(() => finish(false), this.context.settings.sendTimeoutMs);
      this.call.on('drain', onDrain);
      this.call.on('close', onClose);
    });
    if (!drained && !this.closedValue) {
      this.context.metrics.sendError(typeUrl);
      this.context.logger.warn('send timed out; ending the stream', this.logFields(typeUrl));
      this.end(GrpcStatus.DEADLINE_EXCEEDED, 'xDS response not read in time');
    }
    return drained;
  }

  /** Records a rejection: logged with the proxy and the detail, counted, shown in syncz. */
  protected recordNack(state: TypeState, nack: NackRecord): void {
    state.lastNack = nack;
    this.context.metrics.rejected(state.typeUrl);
    this.context.logger.warn('proxy rejected config (NACK); it keeps its previous config', {
      ...this.logFields(state.typeUrl),
      nonce: nack.nonce,
      keptVersion: nack.keptVersion,
      code: nack.code,
      detail: nack.message,
    });
  }

  protected recordExpiredNonce(state: TypeState, nonce: string): void {
    this.context.metrics.expiredNonce(state.typeUrl);
    this.context.logger.debug('stale nonce; request ignored', {
      ...this.logFields(state.typeUrl),
      nonce,
      sentNonce: state.sentNonce,
    });
  }

  protected logFields(typeUrl?: string): LogFields {
    return { proxy: this.proxyValue?.id, connection: this.id, type: typeUrl && shortTypeName(typeUrl) };
  }

  /** An incremental push (full = false) only carries endpoints; the generator reads `edsHosts`. */
  private incrementalTypes(): string[] {
    return this.types.get(TypeUrl.ClusterLoadAssignment)?.active ? [TypeUrl.ClusterLoadAssignment] : [];
  }

  private onData(request: Req): void {
    this.queuedRequests++;
    if (this.queuedRequests > MAX_QUEUED_REQUESTS && !this.paused) {
      this.paused = true;
      this.call.pause();
    }
    void this.onLane(async () => {
      this.queuedRequests--;
      if (this.paused && this.queuedRequests <= MAX_QUEUED_REQUESTS / 2) {
        this.paused = false;
        this.call.resume();
      }
      const proxy = this.proxyValue ?? this.initialize(this.nodeOf(request));
      if (proxy) await this.handleRequest(proxy, request);
    });
  }

  /** Reads the proxy from the first request's node; ends the stream with INVALID_ARGUMENT if it cannot. */
  private initialize(node: Node | undefined): Proxy | undefined {
    const nodeId = node?.id ?? '';
    if (nodeId === '') {
      this.end(GrpcStatus.INVALID_ARGUMENT, 'the first request must carry node.id');
      return undefined;
    }
    try {
      this.proxyValue = proxyFromNode(nodeId, plainMetadata(node?.metadata), {
        region: node?.locality?.region,
        zone: node?.locality?.zone,
        subzone: node?.locality?.subZone,
      });
    } catch (error) {
      if (!(error instanceof NodeIdError)) throw error;
      this.context.logger.warn('rejected stream with an invalid node ID', { peer: this.peer, error: error.message });
      this.end(GrpcStatus.INVALID_ARGUMENT, error.message);
      return undefined;
    }
    this.context.initialized(this);
    this.context.logger.info('new connection', { proxy: nodeId, connection: this.id, protocol: this.protocol });
    return this.proxyValue;
  }

  /** Runs work after everything queued before it on this connection; skipped once closed. */
  private onLane(work: () => Promise<void>): Promise<void> {
    const run = this.lane.then(async () => {
      if (this.closedValue) return;
      try {
        await work();
      } catch (error) {
        // A bug, not a client's fault: end only this stream and keep serving the others.
        this.context.logger.error('internal error on an xDS stream', {
          ...this.logFields(),
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
        this.end(GrpcStatus.INTERNAL, 'internal error in the control plane');
      }
    });
    this.lane = run;
    return run;
  }

  private markClosed(): void {
    if (this.closedValue) return;
    this.closedValue = true;
    for (const release of [...this.heldBudget]) release();
    this.context.closed(this);
  }
}

function typeStatus(state: TypeState): TypeStatus {
  const nack = state.lastNack;
  return {
    typeUrl: state.typeUrl,
    type: shortTypeName(state.typeUrl),
    wildcard: state.wildcard,
    resourceNames: [...state.names].sort(),
    sentVersion: state.sentVersion,
    sentNonce: state.sentNonce,
    sentAt: state.sentAt?.toISOString(),
    sentResources: state.sentCount,
    ackedVersion: state.ackedVersion,
    ackedNonce: state.ackedNonce,
    lastNack: nack && { ...nack, at: nack.at.toISOString() },
  };
}

/** ts-proto gives node.metadata as plain JSON (Struct unwrapped); keep only an object. */
function plainMetadata(metadata: unknown): Record<string, unknown> {
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)
    ? (metadata as Record<string, unknown>)
    : {};
}

function safePeer(call: { getPeer(): string }): string {
  try {
    return call.getPeer();
  } catch {
    return 'unknown';
  }
}
