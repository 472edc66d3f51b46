/**
 * A simulated Envoy for the benchmark: one real gRPC connection and ADS stream per proxy (SotW or
 * delta), subscribing the way Envoy does (CDS and LDS wildcard, EDS for the EDS clusters CDS named,
 * RDS for the route names the listeners' HTTP connection managers named) and acknowledging every
 * response. It records the bytes it receives (the serialized responses as they come off the
 * stream) and, when told to watch for a marker, the moment it acknowledged the first response of a
 * type whose resources contain it: that is the "converged" time of a change.
 *
 * Decoding clusters and listeners for their names is the expensive part of a real client; proxies
 * that are alike receive identical responses, so derived names are memoized per (type, version,
 * byte length, resource count). Everything else (framing, protobuf decoding of every response, the
 * ACK) is done per proxy.
 */
import { Client, credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  Cluster,
  DeltaDiscoveryRequest,
  DiscoveryRequest,
  HttpConnectionManager,
  Listener,
  TypeUrl,
  type Node,
} from '@mesh/xds';
import { Cluster_DiscoveryType } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { performance } from 'node:perf_hooks';
import {
  anyValue,
  scanDeltaDiscoveryResponse,
  scanDiscoveryResponse,
  type ScannedDelta,
  type ScannedSotw,
} from './wire-scan';

export type Protocol = 'sotw' | 'delta';

const SERVICE = '/envoy.service.discovery.v3.AggregatedDiscoveryService';
const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export interface MarkerWatch {
  readonly typeUrl: string;
  readonly marker: Buffer;
}

interface Received<M> {
  readonly bytes: number;
  readonly message: M;
  /** The response as received, for the marker search. */
  readonly raw: Buffer;
}

const derivedNames = new Map<string, readonly string[]>();
const NO_NAMES: readonly string[] = Object.freeze([]);

/**
 * Names shared across simulated proxies: 2,000 proxies each holding 12,000 names and sets of their
 * own made this process's heap (and its garbage collection) the bottleneck of the benchmark. Real
 * proxies hold theirs in processes of their own.
 */
const internedNames = new Map<string, string>();
const setsOfLists = new WeakMap<readonly string[], ReadonlySet<string>>();

function intern(name: string): string {
  let known = internedNames.get(name);
  if (known === undefined) internedNames.set(name, (known = name));
  return known;
}

function setOf(names: readonly string[]): ReadonlySet<string> {
  let set = setsOfLists.get(names);
  if (!set) setsOfLists.set(names, (set = new Set(names)));
  return set;
}

function memoized(key: string, derive: () => readonly string[]): readonly string[] {
  let names = derivedNames.get(key);
  if (!names) derivedNames.set(key, (names = derive()));
  return names;
}

/** The names an Envoy would request EDS for: clusters of type EDS (by service name, else name). */
function edsNamesOf(resources: readonly Uint8Array[]): string[] {
  const names: string[] = [];
  for (const any of resources) {
    const cluster = Cluster.decode(anyValue(any));
    if (cluster.type !== Cluster_DiscoveryType.EDS) continue;
    names.push(cluster.edsClusterConfig?.serviceName || cluster.name || '');
  }
  return names;
}

/** The RDS route names the listeners' HTTP connection managers use. */
function routeNamesOf(resources: readonly Uint8Array[]): string[] {
  const names = new Set<string>();
  for (const any of resources) {
    const listener = Listener.decode(anyValue(any));
    const chains = [
      ...(listener.filterChains ?? []),
      ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : []),
    ];
    for (const chain of chains) {
      for (const filter of chain.filters ?? []) {
        if (filter.typedConfig?.typeUrl !== HCM_TYPE) continue;
        const name = HttpConnectionManager.decode(filter.typedConfig.value ?? new Uint8Array()).rds?.routeConfigName;
        if (name) names.add(name);
      }
    }
  }
  return [...names];
}

function sameNames(a: readonly string[], b: ReadonlySet<string>): boolean {
  return a.length === b.size && a.every((name) => b.has(name));
}

export abstract class SimulatedProxy {
  /** Bytes of every response received since the last `resetBytes`. */
  bytesReceived = 0;
  /** Bytes received per type URL since the start (not reset). */
  readonly bytesByType = new Map<string, number>();
  responses = 0;
  nacksSent = 0;
  /** When the first response containing the watched marker was acknowledged (performance.now()). */
  convergedAt: number | undefined;
  readonly synced: Promise<void>;
  error: string | undefined;
  protected watch: MarkerWatch | undefined;
  protected readonly client: Client;
  private markSynced!: () => void;
  private readonly acked = new Set<string>();

  constructor(
    address: string,
    protected readonly node: Node,
  ) {
    // A connection of its own per proxy, as real proxies have (no shared subchannel), with
    // Envoy's default HTTP/2 windows (256 MiB): with Node's 64 KB a megabyte response needed a
    // window update from this process every 64 KB, which measured this process, not istiod.
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': -1,
      'grpc-node.flow_control_window': 256 * 1024 * 1024,
    });
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
  }

  watchFor(watch: MarkerWatch | undefined): void {
    this.watch = watch;
    this.convergedAt = undefined;
  }

  resetBytes(): void {
    this.bytesReceived = 0;
  }

  abstract start(): void;

  close(): void {
    this.client.close();
  }

  private nodeSent = false;

  /** Envoy sends its node on the first request of a stream only. */
  protected nodeOnce(): Node | undefined {
    if (this.nodeSent) return undefined;
    this.nodeSent = true;
    return this.node;
  }

  protected received(typeUrl: string, bytes: number): void {
    this.bytesReceived += bytes;
    this.responses++;
    this.bytesByType.set(typeUrl, (this.bytesByType.get(typeUrl) ?? 0) + bytes);
  }

  protected ackedType(typeUrl: string): void {
    this.acked.add(typeUrl);
    if (this.acked.size === 4) this.markSynced();
  }

  /** Called after the response was acknowledged. */
  protected checkMarker(typeUrl: string, raw: Buffer): void {
    const watch = this.watch;
    if (!watch || this.convergedAt !== undefined || typeUrl !== watch.typeUrl) return;
    if (raw.indexOf(watch.marker) >= 0) this.convergedAt = performance.now();
  }

  protected failed(error: Error): void {
    this.error ??= error.message;
  }
}

export class SotwProxy extends SimulatedProxy {
  private call: ClientDuplexStream<DiscoveryRequest, Received<ScannedSotw>> | undefined;
  /** Per type, the names watched (a list shared with alike proxies; see setOf). */
  private readonly subscribed = new Map<string, readonly string[]>();
  private readonly lastNonce = new Map<string, string>();
  private readonly lastVersion = new Map<string, string>();

  start(): void {
    const call = this.client.makeBidiStreamRequest(
      `${SERVICE}/StreamAggregatedResources`,
      (request: DiscoveryRequest) => Buffer.from(DiscoveryRequest.encode(request).finish()),
      (bytes: Buffer) => ({ bytes: bytes.length, message: scanDiscoveryResponse(bytes), raw: bytes }),
    );
    this.call = call;
    call.on('data', (received: Received<ScannedSotw>) => this.onResponse(received));
    call.on('error', (error: Error) => this.failed(error));
    this.request(TypeUrl.Cluster, NO_NAMES);
  }

  private request(typeUrl: string, names: readonly string[]): void {
    this.subscribed.set(typeUrl, names);
    this.call!.write({
      node: this.nodeOnce(),
      typeUrl,
      resourceNames: names as string[],
      versionInfo: this.lastVersion.get(typeUrl) ?? '',
      responseNonce: this.lastNonce.get(typeUrl) ?? '',
    });
  }

  private onResponse({ bytes, message, raw }: Received<ScannedSotw>): void {
    const typeUrl = message.typeUrl;
    this.received(typeUrl, bytes);
    this.lastNonce.set(typeUrl, message.nonce);
    this.lastVersion.set(typeUrl, message.versionInfo);
    const key = `${typeUrl}\u0000${message.versionInfo}\u0000${bytes}\u0000${message.resources.length}`;
    // The ACK carries the names the proxy keeps watching.
    this.request(typeUrl, this.subscribed.get(typeUrl) ?? NO_NAMES);
    this.checkMarker(typeUrl, raw);
    this.ackedType(typeUrl);
    if (typeUrl === TypeUrl.Cluster) {
      const eds = memoized(key, () => edsNamesOf(message.resources));
      const current = this.subscribed.get(TypeUrl.ClusterLoadAssignment);
      if (!current || !sameNames(eds, setOf(current))) this.request(TypeUrl.ClusterLoadAssignment, eds);
    } else if (typeUrl === TypeUrl.ClusterLoadAssignment) {
      if (!this.subscribed.has(TypeUrl.Listener)) this.request(TypeUrl.Listener, NO_NAMES);
    } else if (typeUrl === TypeUrl.Listener) {
      const routes = memoized(key, () => routeNamesOf(message.resources));
      const current = this.subscribed.get(TypeUrl.RouteConfiguration);
      if (!current || !sameNames(routes, setOf(current))) this.request(TypeUrl.RouteConfiguration, routes);
    }
  }

  override close(): void {
    this.call?.cancel();
    super.close();
  }
}

export class DeltaProxy extends SimulatedProxy {
  private call: ClientDuplexStream<DeltaDiscoveryRequest, Received<ScannedDelta>> | undefined;
  /** Per type: resource name → the names it makes the proxy watch (EDS names of a cluster, RDS names of a listener). */
  private readonly resources = new Map<string, Map<string, readonly string[]>>();
  private readonly subscribed = new Map<string, Set<string>>();

  start(): void {
    const call = this.client.makeBidiStreamRequest(
      `${SERVICE}/DeltaAggregatedResources`,
      (request: DeltaDiscoveryRequest) => Buffer.from(DeltaDiscoveryRequest.encode(request).finish()),
      (bytes: Buffer) => ({ bytes: bytes.length, message: scanDeltaDiscoveryResponse(bytes), raw: bytes }),
    );
    this.call = call;
    call.on('data', (received: Received<ScannedDelta>) => this.onResponse(received));
    call.on('error', (error: Error) => this.failed(error));
    this.subscribe(TypeUrl.Cluster, [], []);
  }

  private subscribe(typeUrl: string, add: readonly string[], remove: readonly string[]): void {
    let names = this.subscribed.get(typeUrl);
    if (!names) this.subscribed.set(typeUrl, (names = new Set()));
    for (const name of add) names.add(name);
    for (const name of remove) names.delete(name);
    this.call!.write({
      node: this.nodeOnce(),
      typeUrl,
      resourceNamesSubscribe: [...add],
      resourceNamesUnsubscribe: [...remove],
      initialResourceVersions: {},
      responseNonce: '',
    });
  }

  private onResponse({ bytes, message, raw }: Received<ScannedDelta>): void {
    const typeUrl = message.typeUrl;
    this.received(typeUrl, bytes);
    let known = this.resources.get(typeUrl);
    if (!known) this.resources.set(typeUrl, (known = new Map()));
    for (const name of message.removed) known.delete(name);
    for (const resource of message.resources) {
      if (!resource.resource) continue;
      const name = intern(resource.name);
      const key = `${typeUrl}\u0000${name}\u0000${resource.version}`;
      const single = [resource.resource];
      if (typeUrl === TypeUrl.Cluster)
        known.set(
          name,
          memoized(key, () => edsNamesOf(single)),
        );
      else if (typeUrl === TypeUrl.Listener)
        known.set(
          name,
          memoized(key, () => routeNamesOf(single)),
        );
      else known.set(name, NO_NAMES);
    }
    this.call!.write({
      node: this.node,
      typeUrl,
      responseNonce: message.nonce,
      resourceNamesSubscribe: [],
      resourceNamesUnsubscribe: [],
      initialResourceVersions: {},
    });
    this.checkMarker(typeUrl, raw);
    this.ackedType(typeUrl);
    const dependent =
      typeUrl === TypeUrl.Cluster
        ? TypeUrl.ClusterLoadAssignment
        : typeUrl === TypeUrl.Listener
          ? TypeUrl.RouteConfiguration
          : undefined;
    if (dependent) {
      const wanted = new Set<string>();
      for (const names of known.values()) for (const name of names) wanted.add(name);
      const current = this.subscribed.get(dependent) ?? new Set<string>();
      const add = [...wanted].filter((name) => !current.has(name));
      const remove = [...current].filter((name) => !wanted.has(name));
      if (add.length > 0 || remove.length > 0 || !this.subscribed.has(dependent))
        this.subscribe(dependent, add, remove);
    }
    if (typeUrl === TypeUrl.ClusterLoadAssignment && !this.subscribed.has(TypeUrl.Listener)) {
      this.subscribe(TypeUrl.Listener, [], []);
    }
  }

  override close(): void {
    this.call?.cancel();
    super.close();
  }
}

export function sidecarNode(index: number, protocol: Protocol): Node {
  const ip = `10.200.${Math.floor(index / 250)}.${(index % 250) + 1}`;
  return {
    id: `sidecar~${ip}~bench-${protocol}-${index}.bench~bench.svc.cluster.local`,
    cluster: 'bench',
    metadata: { NAMESPACE: 'bench', LABELS: { app: `bench-${protocol}` } },
    locality: { region: 'local', zone: 'a' },
  };
}
