/**
 * State-of-the-world ADS on the stub: every response carries the full set of resources the
 * stream subscribed to (all of them for a wildcard LDS/CDS subscription) at the type's version.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { DiscoveryRequest, DiscoveryResponse } from '@mesh/xds';
import { isWildcardType, type StreamContext, type StubStream } from './stream-context';

interface SotwSubscription {
  wildcard: boolean;
  names: ReadonlySet<string>;
  /** What this stream was last sent for the type ('' before the first response). */
  sentVersion: string;
  sentNonce: string;
}

export class SotwStream implements StubStream {
  private readonly subscriptions = new Map<string, SotwSubscription>();

  constructor(
    readonly id: number,
    private readonly call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>,
    private readonly context: StreamContext,
  ) {}

  onRequest(request: DiscoveryRequest): void {
    const typeUrl = request.typeUrl ?? '';
    const names = request.resourceNames ?? [];
    const nonce = request.responseNonce ?? '';
    this.context.requests.push({
      streamId: this.id,
      protocol: 'sotw',
      typeUrl,
      versionInfo: request.versionInfo ?? '',
      responseNonce: nonce,
      errorDetail: request.errorDetail
        ? { code: request.errorDetail.code ?? 0, message: request.errorDetail.message ?? '' }
        : undefined,
      resourceNames: [...names],
      resourceNamesSubscribe: [],
      resourceNamesUnsubscribe: [],
      initialResourceVersions: {},
      node: request.node,
    });
    if (!typeUrl) return;

    const previous = this.subscriptions.get(typeUrl);
    // A request answering an older response than the last one sent is stale: the client will
    // answer the newer one too (xDS protocol: servers ignore stale nonces).
    if (previous && nonce && nonce !== previous.sentNonce) return;

    const subscription: SotwSubscription = {
      wildcard: names.length === 0 ? isWildcardType(typeUrl) : names.includes('*'),
      names: new Set(names.filter((n) => n !== '*')),
      sentVersion: previous?.sentVersion ?? '',
      sentNonce: previous?.sentNonce ?? '',
    };
    this.subscriptions.set(typeUrl, subscription);

    const namesChanged =
      !previous || previous.wildcard !== subscription.wildcard || !sameSet(previous.names, subscription.names);
    // A new stream (no nonce) always gets a response; an ACK or NACK of the current version with
    // the same names gets none.
    if (!nonce || namesChanged || subscription.sentVersion !== this.context.store.versionOf(typeUrl)) {
      this.send(typeUrl, subscription);
    }
  }

  resourcesChanged(typeUrl: string): void {
    const subscription = this.subscriptions.get(typeUrl);
    if (subscription) this.send(typeUrl, subscription);
  }

  private send(typeUrl: string, subscription: SotwSubscription): void {
    const version = this.context.store.versionOf(typeUrl);
    if (!version) return; // nothing set for this type yet: a real server would also wait
    const selected = [...this.context.store.resourcesOf(typeUrl).values()].filter(
      (r) => subscription.wildcard || subscription.names.has(r.name),
    );
    const nonce = this.context.nextNonce();
    subscription.sentVersion = version;
    subscription.sentNonce = nonce;
    this.call.write({ versionInfo: version, typeUrl, nonce, resources: selected.map((r) => r.resource) });
    this.context.responses.push({
      streamId: this.id,
      protocol: 'sotw',
      typeUrl,
      versionInfo: version,
      nonce,
      resourceNames: selected.map((r) => r.name),
      removedResources: [],
    });
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
