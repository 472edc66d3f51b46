/**
 * A real gRPC ADS server for tests of xDS clients: it serves resources the test sets by hand,
 * over both StreamAggregatedResources (state of the world) and DeltaAggregatedResources (delta),
 * records every request so tests can assert ACKs and NACKs, and can drop its streams or stop and
 * start again on the same port to exercise reconnects.
 */
import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerErrorResponse,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import {
  AggregatedDiscoveryServiceService,
  type AggregatedDiscoveryServiceServer,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '@mesh/xds';
import { DeltaStream } from './delta-stream';
import { ResourceStore, type StubResource } from './resource-store';
import { SotwStream } from './sotw-stream';
import type { StreamContext, StubStream } from './stream-context';
import { type RecordedRequest, type RecordedResponse, type XdsProtocol, WaitableLog } from './traffic-log';

export interface StubControlPlaneOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: the system picks a free port, kept across restarts. */
  port?: number;
}

/** A stream opening or closing, for tests that wait for a client to (re)connect. */
export interface StreamEvent {
  readonly streamId: number;
  readonly protocol: XdsProtocol;
  readonly event: 'opened' | 'closed';
}

type AnyServerCall =
  | ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>
  | ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

interface OpenStream {
  readonly stream: StubStream;
  readonly call: AnyServerCall;
  readonly protocol: XdsProtocol;
}

/** How often and how long `restart` retries a port the previous server has not released yet. */
const REBIND_ATTEMPTS = 20;
const REBIND_DELAY_MS = 50;

export class StubControlPlane {
  /** Every request received, across streams and restarts. */
  readonly requests = new WaitableLog<RecordedRequest>('xDS request');
  /** Every response sent. */
  readonly responses = new WaitableLog<RecordedResponse>('xDS response');
  readonly streamEvents = new WaitableLog<StreamEvent>('stream event');

  private readonly store = new ResourceStore();
  private readonly open = new Map<number, OpenStream>();
  private server: Server | undefined;
  private lastStreamId = 0;
  private lastNonce = 0;
  private readonly context: StreamContext = {
    store: this.store,
    requests: this.requests,
    responses: this.responses,
    nextNonce: () => String(++this.lastNonce),
  };

  private constructor(
    private readonly host: string,
    private boundPort: number,
  ) {}

  static async start(options: StubControlPlaneOptions = {}): Promise<StubControlPlane> {
    const stub = new StubControlPlane(options.host ?? '127.0.0.1', options.port ?? 0);
    await stub.listen();
    return stub;
  }

  get port(): number {
    return this.boundPort;
  }

  /** `host:port`, as a gRPC target. */
  get address(): string {
    return `${this.host}:${this.boundPort}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  get openStreamCount(): number {
    return this.open.size;
  }

  /**
   * Replaces the resources of a type (a new version) and pushes them to every stream subscribed
   * to the type: SotW streams get their full subscribed set, delta streams what changed or was
   * removed. Allowed while stopped: streams opened after `restart` get the new set.
   */
  setResources(typeUrl: string, resources: readonly StubResource[]): string {
    const version = this.store.set(typeUrl, resources);
    for (const { stream } of this.open.values()) stream.resourcesChanged(typeUrl);
    return version;
  }

  /** The version `setResources` last gave the type ('' if never set). */
  versionOf(typeUrl: string): string {
    return this.store.versionOf(typeUrl);
  }

  /** Ends every open stream with UNAVAILABLE while the server keeps listening. Returns how many. */
  dropStreams(details = 'stream dropped by the test'): number {
    const dropped = [...this.open.entries()];
    for (const [id, { call }] of dropped) {
      this.forget(id);
      const error: Partial<ServerErrorResponse> = { code: GrpcStatus.UNAVAILABLE, details };
      call.emit('error', error);
    }
    return dropped.length;
  }

  /** Kills the server and its streams at once, like a crashed control plane. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const id of [...this.open.keys()]) this.forget(id);
    server.forceShutdown();
  }

  /** Starts again on the same port, with the same resources and logs. */
  async restart(): Promise<void> {
    if (this.server) throw new Error('StubControlPlane.restart: still running, stop() it first');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.listen();
        return;
      } catch (error) {
        if (attempt >= REBIND_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, REBIND_DELAY_MS));
      }
    }
  }

  private async listen(): Promise<void> {
    const server = new Server();
    const implementation: AggregatedDiscoveryServiceServer = {
      streamAggregatedResources: (call) => {
        const stream = new SotwStream(++this.lastStreamId, call, this.context);
        this.track(stream, call, 'sotw');
        call.on('data', (request: DiscoveryRequest) => stream.onRequest(request));
      },
      deltaAggregatedResources: (call) => {
        const stream = new DeltaStream(++this.lastStreamId, call, this.context);
        this.track(stream, call, 'delta');
        call.on('data', (request: DeltaDiscoveryRequest) => stream.onRequest(request));
      },
    };
    server.addService(AggregatedDiscoveryServiceService, implementation);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${this.host}:${this.boundPort}`, ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    }).catch((error: unknown) => {
      server.forceShutdown();
      throw error;
    });
    this.boundPort = port;
    this.server = server;
  }

  private track(stream: StubStream, call: AnyServerCall, protocol: XdsProtocol): void {
    this.open.set(stream.id, { stream, call, protocol });
    this.streamEvents.push({ streamId: stream.id, protocol, event: 'opened' });
    // The client half-closing ends the stream from our side too.
    call.on('end', () => {
      if (this.forget(stream.id)) call.end();
    });
    call.on('cancelled', () => this.forget(stream.id));
    call.on('close', () => this.forget(stream.id));
  }

  /** Removes a stream from the open set; true if it was open. */
  private forget(id: number): boolean {
    const entry = this.open.get(id);
    if (!entry) return false;
    this.open.delete(id);
    this.streamEvents.push({ streamId: id, protocol: entry.protocol, event: 'closed' });
    return true;
  }
}
