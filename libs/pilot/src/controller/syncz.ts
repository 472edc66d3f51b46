/**
 * /debug/syncz in Istio's shape: one object per connected proxy with `proxy`, `proxy_type` and,
 * per type, the nonce last sent and last acknowledged (`cluster_sent`, `cluster_acked`,
 * `listener_*`, `route_*`, `endpoint_*`, `secret_*`; a type is in sync when both are equal).
 * `types` adds what Istio keeps elsewhere: versions, subscribed names and the last NACK.
 */
import type { ConnectionStatus, TypeStatus } from '../xds-server';

export interface SyncTypeStatus {
  readonly type: string;
  readonly type_url: string;
  readonly wildcard: boolean;
  readonly resource_names: readonly string[];
  readonly sent_version: string;
  readonly sent_nonce: string;
  readonly sent_at?: string;
  readonly sent_resources: number;
  readonly acked_version: string;
  readonly acked_nonce: string;
  /** The proxy's last rejection of this type, until it acknowledges a later response. */
  readonly nack?: {
    readonly message: string;
    readonly code: number;
    readonly nonce: string;
    readonly kept_version: string;
    readonly at: string;
  };
}

export interface SyncStatus {
  readonly proxy: string;
  readonly proxy_type: string;
  readonly connection_id: string;
  readonly protocol: string;
  readonly peer: string;
  readonly connected_at: string;
  readonly cluster_sent?: string;
  readonly cluster_acked?: string;
  readonly listener_sent?: string;
  readonly listener_acked?: string;
  readonly route_sent?: string;
  readonly route_acked?: string;
  readonly endpoint_sent?: string;
  readonly endpoint_acked?: string;
  readonly secret_sent?: string;
  readonly secret_acked?: string;
  readonly types: readonly SyncTypeStatus[];
}

/** Istio's field prefix per short type name. */
const FLAT_PREFIX: Readonly<Record<string, string>> = {
  cds: 'cluster',
  lds: 'listener',
  rds: 'route',
  eds: 'endpoint',
  sds: 'secret',
};

export function syncStatusOf(connection: ConnectionStatus): SyncStatus {
  const flat: Record<string, string> = {};
  for (const type of connection.types) {
    const prefix = FLAT_PREFIX[type.type];
    if (!prefix) continue;
    if (type.sentNonce !== '') flat[`${prefix}_sent`] = type.sentNonce;
    if (type.ackedNonce !== '') flat[`${prefix}_acked`] = type.ackedNonce;
  }
  return {
    proxy: connection.proxyId,
    proxy_type: connection.proxyType,
    connection_id: connection.connectionId,
    protocol: connection.protocol,
    peer: connection.peer,
    connected_at: connection.connectedAt,
    ...flat,
    types: connection.types.map(typeStatusOf),
  };
}

function typeStatusOf(type: TypeStatus): SyncTypeStatus {
  return {
    type: type.type,
    type_url: type.typeUrl,
    wildcard: type.wildcard,
    resource_names: type.resourceNames,
    sent_version: type.sentVersion,
    sent_nonce: type.sentNonce,
    ...(type.sentAt ? { sent_at: type.sentAt } : {}),
    sent_resources: type.sentResources,
    acked_version: type.ackedVersion,
    acked_nonce: type.ackedNonce,
    ...(type.lastNack
      ? {
          nack: {
            message: type.lastNack.message,
            code: type.lastNack.code,
            nonce: type.lastNack.nonce,
            kept_version: type.lastNack.keptVersion,
            at: type.lastNack.at,
          },
        }
      : {}),
  };
}
