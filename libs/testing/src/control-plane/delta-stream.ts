/**
 * Incremental (delta) ADS on the stub: the stream remembers which version of each resource the
 * client has (seeded from `initial_resource_versions` on reconnect) and sends only resources
 * whose version differs, plus the names of subscribed resources that no longer exist.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '@mesh/xds';
import { isWildcardType, type StreamContext, type StubStream } from './stream-context';

interface DeltaSubscription {
  wildcard: boolean;
  names: Set<string>;
  /** Resource name → version the client holds, as far as this stream knows. */
  known: Map<string, string>;
}

export class DeltaStream implements StubStream {
  private readonly subscriptions = new Map<string, DeltaSubscription>();

  constructor(
    readonly id: number,
    private readonly call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
    private readonly context: StreamContext,
  ) {}

  onRequest(request: DeltaDiscoveryRequest): void {
    const typeUrl = request.typeUrl ?? '';
    const subscribe = request.resourceNamesSubscribe ?? [];
    const unsubscribe = request.resourceNamesUnsubscribe ?? [];
    const initial = request.initialResourceVersions ?? {};
    this.context.requests.push({
      streamId: this.id,
      protocol: 'delta',
      typeUrl,
      versionInfo: '',
      responseNonce: request.responseNonce ?? '',
      errorDetail: request.errorDetail
        ? { code: request.errorDetail.code ?? 0, message: request.errorDetail.message ?? '' }
        : undefined,
      resourceNames: [],
      resourceNamesSubscribe: [...subscribe],
      resourceNamesUnsubscribe: [...unsubscribe],
      initialResourceVersions: { ...initial },
      node: request.node,
    });
    if (!typeUrl) return;

    let subscription = this.subscriptions.get(typeUrl);
    if (!subscription) {
      // First request for the type on this stream: an empty subscribe list is the legacy
      // wildcard for LDS/CDS; `*` is the explicit one.
      subscription = {
        wildcard: (subscribe.length === 0 && isWildcardType(typeUrl)) || subscribe.includes('*'),
        names: new Set(subscribe.filter((n) => n !== '*')),
        known: new Map(Object.entries(initial)),
      };
      this.subscriptions.set(typeUrl, subscription);
      // The first answer goes out even when empty, so the client knows the initial fetch is done.
      this.sendChanges(typeUrl, subscription, { evenIfEmpty: true });
      return;
    }
    if (subscribe.length === 0 && unsubscribe.length === 0) return; // a plain ACK or NACK
    for (const name of subscribe) {
      if (name === '*') subscription.wildcard = true;
      else {
        subscription.names.add(name);
        // A (re)subscribed name is sent again even if the stream believes the client has it.
        subscription.known.delete(name);
      }
    }
    for (const name of unsubscribe) {
      if (name === '*') subscription.wildcard = false;
      else {
        subscription.names.delete(name);
        subscription.known.delete(name);
      }
    }
    this.sendChanges(typeUrl, subscription);
  }

  resourcesChanged(typeUrl: string): void {
    const subscription = this.subscriptions.get(typeUrl);
    if (subscription) this.sendChanges(typeUrl, subscription);
  }

  private sendChanges(typeUrl: string, subscription: DeltaSubscription, options = { evenIfEmpty: false }): void {
    const version = this.context.store.versionOf(typeUrl);
    if (!version) return; // nothing set for this type yet
    const current = this.context.store.resourcesOf(typeUrl);
    const wanted = (name: string): boolean => subscription.wildcard || subscription.names.has(name);

    const changed = [...current.values()].filter((r) => wanted(r.name) && subscription.known.get(r.name) !== r.version);
    const removed = [...subscription.known.keys()].filter((name) => !current.has(name));
    if (changed.length === 0 && removed.length === 0 && !options.evenIfEmpty) return;

    for (const r of changed) subscription.known.set(r.name, r.version);
    for (const name of removed) subscription.known.delete(name);
    const nonce = this.context.nextNonce();
    this.call.write({
      systemVersionInfo: version,
      typeUrl,
      nonce,
      resources: changed.map((r) => ({ name: r.name, version: r.version, resource: r.resource })),
      removedResources: removed,
    });
    this.context.responses.push({
      streamId: this.id,
      protocol: 'delta',
      typeUrl,
      versionInfo: version,
      nonce,
      resourceNames: changed.map((r) => r.name),
      removedResources: removed,
    });
  }
}
