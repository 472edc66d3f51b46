import { Listener, packAny, TypeUrl } from '@mesh/xds';
import { Cluster } from '@mesh/xds';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { Cors } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import { HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';
import { TcpProxy } from '@mesh/xds/generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy';
import { DownstreamTlsContext } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { OriginalDst } from '@mesh/xds/generated/envoy/extensions/filters/listener/original_dst/v3/original_dst';
import {
  ADS,
  httpListener,
  listenerWithUnknownFilter,
  routeConfiguration,
  routerFilter,
} from '../../../testdata/envoy-fixtures';
import { ListenerType } from '../resource-types';

const decode = (listener: Listener, position = 0) => ListenerType.decode(packAny(Listener, listener), position);
const errorOf = (listener: Listener, position = 0) => {
  const result = decode(listener, position);
  if (result.ok) throw new Error('expected a decode error');
  return result.error;
};

describe('Listener decoder', () => {
  it('reads a socket listener whose HTTP connection manager takes routes over RDS', () => {
    const result = decode(httpListener('0.0.0.0_8080', 8080, '8080'));
    expect(result).toEqual({
      ok: true,
      name: '0.0.0.0_8080',
      value: expect.objectContaining({
        kind: 'socket',
        address: { address: '0.0.0.0', port: 8080 },
        bindToPort: true,
        filterChains: [
          expect.objectContaining({
            tls: undefined,
            filter: {
              kind: 'http_connection_manager',
              statPrefix: 'http_8080',
              codec: 'auto',
              routes: { rds: '8080' },
              httpFilters: [{ name: 'envoy.filters.http.router', kind: 'router', disabled: false }],
              generateRequestId: true,
              alwaysSetRequestIdInResponse: false,
              // Envoy's defaults.
              serverName: 'envoy',
              useRemoteAddress: false,
              forwardClientCertDetails: 'sanitize',
              setCurrentClientCertDetails: undefined,
              upgradeTypes: [],
              normalizePath: false,
            },
          }),
        ],
      }),
    });
  });

  it('reads an API listener (proxyless gRPC) with an inline route configuration', () => {
    const hcm = packAny(HttpConnectionManager, {
      routeConfig: routeConfiguration('inline', 'outbound|50051||echo.default.svc.cluster.local'),
      httpFilters: [routerFilter],
    });
    const result = decode({ name: 'echo.default.svc.cluster.local:50051', apiListener: { apiListener: hcm } });
    expect(result.ok && result.value).toMatchObject({
      kind: 'api',
      httpConnectionManager: { routes: { inline: { name: 'inline', virtualHosts: [{ domains: ['*'] }] } } },
    });
  });

  it('reads a TCP proxy chain with weighted clusters, filter chain match, original-dst and TLS over SDS', () => {
    const result = decode({
      name: 'virtualInbound',
      address: { socketAddress: { address: '0.0.0.0', portValue: 15006 } },
      useOriginalDst: true,
      listenerFilters: [{ name: 'envoy.filters.listener.original_dst', typedConfig: packAny(OriginalDst, {}) }],
      filterChains: [
        {
          filterChainMatch: { destinationPort: 9000, prefixRanges: [{ addressPrefix: '10.0.0.0', prefixLen: 8 }] },
          transportSocket: {
            name: 'envoy.transport_sockets.tls',
            typedConfig: packAny(DownstreamTlsContext, {
              requireClientCertificate: true,
              commonTlsContext: {
                tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: ADS }],
                combinedValidationContext: {
                  defaultValidationContext: {},
                  validationContextSdsSecretConfig: { name: 'ROOTCA', sdsConfig: ADS },
                },
                alpnProtocols: ['istio-peer-exchange', 'istio'],
              },
            }),
          },
          filters: [
            {
              name: 'envoy.filters.network.tcp_proxy',
              typedConfig: packAny(TcpProxy, {
                statPrefix: 'inbound',
                weightedClusters: {
                  clusters: [
                    { name: 'a', weight: 90 },
                    { name: 'b', weight: 10 },
                  ],
                },
              }),
            },
          ],
        },
      ],
    });
    expect(result.ok && result.value).toMatchObject({
      useOriginalDst: true,
      listenerFilters: ['original_dst'],
      filterChains: [
        {
          match: { destinationPort: 9000, prefixRanges: ['10.0.0.0/8'], sourceType: 'any' },
          tls: {
            requireClientCertificate: true,
            certificates: [{ name: 'default', viaAds: true }],
            validationContext: { name: 'ROOTCA', viaAds: true },
            alpnProtocols: ['istio-peer-exchange', 'istio'],
          },
          filter: {
            kind: 'tcp_proxy',
            destination: {
              weightedClusters: [
                { name: 'a', weight: 90 },
                { name: 'b', weight: 10 },
              ],
            },
          },
        },
      ],
    });
  });

  it('rejects an unknown network filter, naming the listener, the field and the filter', () => {
    const error = errorOf(listenerWithUnknownFilter('l1', 80));
    expect(error).toMatchObject({ kind: 'Listener', name: 'l1', field: 'filter_chains[0].filters[0].typed_config' });
    expect(error.message).toBe(
      `Listener "l1": filter_chains[0].filters[0].typed_config: unknown network filter "envoy.filters.network.rbac" (${TypeUrl.NetworkRbac})`,
    );
  });

  it('rejects an unknown HTTP filter unless it is marked optional, which is skipped', () => {
    const withFilter = (isOptional: boolean) =>
      decode({
        ...httpListener('l', 80, 'r'),
        filterChains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typedConfig: packAny(HttpConnectionManager, {
                  rds: { routeConfigName: 'r', configSource: ADS },
                  httpFilters: [
                    {
                      name: 'istio.stats',
                      typedConfig: { typeUrl: 'type.googleapis.com/stats.PluginConfig', value: Buffer.alloc(0) },
                      isOptional,
                    },
                    routerFilter,
                  ],
                }),
              },
            ],
          },
        ],
      });
    const strict = withFilter(false);
    expect(!strict.ok && strict.error.message).toContain(
      'filter_chains[0].filters[0].typed_config.http_filters[0].typed_config: unknown HTTP filter "istio.stats"',
    );
    const optional = withFilter(true);
    expect(optional.ok && optional.value.kind === 'socket' && optional.value.filterChains[0].filter).toMatchObject({
      httpFilters: [{ kind: 'router' }],
    });
  });

  it('requires the router to end the HTTP filter chain', () => {
    const error = errorOf({
      ...httpListener('l', 80, 'r'),
      filterChains: [
        {
          filters: [
            {
              name: 'hcm',
              typedConfig: packAny(HttpConnectionManager, {
                rds: { routeConfigName: 'r', configSource: ADS },
                httpFilters: [],
              }),
            },
          ],
        },
      ],
    });
    expect(error.field).toBe('filter_chains[0].filters[0].typed_config.http_filters');
    expect(error.reason).toMatch(/must end with the router/);
  });

  it('rejects a field this proxy does not implement instead of ignoring it', () => {
    expect(errorOf({ ...httpListener('l', 80, 'r'), transparent: true }).message).toBe(
      'Listener "l": transparent: is not supported by this proxy',
    );
    const hcmWithRetries = packAny(HttpConnectionManager, {
      rds: { routeConfigName: 'r', configSource: ADS },
      httpFilters: [routerFilter],
      mergeSlashes: true,
    });
    const error = errorOf({
      ...httpListener('l', 80, 'r'),
      filterChains: [{ filters: [{ name: 'hcm', typedConfig: hcmWithRetries }] }],
    });
    expect(error.field).toBe('filter_chains[0].filters[0].typed_config.merge_slashes');
  });

  it("accepts Istio's empty fault and CORS filters, but not a fault to inject, nor CONNECT upgrades", () => {
    const withHcm = (hcm: Partial<HttpConnectionManager>) => ({
      ...httpListener('l', 80, 'r'),
      filterChains: [
        {
          filters: [
            {
              name: 'hcm',
              typedConfig: packAny(HttpConnectionManager, {
                rds: { routeConfigName: 'r', configSource: ADS },
                httpFilters: [routerFilter],
                ...hcm,
              }),
            },
          ],
        },
      ],
    });
    const istio = decode(
      withHcm({
        httpFilters: [
          { name: 'envoy.filters.http.fault', typedConfig: packAny(HTTPFault, {}) },
          { name: 'envoy.filters.http.cors', typedConfig: packAny(Cors, {}) },
          routerFilter,
        ],
        upgradeConfigs: [{ upgradeType: 'websocket' }],
      }),
    );
    expect(istio.ok && istio.value.kind === 'socket' && istio.value.filterChains[0].filter).toMatchObject({
      httpFilters: [{ kind: 'fault' }, { kind: 'cors' }, { kind: 'router' }],
      upgradeTypes: ['websocket'],
    });
    const abort = errorOf(
      withHcm({
        httpFilters: [
          { name: 'envoy.filters.http.fault', typedConfig: packAny(HTTPFault, { abort: { httpStatus: 503 } }) },
          routerFilter,
        ],
      }),
    );
    expect(abort.field).toBe('filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.abort');
    expect(errorOf(withHcm({ upgradeConfigs: [{ upgradeType: 'CONNECT' }] })).reason).toBe(
      'CONNECT is not supported by this proxy',
    );
  });

  it('reads the request-id settings the engine applies (generate_request_id defaults to true)', () => {
    const hcm = packAny(HttpConnectionManager, {
      rds: { routeConfigName: 'r', configSource: ADS },
      httpFilters: [routerFilter],
      generateRequestId: false,
      alwaysSetRequestIdInResponse: true,
    });
    const result = decode({
      ...httpListener('l', 80, 'r'),
      filterChains: [{ filters: [{ name: 'hcm', typedConfig: hcm }] }],
    });
    expect(result.ok && result.value.kind === 'socket' && result.value.filterChains[0].filter).toMatchObject({
      generateRequestId: false,
      alwaysSetRequestIdInResponse: true,
    });
  });

  it('accepts RDS only over ADS', () => {
    const hcm = packAny(HttpConnectionManager, {
      rds: { routeConfigName: 'r', configSource: { path: '/etc/routes.yaml' } },
      httpFilters: [routerFilter],
    });
    const error = errorOf({
      ...httpListener('l', 80, 'r'),
      filterChains: [{ filters: [{ name: 'hcm', typedConfig: hcm }] }],
    });
    expect(error.field).toBe('filter_chains[0].filters[0].typed_config.rds.config_source');
  });

  it('names a nameless listener by its position, and checks the Any type', () => {
    expect(errorOf({ ...httpListener('', 80, 'r') }, 3).message).toBe(
      'Listener at resources[3]: name: must not be empty',
    );
    const wrongType = ListenerType.decode(packAny(Cluster, { name: 'c' }), 0);
    expect(!wrongType.ok && wrongType.error.reason).toBe(
      `resource is packed as "${TypeUrl.Cluster}", expected "envoy.config.listener.v3.Listener"`,
    );
    const garbage = ListenerType.decode({ typeUrl: TypeUrl.Listener, value: Buffer.from([0x0a, 0xff]) }, 0);
    expect(!garbage.ok && garbage.error.reason).toMatch(/^malformed protobuf/);
  });

  it('checks addresses and filter chains', () => {
    expect(errorOf({ name: 'l', filterChains: httpListener('l', 1, 'r').filterChains }).field).toBe('address');
    expect(
      errorOf({ ...httpListener('l', 1, 'r'), address: { socketAddress: { address: 'example.com', portValue: 1 } } })
        .message,
    ).toBe('Listener "l": address.socket_address.address: "example.com" is not an IP address');
    expect(errorOf({ ...httpListener('l', 1, 'r'), filterChains: [] }).field).toBe('filter_chains');
    const twoTerminals = httpListener('l', 1, 'r');
    twoTerminals.filterChains![0].filters!.push(twoTerminals.filterChains![0].filters![0]);
    expect(errorOf(twoTerminals).reason).toMatch(/terminal filter and must be the last one/);
  });
});
