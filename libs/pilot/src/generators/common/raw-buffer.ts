/**
 * Envoy's plaintext transport socket, `envoy.transport_sockets.raw_buffer`. Auto mTLS needs it as
 * the fallback of a cluster's transport socket matches (endpoints without a sidecar get plain
 * TCP). Envoy resolves the extension by the type URL of its typed config, so the config must be
 * there even though the message has no fields.
 */
import { packAny } from '@mesh/xds';
import type { TransportSocket } from '@mesh/xds/generated/envoy/config/core/v3/base';
import { RawBuffer } from '@mesh/xds/generated/envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer';

export const RAW_BUFFER_TRANSPORT_SOCKET_NAME = 'envoy.transport_sockets.raw_buffer';

/** `{name: envoy.transport_sockets.raw_buffer, typed_config: RawBuffer}`. */
export function rawBufferTransportSocket(): TransportSocket {
  return { name: RAW_BUFFER_TRANSPORT_SOCKET_NAME, typedConfig: packAny(RawBuffer, {}) };
}
