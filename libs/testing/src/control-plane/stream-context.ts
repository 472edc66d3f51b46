/**
 * What every stub stream shares with the control plane that owns it.
 */
import { TypeUrl } from '@mesh/xds';
import type { ResourceStore } from './resource-store';
import type { RecordedRequest, RecordedResponse, WaitableLog } from './traffic-log';

export interface StreamContext {
  readonly store: ResourceStore;
  readonly requests: WaitableLog<RecordedRequest>;
  readonly responses: WaitableLog<RecordedResponse>;
  /** Nonces are unique across all streams and restarts of one stub. */
  nextNonce(): string;
}

/** One open ADS stream, SotW or delta, as the control plane sees it. */
export interface StubStream {
  readonly id: number;
  /** Pushes the type's current resources if the stream is subscribed to it. */
  resourcesChanged(typeUrl: string): void;
}

/** Types for which an empty subscription means "everything" (xDS wildcard). */
export function isWildcardType(typeUrl: string): boolean {
  return typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.Cluster;
}
