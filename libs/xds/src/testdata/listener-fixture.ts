/**
 * A realistic sidecar inbound listener, as Istio would send it: original-dst and TLS inspector
 * listener filters, and a filter chain whose HttpConnectionManager (packed in typed_config)
 * fetches routes by RDS over ADS and ends with the router filter.
 */
import { packAny } from '../any';
import type { Listener } from '../generated/envoy/config/listener/v3/listener';
import { FileAccessLog } from '../generated/envoy/extensions/access_loggers/file/v3/file';
import { Router } from '../generated/envoy/extensions/filters/http/router/v3/router';
import { OriginalDst } from '../generated/envoy/extensions/filters/listener/original_dst/v3/original_dst';
import { TlsInspector } from '../generated/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector';
import {
  HttpConnectionManager,
  HttpConnectionManager_CodecType,
} from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { SocketAddress_Protocol } from '../generated/envoy/config/core/v3/address';
import { TrafficDirection } from '../generated/envoy/config/core/v3/base';
import { ApiVersion } from '../generated/envoy/config/core/v3/config_source';

export const httpConnectionManager: HttpConnectionManager = {
  statPrefix: 'outbound_0.0.0.0_9080',
  codecType: HttpConnectionManager_CodecType.AUTO,
  rds: {
    routeConfigName: '9080',
    configSource: { ads: {}, resourceApiVersion: ApiVersion.V3, initialFetchTimeout: { seconds: 0, nanos: 0 } },
  },
  httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: packAny(Router, { suppressEnvoyHeaders: true }) }],
  accessLog: [
    {
      name: 'envoy.access_loggers.file',
      typedConfig: packAny(FileAccessLog, { path: '/dev/stdout', format: '[%START_TIME%] %RESPONSE_CODE%\n' }),
    },
  ],
  useRemoteAddress: false,
  streamIdleTimeout: { seconds: 0, nanos: 0 },
  normalizePath: true,
  requestIdExtension: undefined,
  upgradeConfigs: [{ upgradeType: 'websocket' }],
};

export const listener: Listener = {
  name: '0.0.0.0_9080',
  address: { socketAddress: { address: '0.0.0.0', portValue: 9080, protocol: SocketAddress_Protocol.TCP } },
  trafficDirection: TrafficDirection.OUTBOUND,
  bindToPort: false,
  listenerFilters: [
    { name: 'envoy.filters.listener.original_dst', typedConfig: packAny(OriginalDst, {}) },
    { name: 'envoy.filters.listener.tls_inspector', typedConfig: packAny(TlsInspector, {}) },
  ],
  listenerFiltersTimeout: { seconds: 0, nanos: 0 },
  continueOnListenerFiltersTimeout: true,
  filterChains: [
    {
      name: 'http',
      filterChainMatch: { transportProtocol: 'raw_buffer', applicationProtocols: ['http/1.1', 'h2c'] },
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typedConfig: packAny(HttpConnectionManager, httpConnectionManager),
        },
      ],
    },
  ],
  metadata: {
    filterMetadata: { 'istio.io/metadata': { kind: 'outbound' } },
  },
};
