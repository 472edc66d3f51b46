/**
 * What the SotW and delta protocol handlers share: the client state they read and the calls
 * through which they hand over accepted updates and rejections.
 */
import type { Node } from '@mesh/xds';
import type { AcceptedUpdate, ResourceCache } from './resource-cache';
import type { Subscriptions } from './subscriptions';

/** google.rpc.Code INVALID_ARGUMENT: the code of every NACK's error_detail. */
export const INVALID_ARGUMENT = 3;

export interface ProtocolHost {
  readonly node: Node;
  readonly cache: ResourceCache;
  readonly subscriptions: Subscriptions;
  /** An update was decoded, checked and ACKed: apply it. */
  accept(update: AcceptedUpdate): void;
  /** A response was NACKed; the cache is unchanged. */
  reject(typeUrl: string, nonce: string, message: string): void;
}

/** One protocol's handling of one stream; a new one is made for every stream. */
export interface ProtocolSession<Response> {
  /** The stream is open: ask for everything the client wants. */
  start(): void;
  onResponse(response: Response): void;
  /** The wanted names of a named type changed: tell the server. */
  subscriptionChanged(typeUrl: string): void;
}
