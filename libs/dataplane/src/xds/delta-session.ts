/**
 * Incremental (delta) ADS: requests subscribe and unsubscribe names; the first request of a type
 * on a stream lists the versions the client already holds (`initial_resource_versions`) so that
 * after a reconnect the server sends only what changed. Responses carry changed resources and
 * removed names; an ACK is the response's nonce, a NACK adds an error_detail.
 */
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '@mesh/xds';
import { decodeResponse } from './decode-response';
import { INVALID_ARGUMENT, type ProtocolHost, type ProtocolSession } from './protocol';
import { RESOURCE_TYPES } from './resource-types';

export class DeltaSession implements ProtocolSession<DeltaDiscoveryResponse> {
  /** Per type: the names this stream has subscribed (absent = type never requested). */
  private readonly subscribed = new Map<string, Set<string>>();
  private nodeSent = false;

  constructor(
    private readonly host: ProtocolHost,
    private readonly send: (request: DeltaDiscoveryRequest) => void,
  ) {}

  start(): void {
    for (const type of RESOURCE_TYPES) {
      const names = this.host.subscriptions.names(type.typeUrl);
      if (!type.wildcard && names.size === 0) continue;
      this.subscribed.set(type.typeUrl, new Set(names));
      this.send(
        this.withNode({
          typeUrl: type.typeUrl,
          // Wildcard types subscribe with an empty list, which every server reads as wildcard.
          resourceNamesSubscribe: type.wildcard ? [] : [...names],
          initialResourceVersions: this.host.cache.resourceVersions(type.typeUrl),
        }),
      );
    }
  }

  subscriptionChanged(typeUrl: string): void {
    if (this.host.subscriptions.isWildcard(typeUrl)) return;
    const wanted = this.host.subscriptions.names(typeUrl);
    const current = this.subscribed.get(typeUrl) ?? new Set<string>();
    const subscribe = [...wanted].filter((n) => !current.has(n));
    const unsubscribe = [...current].filter((n) => !wanted.has(n));
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    this.subscribed.set(typeUrl, new Set(wanted));
    this.send(this.withNode({ typeUrl, resourceNamesSubscribe: subscribe, resourceNamesUnsubscribe: unsubscribe }));
  }

  onResponse(response: DeltaDiscoveryResponse): void {
    const typeUrl = response.typeUrl ?? '';
    const nonce = response.nonce ?? '';
    const decoded = decodeResponse(
      typeUrl,
      (response.resources ?? []).map((r) => ({ any: r.resource, wrapperName: r.name, version: r.version ?? '' })),
    );
    if (!decoded.ok) {
      this.send(
        this.withNode({
          typeUrl,
          responseNonce: nonce,
          errorDetail: { code: INVALID_ARGUMENT, message: decoded.message, details: [] },
        }),
      );
      this.host.reject(typeUrl, nonce, decoded.message);
      return;
    }
    this.send(this.withNode({ typeUrl, responseNonce: nonce }));
    this.host.accept({
      typeUrl,
      versionInfo: response.systemVersionInfo ?? '',
      resources: decoded.resources,
      removed: response.removedResources ?? [],
      replaceAll: false,
    });
  }

  private withNode(request: DeltaDiscoveryRequest): DeltaDiscoveryRequest {
    if (this.nodeSent) return request;
    this.nodeSent = true;
    return { ...request, node: this.host.node };
  }
}
