/**
 * What a connection knows about one resource type: what the client watches, what was last sent,
 * what it acknowledged and its last rejection. This is what /debug/syncz shows.
 */
import { TypeUrl } from '@mesh/xds';
import type { WatchedResource } from './generator';
import { editNames, internNames, NO_NAMES } from './name-sets';
import { SentVersions } from './sent-versions';

export interface NackRecord {
  /** error_detail.message of the rejecting request. */
  readonly message: string;
  /** error_detail.code (a gRPC status code). */
  readonly code: number;
  /** The nonce of the response that was rejected. */
  readonly nonce: string;
  /** The version the client says it still runs (SotW version_info; delta: the last acked version). */
  readonly keptVersion: string;
  readonly at: Date;
}

export { CLAIMED_BY_CLIENT, TOLD_ABSENT } from './sent-versions';

export class TypeState {
  wildcard: boolean;
  /** The names the client watches: an immutable set shared with connections that watch the same. */
  names: ReadonlySet<string> = NO_NAMES;
  /** SotW: digest of the resource_names of the request that set `names` (request-decoding.ts). */
  namesDigest: string | undefined;
  sentVersion = '';
  sentNonce = '';
  sentAt: Date | undefined;
  /** Resources in the last response (SotW) or sent since the stream opened and still present (delta). */
  sentCount = 0;
  ackedVersion = '';
  ackedNonce = '';
  lastNack: NackRecord | undefined;
  /**
   * Envoy cluster warming (envoyproxy/envoy#13009): clusters answered after their endpoints wait
   * for an EDS response. Set on EDS when CDS is answered to a request: SotW answers the next EDS
   * request even if it looks like a plain ACK; delta resends every watched endpoint.
   */
  forceNextResponse = false;
  /** Delta only: name → version the client has (or TOLD_ABSENT / CLAIMED_BY_CLIENT); shared, immutable. */
  deltaSent = SentVersions.EMPTY;

  constructor(
    readonly typeUrl: string,
    wildcard: boolean,
  ) {
    this.wildcard = wildcard;
  }

  /** Whether anything is watched at all (a non-wildcard type with no names is not). */
  get active(): boolean {
    return this.wildcard || this.names.size > 0;
  }

  watched(): WatchedResource {
    return { typeUrl: this.typeUrl, resourceNames: this.wildcard ? NO_NAMES : this.names };
  }

  /** Replaces the watched names ('*' is not a name). */
  setNames(names: Iterable<string>): void {
    this.names = internNames(names);
  }

  /** Adds and removes names. */
  editNames(add: readonly string[], remove: readonly string[]): void {
    this.names = editNames(this.names, add, remove);
  }
}

/**
 * Types where an empty subscription means "everything" (xDS: Listener and Cluster). Endpoints,
 * routes and secrets are always requested by name; an empty list for them means "none".
 */
export function isWildcardCapable(typeUrl: string): boolean {
  return (
    typeUrl !== TypeUrl.ClusterLoadAssignment && typeUrl !== TypeUrl.RouteConfiguration && typeUrl !== TypeUrl.Secret
  );
}
