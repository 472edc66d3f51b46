/**
 * Envoy's well-known extension names, and the small typed filters every listener reuses. Names
 * are what Envoy (and Istio's dumps) call them; the typed configs decide what runs.
 */
import { packAny } from '@mesh/xds';
import type { ListenerFilter } from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import { Cors } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import { HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';
import { Router } from '@mesh/xds/generated/envoy/extensions/filters/http/router/v3/router';
import { HttpInspector } from '@mesh/xds/generated/envoy/extensions/filters/listener/http_inspector/v3/http_inspector';
import { OriginalDst } from '@mesh/xds/generated/envoy/extensions/filters/listener/original_dst/v3/original_dst';
import { TlsInspector } from '@mesh/xds/generated/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector';
import type { HttpFilter } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';

export const WellKnown = {
  HttpConnectionManager: 'envoy.filters.network.http_connection_manager',
  TcpProxy: 'envoy.filters.network.tcp_proxy',
  Router: 'envoy.filters.http.router',
  Fault: 'envoy.filters.http.fault',
  Cors: 'envoy.filters.http.cors',
  OriginalDst: 'envoy.filters.listener.original_dst',
  TlsInspector: 'envoy.filters.listener.tls_inspector',
  HttpInspector: 'envoy.filters.listener.http_inspector',
  TlsTransportSocket: 'envoy.transport_sockets.tls',
  FileAccessLog: 'envoy.access_loggers.file',
} as const;

/** Transport protocols a filter chain matches on (set by the TLS inspector, else raw). */
export const TransportProtocol = { Tls: 'tls', RawBuffer: 'raw_buffer' } as const;

export function originalDstListenerFilter(): ListenerFilter {
  return { name: WellKnown.OriginalDst, typedConfig: packAny(OriginalDst, {}) };
}

export function tlsInspectorListenerFilter(): ListenerFilter {
  return { name: WellKnown.TlsInspector, typedConfig: packAny(TlsInspector, {}) };
}

export function httpInspectorListenerFilter(): ListenerFilter {
  return { name: WellKnown.HttpInspector, typedConfig: packAny(HttpInspector, {}) };
}

export function routerHttpFilter(): HttpFilter {
  return { name: WellKnown.Router, typedConfig: packAny(Router, {}) };
}

/** The fault filter with an empty config: faults come from each route's typed_per_filter_config. */
export function faultHttpFilter(): HttpFilter {
  return { name: WellKnown.Fault, typedConfig: packAny(HTTPFault, {}) };
}

/** The CORS filter; policies come from each route's typed_per_filter_config. */
export function corsHttpFilter(): HttpFilter {
  return { name: WellKnown.Cors, typedConfig: packAny(Cors, {}) };
}
