/**
 * The HttpConnectionManager network filter: where its routes come from (RDS over ADS or inline)
 * and its HTTP filter chain, which must end with the router. HTTP filters are looked up by the
 * type URL of their typed_config; an unknown one is rejected unless the control plane marked it
 * `is_optional`, in which case it is skipped (the xDS contract for optional filters).
 */
import { TypeUrl } from '@mesh/xds';
import { Cors } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import { HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';
import {
  HttpConnectionManager,
  HttpConnectionManager_CodecType,
  HttpConnectionManager_ForwardClientCertDetails,
  type HttpFilter,
} from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import type { Any } from '@mesh/xds';
import type { XdsForwardClientCertDetails, XdsHttpConnectionManager, XdsHttpFilter } from '../model';
import { allowOnly, nonEmpty, requireAds, unpackTyped } from './common';
import { fail, field, index } from './decode-result';
import { checkRouteConfiguration } from './route-configuration';

type FilterDecoder = (config: Any, path: string) => Omit<XdsHttpFilter, 'name' | 'disabled'>;

/**
 * HTTP filters this proxy implements, by the type URL of their config. The fault and CORS
 * filters act only through their filter-level config (fault) or per-route policies (both); an
 * empty filter config is accepted, and the route decoder rejects `typed_per_filter_config` and
 * `cors` policies, so neither can be asked to do anything this proxy would skip.
 */
const HTTP_FILTERS: ReadonlyMap<string, FilterDecoder> = new Map<string, FilterDecoder>([
  [TypeUrl.Router, () => ({ kind: 'router' })],
  [
    TypeUrl.HttpFault,
    (config, path) => {
      allowOnly(unpackTyped(HTTPFault, config, path), [], path);
      return { kind: 'fault' };
    },
  ],
  [
    TypeUrl.Cors,
    (config, path) => {
      allowOnly(unpackTyped(Cors, config, path), [], path);
      return { kind: 'cors' };
    },
  ],
]);

const XFCC: Record<number, XdsForwardClientCertDetails> = {
  [HttpConnectionManager_ForwardClientCertDetails.SANITIZE]: 'sanitize',
  [HttpConnectionManager_ForwardClientCertDetails.FORWARD_ONLY]: 'forward_only',
  [HttpConnectionManager_ForwardClientCertDetails.APPEND_FORWARD]: 'append_forward',
  [HttpConnectionManager_ForwardClientCertDetails.SANITIZE_SET]: 'sanitize_set',
  [HttpConnectionManager_ForwardClientCertDetails.ALWAYS_FORWARD_ONLY]: 'always_forward_only',
};

const CODECS: Record<number, XdsHttpConnectionManager['codec']> = {
  [HttpConnectionManager_CodecType.AUTO]: 'auto',
  [HttpConnectionManager_CodecType.HTTP1]: 'http1',
  [HttpConnectionManager_CodecType.HTTP2]: 'http2',
};

export function httpConnectionManager(config: Any, path: string): XdsHttpConnectionManager {
  const hcm = unpackTyped(HttpConnectionManager, config, path);
  // Access logs do not change traffic; they are written by the engine's own logger for now.
  allowOnly(
    hcm,
    [
      'codecType',
      'statPrefix',
      'rds',
      'routeConfig',
      'httpFilters',
      'accessLog',
      'generateRequestId',
      'alwaysSetRequestIdInResponse',
      'serverName',
      'useRemoteAddress',
      'forwardClientCertDetails',
      'setCurrentClientCertDetails',
      'upgradeConfigs',
      'normalizePath',
    ],
    path,
  );
  const forwardClientCertDetails = XFCC[hcm.forwardClientCertDetails ?? 0];
  if (!forwardClientCertDetails)
    fail(field(path, 'forward_client_cert_details'), `unknown value ${hcm.forwardClientCertDetails}`);
  const certDetails = hcm.setCurrentClientCertDetails;
  if (certDetails)
    allowOnly(certDetails, ['subject', 'cert', 'chain', 'dns', 'uri'], field(path, 'set_current_client_cert_details'));
  const upgradeTypes: string[] = [];
  (hcm.upgradeConfigs ?? []).forEach((upgrade, i) => {
    const at = index(field(path, 'upgrade_configs'), i);
    allowOnly(upgrade, ['upgradeType', 'enabled'], at);
    const type = nonEmpty(upgrade.upgradeType, field(at, 'upgrade_type')).toLowerCase();
    if (type === 'connect') fail(field(at, 'upgrade_type'), 'CONNECT is not supported by this proxy');
    // BoolValue, true when unset.
    if (upgrade.enabled ?? true) upgradeTypes.push(type);
  });
  const codec = CODECS[hcm.codecType ?? 0];
  if (!codec) fail(field(path, 'codec_type'), `codec ${hcm.codecType} is not supported by this proxy`);

  let routes: XdsHttpConnectionManager['routes'];
  if (hcm.rds && hcm.routeConfig) fail(path, 'rds and route_config are exclusive');
  if (hcm.rds) {
    const at = field(path, 'rds');
    allowOnly(hcm.rds, ['configSource', 'routeConfigName'], at);
    requireAds(hcm.rds.configSource, field(at, 'config_source'));
    routes = { rds: nonEmpty(hcm.rds.routeConfigName, field(at, 'route_config_name')) };
  } else if (hcm.routeConfig) {
    routes = { inline: checkRouteConfiguration(hcm.routeConfig, field(path, 'route_config')) };
  } else {
    return fail(path, 'must set rds or route_config');
  }

  const httpFilters = httpFilterChain(hcm.httpFilters ?? [], field(path, 'http_filters'));
  return {
    kind: 'http_connection_manager',
    statPrefix: hcm.statPrefix ?? '',
    codec,
    routes,
    httpFilters,
    // BoolValue, true when unset.
    generateRequestId: hcm.generateRequestId ?? true,
    alwaysSetRequestIdInResponse: hcm.alwaysSetRequestIdInResponse ?? false,
    serverName: hcm.serverName || 'envoy',
    // BoolValue, false when unset.
    useRemoteAddress: hcm.useRemoteAddress ?? false,
    forwardClientCertDetails,
    setCurrentClientCertDetails: certDetails
      ? {
          subject: certDetails.subject ?? false,
          cert: certDetails.cert ?? false,
          chain: certDetails.chain ?? false,
          dns: certDetails.dns ?? false,
          uri: certDetails.uri ?? false,
        }
      : undefined,
    upgradeTypes,
    // BoolValue, false when unset (Envoy's runtime default).
    normalizePath: hcm.normalizePath ?? false,
  };
}

function httpFilterChain(filters: HttpFilter[], path: string): XdsHttpFilter[] {
  const chain: XdsHttpFilter[] = [];
  const positions: number[] = []; // index in http_filters of each kept filter, for errors
  filters.forEach((filter, i) => {
    const at = index(path, i);
    allowOnly(filter, ['name', 'typedConfig', 'isOptional', 'disabled'], at);
    const name = nonEmpty(filter.name, field(at, 'name'));
    const typed = filter.typedConfig;
    if (!typed) fail(field(at, 'typed_config'), `filter "${name}" has no typed_config`);
    const decode = HTTP_FILTERS.get(typed.typeUrl ?? '');
    if (!decode) {
      if (filter.isOptional) return; // the control plane allows proxies to skip it
      fail(
        field(at, 'typed_config'),
        `unknown HTTP filter "${name}" (${typed.typeUrl ?? 'no type URL'}), not marked optional`,
      );
    }
    chain.push({ name, disabled: filter.disabled ?? false, ...decode(typed, field(at, 'typed_config')) });
    positions.push(i);
  });
  const last = chain.at(-1);
  if (!last || last.kind !== 'router') fail(path, 'must end with the router filter (envoy.filters.http.router)');
  const early = chain.findIndex((f) => f.kind === 'router');
  if (early !== chain.length - 1) fail(index(path, positions[early]), 'the router filter must be the last one');
  return chain;
}
