/**
 * HTTP connection managers for the three places HTTP is handled, with Istio's settings:
 *
 * - sidecar outbound: routes by RDS, filters fault → cors → router (per-route fault and CORS
 *   configs only take effect with the filters present, so they are always there, as in Istio),
 *   the client's address is not trusted (`use_remote_address` false), websocket upgrades allowed;
 * - sidecar inbound: an inline route configuration to the local workload, the router only, the
 *   peer's certificate forwarded in x-forwarded-client-cert, server name `istio-envoy`;
 * - gateway: routes by RDS, fault → cors → router, the downstream address is the client's
 *   (`use_remote_address` true) and incoming x-forwarded-client-cert is sanitized.
 *
 * The router filter is always last (Envoy and gRPC both require it).
 */
import type { MeshConfig } from '@mesh/config-model';
import { packAny } from '@mesh/xds';
import { ApiVersion } from '@mesh/xds/generated/envoy/config/core/v3/config_source';
import type { Filter } from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import type { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import {
  HttpConnectionManager,
  HttpConnectionManager_ForwardClientCertDetails,
  type Rds,
} from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { ZERO_DURATION } from '../common/duration';
import { corsHttpFilter, faultHttpFilter, routerHttpFilter, WellKnown } from '../common/well-known';
import { fileAccessLogs } from './access-log';

/** Server header of inbound and gateway responses (outbound keeps Envoy's default). */
export const ISTIO_SERVER_NAME = 'istio-envoy';

export type HttpConnectionManagerKind = 'sidecar-outbound' | 'sidecar-inbound' | 'gateway';

export interface HttpConnectionManagerOptions {
  readonly kind: HttpConnectionManagerKind;
  readonly statPrefix: string;
  readonly mesh: MeshConfig;
  /** Route configuration fetched over ADS by this name... */
  readonly rds?: string;
  /** ...or given inline (sidecar inbound). */
  readonly routeConfig?: RouteConfiguration;
  /** The port speaks HTTP/2 only (inbound gRPC / HTTP2 ports). */
  readonly http2?: boolean;
}

/** RDS over the ADS stream, never blocking listener warm-up on a slow route (Istio's 0s fetch timeout). */
export function adsRds(routeConfigName: string): Rds {
  return {
    routeConfigName,
    configSource: { ads: {}, initialFetchTimeout: ZERO_DURATION, resourceApiVersion: ApiVersion.V3 },
  };
}

export function buildHttpConnectionManager(options: HttpConnectionManagerOptions): HttpConnectionManager {
  const hcm: HttpConnectionManager = { statPrefix: options.statPrefix };
  if (options.rds !== undefined) hcm.rds = adsRds(options.rds);
  else if (options.routeConfig) hcm.routeConfig = options.routeConfig;

  switch (options.kind) {
    case 'sidecar-outbound':
      hcm.httpFilters = [faultHttpFilter(), corsHttpFilter(), routerHttpFilter()];
      hcm.upgradeConfigs = [{ upgradeType: 'websocket' }];
      hcm.normalizePath = true;
      break;
    case 'sidecar-inbound':
      hcm.httpFilters = [routerHttpFilter()];
      hcm.serverName = ISTIO_SERVER_NAME;
      hcm.forwardClientCertDetails = HttpConnectionManager_ForwardClientCertDetails.APPEND_FORWARD;
      hcm.setCurrentClientCertDetails = { subject: true, uri: true, dns: true };
      hcm.upgradeConfigs = [{ upgradeType: 'websocket' }];
      hcm.normalizePath = true;
      if (options.http2) hcm.http2ProtocolOptions = {};
      break;
    case 'gateway':
      hcm.httpFilters = [faultHttpFilter(), corsHttpFilter(), routerHttpFilter()];
      hcm.useRemoteAddress = true;
      hcm.serverName = ISTIO_SERVER_NAME;
      hcm.forwardClientCertDetails = HttpConnectionManager_ForwardClientCertDetails.SANITIZE_SET;
      hcm.upgradeConfigs = [{ upgradeType: 'websocket' }];
      hcm.normalizePath = true;
      break;
  }
  const accessLog = fileAccessLogs(options.mesh);
  if (accessLog) hcm.accessLog = accessLog;
  return hcm;
}

export function httpConnectionManagerFilter(options: HttpConnectionManagerOptions): Filter {
  return {
    name: WellKnown.HttpConnectionManager,
    typedConfig: packAny(HttpConnectionManager, buildHttpConnectionManager(options)),
  };
}
