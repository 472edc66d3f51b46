/**
 * The data plane's xDS client: one ADS stream (state of the world or delta) to the control
 * plane, resources decoded and checked before they are accepted, and a consistent Snapshot
 * handed to `onUpdate` listeners whenever the accepted set changes and nothing referenced is
 * still warming. The last snapshot stays available while the control plane is unreachable; the
 * stream is reopened with backoff and re-subscribes to everything known.
 */
import { type ChannelCredentials, type ChannelOptions, credentials as grpcCredentials } from '@grpc/grpc-js';
import {
  AggregatedDiscoveryServiceClient,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type Node,
} from '@mesh/xds';
import { AdsTransport } from './ads-transport';
import { type BackoffOptions, ExponentialBackoff } from './backoff';
import { DeltaSession } from './delta-session';
import type { ProtocolHost, ProtocolSession } from './protocol';
import { type AcceptedUpdate, ResourceCache } from './resource-cache';
import { buildSnapshot, referencedResources, requiredResources, type Snapshot } from './snapshot';
import { SotwSession } from './sotw-session';
import { Subscriptions } from './subscriptions';
import { ROOT, Warming } from './warming';

/** Who this proxy is, as the control plane sees it (Envoy's Node). */
export interface NodeIdentity {
  /** Istio form: `sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local`. */
  id: string;
  cluster: string;
  /** Becomes the Node's metadata Struct (Istio reads labels, namespace, etc. from it). */
  metadata?: Record<string, unknown>;
  locality?: { region?: string; zone?: string; subZone?: string };
  /** Default `mesh-proxy`. */
  userAgentName?: string;
  userAgentVersion?: string;
}

export type XdsMode = 'sotw' | 'delta';

export interface XdsClientOptions {
  /** `host:port` of the control plane's ADS endpoint. */
  serverAddress: string;
  node: NodeIdentity;
  /** Default `sotw`. */
  mode?: XdsMode;
  /** Default insecure (plaintext), as on istiod's port 15010. */
  credentials?: ChannelCredentials;
  channelOptions?: ChannelOptions;
  /** How long to wait for a referenced resource before going without it. Default 15 s; 0 waits forever. */
  initialFetchTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Diagnostics: every ACK, NACK, disconnect and published snapshot. */
  onEvent?: (event: XdsClientEvent) => void;
}

export type XdsClientEvent =
  | { readonly type: 'accepted'; readonly typeUrl: string; readonly versionInfo: string }
  | { readonly type: 'rejected'; readonly typeUrl: string; readonly nonce: string; readonly message: string }
  | { readonly type: 'disconnected'; readonly reason: string; readonly retryInMs: number }
  | { readonly type: 'snapshot'; readonly generation: number }
  | { readonly type: 'listener-failed'; readonly message: string };

export interface TypeStatus {
  /** The version last accepted ('' before any). */
  readonly versionInfo: string;
  /** The last NACK, if the last response of the type was rejected. */
  readonly rejected?: { readonly nonce: string; readonly message: string };
}

export type SnapshotListener = (snapshot: Snapshot) => void;

const DEFAULT_INITIAL_FETCH_TIMEOUT_MS = 15_000;

export class XdsClient {
  readonly mode: XdsMode;
  private readonly cache = new ResourceCache();
  private readonly subscriptions = new Subscriptions();
  private readonly warming: Warming;
  private readonly grpcClient: InstanceType<typeof AggregatedDiscoveryServiceClient>;
  private readonly transport: { start(): void; close(): void; readonly connected: boolean };
  private readonly listeners = new Set<SnapshotListener>();
  private readonly rejections = new Map<string, { nonce: string; message: string }>();
  /** The current stream's protocol session; undefined while disconnected. */
  private session: Pick<ProtocolSession<unknown>, 'subscriptionChanged'> | undefined;
  private current: Snapshot | undefined;
  /** The cache or the warming verdict changed since the last published snapshot. */
  private dirty = false;
  private closed = false;

  private readonly host: ProtocolHost;

  constructor(private readonly options: XdsClientOptions) {
    this.mode = options.mode ?? 'sotw';
    this.host = {
      node: nodeOf(options.node),
      cache: this.cache,
      subscriptions: this.subscriptions,
      accept: (update) => this.accept(update),
      reject: (typeUrl, nonce, message) => this.reject(typeUrl, nonce, message),
    };
    this.warming = new Warming(options.initialFetchTimeoutMs ?? DEFAULT_INITIAL_FETCH_TIMEOUT_MS, () => {
      this.dirty = true;
      this.reassess();
    });
    this.grpcClient = new AggregatedDiscoveryServiceClient(
      options.serverAddress,
      options.credentials ?? grpcCredentials.createInsecure(),
      options.channelOptions,
    );
    const backoff = new ExponentialBackoff(options.backoff);
    this.transport = this.mode === 'delta' ? this.deltaTransport(backoff) : this.sotwTransport(backoff);
  }

  /** Opens the stream; LDS and CDS are requested at once, the rest as they are referenced. */
  start(): void {
    if (this.closed) throw new Error('XdsClient.start: the client is closed');
    this.transport.start();
    this.reassess(); // starts the initial-fetch timers of LDS and CDS
  }

  /** Asks for more names of a named type (RDS, EDS, SDS) besides the referenced ones. */
  subscribe(typeUrl: string, names: Iterable<string>): void {
    if (this.subscriptions.addExplicit(typeUrl, names)) this.session?.subscriptionChanged(typeUrl);
  }

  unsubscribe(typeUrl: string, names: Iterable<string>): void {
    if (this.subscriptions.removeExplicit(typeUrl, names)) this.subscriptionChanged(typeUrl);
  }

  /** Calls `listener` with every snapshot published from now on; returns the way to stop. */
  onUpdate(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last published snapshot: what the engine should be serving, connected or not. */
  get snapshot(): Snapshot | undefined {
    return this.current;
  }

  /** True while the stream is open and the server has answered on it. */
  get connected(): boolean {
    return this.transport.connected;
  }

  typeStatus(typeUrl: string): TypeStatus {
    return { versionInfo: this.cache.versionInfo(typeUrl), rejected: this.rejections.get(typeUrl) };
  }

  /** Ends the stream and the channel and stops every timer; the client cannot be restarted. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
    this.grpcClient.close();
    this.warming.close();
    this.listeners.clear();
    this.session = undefined;
  }

  private sotwTransport(backoff: ExponentialBackoff): AdsTransport<DiscoveryRequest, DiscoveryResponse> {
    let session: SotwSession | undefined;
    return new AdsTransport<DiscoveryRequest, DiscoveryResponse>(
      {
        open: () => this.grpcClient.streamAggregatedResources(),
        onStream: (send) => {
          session = new SotwSession(this.host, send);
          this.session = session;
          session.start();
        },
        onMessage: (response) => session?.onResponse(response),
        onDisconnect: (reason, retryInMs) => {
          session = undefined;
          this.disconnected(reason, retryInMs);
        },
      },
      backoff,
    );
  }

  private deltaTransport(backoff: ExponentialBackoff): AdsTransport<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    let session: DeltaSession | undefined;
    return new AdsTransport<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(
      {
        open: () => this.grpcClient.deltaAggregatedResources(),
        onStream: (send) => {
          session = new DeltaSession(this.host, send);
          this.session = session;
          session.start();
        },
        onMessage: (response) => session?.onResponse(response),
        onDisconnect: (reason, retryInMs) => {
          session = undefined;
          this.disconnected(reason, retryInMs);
        },
      },
      backoff,
    );
  }

  private disconnected(reason: string, retryInMs: number): void {
    // The cache and the last snapshot are kept: the engine goes on serving them.
    this.session = undefined;
    this.emit({ type: 'disconnected', reason, retryInMs });
  }

  private accept(update: AcceptedUpdate): void {
    if (this.closed) return;
    const wildcard = this.subscriptions.isWildcard(update.typeUrl);
    // Named types: ignore resources nobody asked for (a server may send more than requested).
    const resources = wildcard
      ? update.resources
      : update.resources.filter((r) => this.subscriptions.wants(update.typeUrl, r.name));
    this.cache.apply({ ...update, resources });
    // A name the server removed will not arrive: stop waiting for it.
    for (const name of update.removed) this.warming.markAbsent(update.typeUrl, name);
    this.rejections.delete(update.typeUrl);
    this.emit({ type: 'accepted', typeUrl: update.typeUrl, versionInfo: update.versionInfo });
    this.refreshReferences();
    this.dirty = true;
    this.reassess();
  }

  private reject(typeUrl: string, nonce: string, message: string): void {
    this.rejections.set(typeUrl, { nonce, message });
    this.emit({ type: 'rejected', typeUrl, nonce, message });
  }

  /** Re-derives the RDS, EDS and SDS names from the cached listeners and clusters. */
  private refreshReferences(): void {
    for (const typeUrl of this.subscriptions.setDerived(referencedResources(this.cache))) {
      this.subscriptionChanged(typeUrl);
    }
  }

  /** Forgets resources no longer wanted and tells the server the new names. */
  private subscriptionChanged(typeUrl: string): void {
    const unwanted = [...this.cache.resources(typeUrl).keys()].filter((n) => !this.subscriptions.wants(typeUrl, n));
    this.cache.forget(typeUrl, unwanted);
    if (unwanted.length > 0) this.dirty = true;
    this.session?.subscriptionChanged(typeUrl);
  }

  /** Publishes a snapshot if something changed and nothing referenced is still awaited. */
  private reassess(): void {
    if (this.closed) return;
    const absent = requiredResources(this.cache).filter((d) => d.name === ROOT || !this.cache.has(d.typeUrl, d.name));
    const { awaited, missing } = this.warming.assess(absent);
    if (awaited.length > 0 || !this.dirty) return;
    this.dirty = false;
    const snapshot = buildSnapshot(this.cache, (this.current?.generation ?? 0) + 1, missing);
    this.current = snapshot;
    this.emit({ type: 'snapshot', generation: snapshot.generation });
    for (const listener of [...this.listeners]) {
      try {
        listener(snapshot);
      } catch (error) {
        // A failing listener must not stop the others or the stream; it is reported instead.
        this.emit({ type: 'listener-failed', message: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  private emit(event: XdsClientEvent): void {
    this.options.onEvent?.(event);
  }
}

function nodeOf(identity: NodeIdentity): Node {
  if (!identity.id) throw new Error('XdsClient: node.id must not be empty');
  return {
    id: identity.id,
    cluster: identity.cluster,
    metadata: identity.metadata ?? {},
    locality: identity.locality
      ? {
          region: identity.locality.region ?? '',
          zone: identity.locality.zone ?? '',
          subZone: identity.locality.subZone ?? '',
        }
      : undefined,
    userAgentName: identity.userAgentName ?? 'mesh-proxy',
    userAgentVersion: identity.userAgentVersion,
  };
}
