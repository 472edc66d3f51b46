import { equals, fromBinary } from '@bufbuild/protobuf';
import { RouteConfiguration } from '../generated/envoy/config/route/v3/route';
import { Cluster, Cluster_DiscoveryType, Cluster_LbPolicy } from '../generated/envoy/config/cluster/v3/cluster';
import { Listener } from '../generated/envoy/config/listener/v3/listener';
import { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { Any } from '../generated/google/protobuf/any';
import { packAny } from '../any';
import { Secret } from '../generated/envoy/extensions/transport_sockets/tls/v3/secret';
import { REDACTED } from './redact';
import { listener } from '../testdata/listener-fixture';
import { TypeUrl } from '../type-urls';
import { descriptorRegistry, messageDescriptor } from './descriptors';
import { fromCanonicalJson, type CanonicalJsonResult } from './from-json';
import { formatCanonicalJsonError, type CanonicalJsonError } from './json-errors';
import { UnknownMessageTypeError } from './message-types';
import { toCanonicalJson } from './to-json';

type Json = Record<string, unknown>;

const cluster = Cluster.fromPartial({
  name: 'outbound|9080||reviews.default.svc.cluster.local',
  type: Cluster_DiscoveryType.EDS,
  lbPolicy: Cluster_LbPolicy.LEAST_REQUEST,
  connectTimeout: { seconds: 0, nanos: 250_000_000 },
  perConnectionBufferLimitBytes: 32768,
  ringHashLbConfig: { minimumRingSize: 1024 },
  edsClusterConfig: { edsConfig: { ads: {} }, serviceName: 'outbound|9080||reviews.default.svc.cluster.local' },
  metadata: {
    filterMetadata: {
      istio: {
        config: '/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews',
        subsets: ['v1', 2, true, null],
      },
    },
  },
});

function ok<T>(result: CanonicalJsonResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${formatCanonicalJsonError(result.error)}`);
  return result.message;
}

function failure<T>(result: CanonicalJsonResult<T>): CanonicalJsonError {
  if (result.ok) throw new Error('expected an error, got a message');
  return result.error;
}

const bytesOf = <T>(codec: { encode(m: T): { finish(): Uint8Array } }, message: T) =>
  Buffer.from(codec.encode(message).finish()).toString('hex');

/**
 * Same content on the wire, Anys compared by what they hold: encoders may order fields
 * differently (ts-proto by declaration, protobuf-es by number), so bytes alone can differ.
 */
function sameOnTheWire<T>(codec: { $type: string; encode(m: T): { finish(): Uint8Array } }, a: T, b: T): boolean {
  const desc = messageDescriptor(codec.$type);
  if (!desc) throw new Error(`no descriptor for ${codec.$type}`);
  const read = (m: T) => fromBinary(desc, codec.encode(m).finish());
  return equals(desc, read(a), read(b), { registry: descriptorRegistry(), unpackAny: true });
}

describe('toCanonicalJson', () => {
  const json = toCanonicalJson(Cluster, cluster) as Json;

  it('writes a Duration as seconds with an "s" suffix', () => {
    expect(json.connectTimeout).toBe('0.250s');
    const tenSeconds = toCanonicalJson(Cluster, { ...cluster, connectTimeout: { seconds: 10 } }) as Json;
    expect(tenSeconds.connectTimeout).toBe('10s');
  });

  it('writes enums by name, 64-bit integers as strings, wrappers unwrapped and Struct as plain JSON', () => {
    expect(json.type).toBe('EDS');
    expect(json.lbPolicy).toBe('LEAST_REQUEST');
    expect(json.ringHashLbConfig).toEqual({ minimumRingSize: '1024' }); // UInt64Value
    expect(json.perConnectionBufferLimitBytes).toBe(32768); // UInt32Value
    expect(json.metadata).toEqual({
      filterMetadata: {
        istio: {
          config: '/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews',
          subsets: ['v1', 2, true, null],
        },
      },
    });
    const route = RouteConfiguration.fromPartial({
      virtualHosts: [
        {
          name: 'reviews',
          routes: [
            { match: { prefix: '/' }, route: { cluster: 'c', retryPolicy: { hostSelectionRetryMaxAttempts: 3 } } },
          ],
        },
      ],
    });
    const routeJson = toCanonicalJson(RouteConfiguration, route) as { virtualHosts: Array<{ routes: Json[] }> };
    expect(routeJson.virtualHosts[0].routes[0].route).toEqual({
      cluster: 'c',
      retryPolicy: { hostSelectionRetryMaxAttempts: '3' }, // int64
    });
  });

  it('keeps a wrapper set to its default (BoolValue false), which plain fields would drop', () => {
    const out = toCanonicalJson(Listener, { name: 'l', bindToPort: false }) as Json;
    expect(out).toEqual({ name: 'l', bindToPort: false });
  });

  it('expands an Any into "@type" and the fields of the packed message: HCM in a listener filter', () => {
    const out = toCanonicalJson(Listener, listener) as { filterChains: Array<{ filters: Json[] }> };
    const filter = out.filterChains[0].filters[0];
    const hcm = filter.typedConfig as Json;
    expect(Object.keys(hcm)[0]).toBe('@type');
    expect(hcm).toMatchObject({
      '@type': TypeUrl.HttpConnectionManager,
      statPrefix: 'outbound_0.0.0.0_9080',
      rds: { routeConfigName: '9080', configSource: { ads: {}, resourceApiVersion: 'V3', initialFetchTimeout: '0s' } },
      httpFilters: [
        { name: 'envoy.filters.http.router', typedConfig: { '@type': TypeUrl.Router, suppressEnvoyHeaders: true } },
      ],
      accessLog: [
        {
          name: 'envoy.access_loggers.file',
          typedConfig: {
            '@type': TypeUrl.FileAccessLog,
            path: '/dev/stdout',
            format: '[%START_TIME%] %RESPONSE_CODE%\n',
          },
        },
      ],
    });
  });

  it('writes proto field names when asked (as Envoy and istioctl print)', () => {
    const out = toCanonicalJson(Cluster, cluster, { protoFieldNames: true }) as Json;
    expect(out.connect_timeout).toBe('0.250s');
    expect(out.ring_hash_lb_config).toEqual({ minimum_ring_size: '1024' });
    expect(out.connectTimeout).toBeUndefined();
    // Struct keys are data, not field names: left as they are.
    expect(out.metadata).toEqual({ filter_metadata: (json.metadata as Json).filterMetadata });
  });

  it('takes the type by name or type URL too, and refuses a type that was not generated', () => {
    expect(toCanonicalJson(TypeUrl.Cluster, cluster)).toEqual(json);
    expect(toCanonicalJson('envoy.config.cluster.v3.Cluster', cluster)).toEqual(json);
    expect(() => toCanonicalJson('example.v1.Nope', {})).toThrow(UnknownMessageTypeError);
  });
});

describe('fromCanonicalJson', () => {
  it('reads snake_case and lowerCamel names, alone or mixed, into the same message', () => {
    const snake = ok(
      fromCanonicalJson(Cluster, {
        name: 'a',
        connect_timeout: '1.5s',
        lb_policy: 'RING_HASH',
        eds_cluster_config: { service_name: 's' },
      }),
    );
    const camel = ok(
      fromCanonicalJson(Cluster, {
        name: 'a',
        connectTimeout: '1.5s',
        lbPolicy: 'RING_HASH',
        edsClusterConfig: { serviceName: 's' },
      }),
    );
    const mixed = ok(
      fromCanonicalJson(Cluster, {
        name: 'a',
        connect_timeout: '1.5s',
        lbPolicy: 'RING_HASH',
        eds_cluster_config: { serviceName: 's' },
      }),
    );
    expect(snake.connectTimeout).toMatchObject({ seconds: 1, nanos: 500_000_000 });
    expect(snake.lbPolicy).toBe(Cluster_LbPolicy.RING_HASH);
    expect(snake.edsClusterConfig?.serviceName).toBe('s');
    expect(bytesOf(Cluster, camel)).toBe(bytesOf(Cluster, snake));
    expect(bytesOf(Cluster, mixed)).toBe(bytesOf(Cluster, snake));
  });

  it.each([
    ['lowerCamel', false],
    ['proto names', true],
  ])('round-trips a Listener (Anys inside) and a Cluster through canonical JSON with %s', (_label, protoFieldNames) => {
    for (const [codec, message] of [
      [Listener, listener],
      [Cluster, cluster],
    ] as const) {
      const json = JSON.parse(
        JSON.stringify(toCanonicalJson(codec as typeof Listener, message as Listener, { protoFieldNames })),
      );
      const back = ok(fromCanonicalJson(codec as typeof Listener, json));
      expect(sameOnTheWire(codec as typeof Listener, back, message as Listener)).toBe(true);
      expect(toCanonicalJson(codec as typeof Listener, back, { protoFieldNames })).toEqual(json);
    }
  });

  it('reads an Any as a whole resource, "@type" included', () => {
    const any = ok(fromCanonicalJson(Any, { '@type': TypeUrl.Cluster, name: 'x', connect_timeout: '2s' }));
    expect(any.typeUrl).toBe(TypeUrl.Cluster);
    expect(Cluster.decode(any.value ?? new Uint8Array()).connectTimeout).toMatchObject({ seconds: 2, nanos: 0 });
  });

  describe('errors name the field path', () => {
    const listenerJson = () =>
      JSON.parse(JSON.stringify(toCanonicalJson(Listener, listener, { protoFieldNames: true }))) as {
        filter_chains: Array<{ filters: Array<{ typed_config: Json }> }>;
      };

    it('for an unknown field, suggesting the right name', () => {
      const json = listenerJson();
      json.filter_chains[0].filters[0].typed_config.stat_prefx = 'x';
      expect(failure(fromCanonicalJson(Listener, json))).toEqual({
        path: 'filter_chains[0].filters[0].typed_config.stat_prefx',
        message:
          'unknown field "stat_prefx" in envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      });
      expect(failure(fromCanonicalJson(Cluster, { name: 'a', connectTimeOut: '1s' }))).toEqual({
        path: 'connectTimeOut',
        message: 'unknown field "connectTimeOut" in envoy.config.cluster.v3.Cluster (did you mean "connect_timeout"?)',
      });
    });

    it('for a bad Duration, deep inside an Any', () => {
      const json = listenerJson();
      const hcm = json.filter_chains[0].filters[0].typed_config as { rds: { config_source: Json } };
      hcm.rds.config_source.initial_fetch_timeout = '5 seconds';
      expect(failure(fromCanonicalJson(Listener, json))).toEqual({
        path: 'filter_chains[0].filters[0].typed_config.rds.config_source.initial_fetch_timeout',
        message: 'invalid duration "5 seconds": expected seconds with an "s" suffix, like "0.250s" or "30s"',
      });
    });

    it('for an unknown "@type"', () => {
      const json = listenerJson();
      json.filter_chains[0].filters[0].typed_config['@type'] =
        'type.googleapis.com/envoy.extensions.filters.network.nope.v3.Nope';
      expect(failure(fromCanonicalJson(Listener, json))).toEqual({
        path: 'filter_chains[0].filters[0].typed_config.@type',
        message:
          'unknown type "type.googleapis.com/envoy.extensions.filters.network.nope.v3.Nope" (not among the generated Envoy types)',
      });
    });

    it('for a bad enum name, a wrong JSON type, a list item and a map entry', () => {
      expect(failure(fromCanonicalJson(Cluster, { type: 'DNS' }))).toMatchObject({
        path: 'type',
        message: expect.stringMatching(
          /^"DNS" is not a value of envoy\.config\.cluster\.v3\.Cluster\.DiscoveryType \(STATIC, STRICT_DNS, LOGICAL_DNS, EDS/,
        ),
      });
      expect(failure(fromCanonicalJson(Cluster, { per_connection_buffer_limit_bytes: -1 }))).toEqual({
        path: 'per_connection_buffer_limit_bytes',
        message: 'expected number (uint32): -1 out of range (google.protobuf.UInt32Value)',
      });
      expect(failure(fromCanonicalJson(Cluster, { health_checks: { timeout: '1s' } }))).toEqual({
        path: 'health_checks',
        message: 'expected a list, got an object',
      });
      expect(
        failure(
          fromCanonicalJson(Cluster, {
            load_assignment: {
              endpoints: [
                {},
                { lb_endpoints: [{ endpoint: { address: { socket_address: { port_value: 'http' } } } }] },
              ],
            },
          }),
        ),
      ).toEqual({
        path: 'load_assignment.endpoints[1].lb_endpoints[0].endpoint.address.socket_address.port_value',
        message: 'expected number (uint32), got "http"',
      });
      expect(failure(fromCanonicalJson(Cluster, { metadata: { filter_metadata: { 'envoy.lb': 'canary' } } }))).toEqual({
        path: 'metadata.filter_metadata["envoy.lb"]',
        message: 'expected an object (google.protobuf.Struct), got "canary"',
      });
    });

    it('for two members of one oneof, at the message holding them', () => {
      expect(failure(fromCanonicalJson(Cluster, { name: 'a', type: 'EDS', cluster_type: { name: 'custom' } }))).toEqual(
        {
          path: '',
          message: 'oneof set multiple times by type and cluster_type (in envoy.config.cluster.v3.Cluster)',
        },
      );
    });

    it('for values JSON cannot hold (YAML can)', () => {
      expect(
        failure(fromCanonicalJson(Cluster, { name: 'a', outlier_detection: { consecutive_5xx: Infinity } })),
      ).toEqual({
        path: 'outlier_detection.consecutive_5xx',
        message: 'Infinity is not a JSON number (write "Infinity" as a string)',
      });
      expect(failure(fromCanonicalJson(Cluster, { name: new Date(0) })).path).toBe('name');
    });

    it('for a type that was not generated, at the root', () => {
      expect(failure(fromCanonicalJson('example.v1.Nope', {}))).toEqual({
        path: '',
        message: expect.stringContaining('example.v1.Nope'),
      });
    });
  });

  it('skips unknown fields only when asked', () => {
    const json = { name: 'a', future_field: { x: 1 } };
    expect(failure(fromCanonicalJson(Cluster, json)).path).toBe('future_field');
    expect(ok(fromCanonicalJson(Cluster, json, { ignoreUnknownFields: true })).name).toBe('a');
  });
});

describe('sameOnTheWire (the round-trip check above)', () => {
  it('tells a changed value inside an Any apart', () => {
    const changed = structuredClone(listener);
    const hcm = changed.filterChains?.[0].filters?.[0];
    if (!hcm?.typedConfig?.value) throw new Error('fixture changed');
    const decoded = HttpConnectionManager.decode(hcm.typedConfig.value);
    hcm.typedConfig = packAny(HttpConnectionManager, { ...decoded, statPrefix: 'other' });
    expect(sameOnTheWire(Listener, changed, listener)).toBe(false);
    expect(sameOnTheWire(Listener, structuredClone(listener), listener)).toBe(true);
  });
});

describe('toCanonicalJson with redactSensitive', () => {
  it('replaces what Envoy marks sensitive (udpa.annotations.sensitive), strings and bytes, keeping the shape', () => {
    const secret = Secret.fromPartial({
      name: 'default',
      tlsCertificate: {
        certificateChain: { inlineString: 'CHAIN' },
        privateKey: { inlineString: 'KEY' },
        password: { inlineBytes: Buffer.from('PASSWORD') },
      },
    });
    expect(toCanonicalJson(Secret, secret, { protoFieldNames: true, redactSensitive: true })).toEqual({
      name: 'default',
      tls_certificate: {
        certificate_chain: { inline_string: 'CHAIN' },
        private_key: { inline_string: REDACTED },
        password: { inline_bytes: Buffer.from(REDACTED).toString('base64') },
      },
    });
    // Without the option nothing is hidden.
    expect(JSON.stringify(toCanonicalJson(Secret, secret))).toContain('"inlineString":"KEY"');
  });
});
