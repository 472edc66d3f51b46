/**
 * State-of-the-world ADS: each request carries the full list of names wanted for a type, the
 * version last accepted and the nonce of the response it answers; each response carries every
 * wanted resource of the type. An ACK repeats the response's version and nonce; a NACK carries
 * the previous version, the response's nonce and an error_detail.
 */
import type { DiscoveryRequest, DiscoveryResponse } from '@mesh/xds';
import { decodeResponse } from './decode-response';
import { INVALID_ARGUMENT, type ProtocolHost, type ProtocolSession } from './protocol';
import { RESOURCE_TYPES } from './resource-types';
import { sameSet } from './subscriptions';

export class SotwSession implements ProtocolSession<DiscoveryResponse> {
  /** Per type: the nonce of the last response received on this stream. */
  private readonly nonces = new Map<string, string>();
  /** Per type: the names last requested on this stream (absent = never requested). */
  private readonly requested = new Map<string, ReadonlySet<string>>();
  private nodeSent = false;

  constructor(
    private readonly host: ProtocolHost,
    private readonly send: (request: DiscoveryRequest) => void,
  ) {}

  start(): void {
    for (const type of RESOURCE_TYPES) {
      if (type.wildcard || this.host.subscriptions.names(type.typeUrl).size > 0) this.request(type.typeUrl);
    }
  }

  subscriptionChanged(typeUrl: string): void {
    const previous = this.requested.get(typeUrl);
    const names = this.host.subscriptions.names(typeUrl);
    if (previous ? sameSet(previous, names) : names.size === 0) return;
    this.request(typeUrl);
  }

  onResponse(response: DiscoveryResponse): void {
    const typeUrl = response.typeUrl ?? '';
    const nonce = response.nonce ?? '';
    this.nonces.set(typeUrl, nonce);
    const versionInfo = response.versionInfo ?? '';
    const decoded = decodeResponse(
      typeUrl,
      (response.resources ?? []).map((any) => ({ any, version: versionInfo })),
    );
    if (!decoded.ok) {
      this.send(
        this.withNode({
          typeUrl,
          versionInfo: this.host.cache.versionInfo(typeUrl),
          responseNonce: nonce,
          resourceNames: this.requestedNames(typeUrl),
          errorDetail: { code: INVALID_ARGUMENT, message: decoded.message, details: [] },
        }),
      );
      this.host.reject(typeUrl, nonce, decoded.message);
      return;
    }
    this.send(
      this.withNode({ typeUrl, versionInfo, responseNonce: nonce, resourceNames: this.requestedNames(typeUrl) }),
    );
    this.host.accept({
      typeUrl,
      versionInfo,
      resources: decoded.resources,
      removed: [],
      // For LDS and CDS a response is the whole set; for the named types a resource missing
      // from a response is not a deletion (xDS SotW rules).
      replaceAll: this.host.subscriptions.isWildcard(typeUrl),
    });
  }

  private request(typeUrl: string): void {
    const names = this.host.subscriptions.names(typeUrl);
    this.requested.set(typeUrl, names);
    this.send(
      this.withNode({
        typeUrl,
        // On a new stream this tells the server what the client already has.
        versionInfo: this.host.cache.versionInfo(typeUrl),
        responseNonce: this.nonces.get(typeUrl) ?? '',
        resourceNames: [...names],
      }),
    );
  }

  private requestedNames(typeUrl: string): string[] {
    return [...(this.requested.get(typeUrl) ?? [])];
  }

  /** The node goes on the first request of a stream only. */
  private withNode(request: DiscoveryRequest): DiscoveryRequest {
    if (this.nodeSent) return request;
    this.nodeSent = true;
    return { ...request, node: this.host.node };
  }
}
