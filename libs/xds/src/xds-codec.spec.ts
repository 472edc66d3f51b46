import { join } from 'node:path';
import protobuf from 'protobufjs';
import { packAny, TypeUrlMismatchError, unpackAny, unpackAnyAs, UnknownTypeUrlError } from './any';
import { Listener } from './generated/envoy/config/listener/v3/listener';
import { Router } from './generated/envoy/extensions/filters/http/router/v3/router';
import { HttpConnectionManager } from './generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { Cluster } from './generated/envoy/config/cluster/v3/cluster';
import { codecForTypeUrl, knownTypeUrls } from './registry';
import { httpConnectionManager, listener } from './testdata/listener-fixture';
import { messageNameOf, TypeUrl } from './type-urls';

const protoDeps = join(process.cwd(), 'node_modules', '@grpc', 'grpc-js-xds', 'deps');
const protobufJsProtos = join(process.cwd(), 'node_modules', 'protobufjs');
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(protoDeps, d));

/** Loads Envoy's protos with protobufjs: an implementation we did not generate. */
function loadWithProtobufJs(files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (target.startsWith('google/protobuf/')) {
      // protobufjs knows the common well-known types by name and ships descriptor.proto.
      return target.endsWith('descriptor.proto') ? join(protobufJsProtos, target) : target;
    }
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      try {
        protobuf.util.fs.accessSync(candidate);
        return candidate;
      } catch {
        // not under this include dir
      }
    }
    return target;
  };
  root.loadSync(files, { keepCase: false });
  root.resolveAll();
  return root;
}

describe('xDS binary codecs', () => {
  it('round-trips a Listener whose filter chain carries an HttpConnectionManager', () => {
    const bytes = Listener.encode(listener).finish();
    const decoded = Listener.decode(bytes);

    expect(decoded).toEqual(Listener.fromPartial(listener));
    const hcmAny = decoded.filterChains?.[0].filters?.[0].typedConfig;
    expect(hcmAny?.typeUrl).toBe(TypeUrl.HttpConnectionManager);
    const hcm = unpackAnyAs(HttpConnectionManager, hcmAny!);
    expect(hcm).toEqual(HttpConnectionManager.fromPartial(httpConnectionManager));
    expect(unpackAnyAs(Router, hcm.httpFilters![0].typedConfig!).suppressEnvoyHeaders).toBe(true);
    // Re-encoding the decoded form gives the same bytes: nothing was lost or invented.
    expect(Buffer.from(Listener.encode(decoded).finish())).toEqual(Buffer.from(bytes));
  });

  it('writes bytes that protobufjs, reading the upstream .proto files, decodes to the same values', () => {
    const root = loadWithProtobufJs([
      'envoy/config/listener/v3/listener.proto',
      'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
      'envoy/extensions/filters/http/router/v3/router.proto',
    ]);
    const PbListener = root.lookupType('envoy.config.listener.v3.Listener');
    const PbHcm = root.lookupType('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    const options = { enums: String, longs: Number, defaults: false };

    const other = PbListener.toObject(PbListener.decode(Listener.encode(listener).finish()), options);
    expect(other.name).toBe('0.0.0.0_9080');
    expect(other.address).toEqual({ socketAddress: { address: '0.0.0.0', portValue: 9080 } });
    expect(other.trafficDirection).toBe('OUTBOUND');
    // An explicit BoolValue(false) is present on the wire as an empty wrapper, unlike an unset one.
    expect(other.bindToPort).toEqual({});
    expect(other.continueOnListenerFiltersTimeout).toBe(true);
    expect(other.listenerFilters.map((f: { name: string }) => f.name)).toEqual([
      'envoy.filters.listener.original_dst',
      'envoy.filters.listener.tls_inspector',
    ]);
    expect(other.filterChains[0].filterChainMatch).toEqual({
      transportProtocol: 'raw_buffer',
      applicationProtocols: ['http/1.1', 'h2c'],
    });
    expect(other.metadata.filterMetadata['istio.io/metadata'].fields.kind).toEqual({ stringValue: 'outbound' });

    const typedConfig = other.filterChains[0].filters[0].typedConfig;
    // protobufjs's built-in Any keeps the proto field name.
    expect(typedConfig.type_url).toBe(TypeUrl.HttpConnectionManager);
    const hcm = PbHcm.toObject(PbHcm.decode(typedConfig.value), options);
    expect(hcm.statPrefix).toBe('outbound_0.0.0.0_9080');
    expect(hcm.codecType ?? 'AUTO').toBe('AUTO'); // the enum's zero value is not written
    expect(hcm.rds).toEqual({
      routeConfigName: '9080',
      configSource: { ads: {}, resourceApiVersion: 'V3', initialFetchTimeout: {} },
    });
    expect(hcm.httpFilters[0].name).toBe('envoy.filters.http.router');
    expect(hcm.upgradeConfigs).toEqual([{ upgradeType: 'websocket' }]);
    expect(hcm.normalizePath).toEqual({ value: true });
  });

  it('decodes bytes written by protobufjs', () => {
    const root = loadWithProtobufJs(['envoy/config/cluster/v3/cluster.proto']);
    const PbCluster = root.lookupType('envoy.config.cluster.v3.Cluster');
    const written = PbCluster.encode(
      PbCluster.fromObject({
        name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
        type: 'EDS',
        edsClusterConfig: { serviceName: 'outbound|9080|v1|reviews.default.svc.cluster.local', edsConfig: { ads: {} } },
        connectTimeout: { seconds: 10 },
        lbPolicy: 'LEAST_REQUEST',
        circuitBreakers: { thresholds: [{ maxConnections: { value: 100 }, maxRetries: { value: 3 } }] },
      }),
    ).finish();

    const cluster = Cluster.decode(written);
    expect(cluster.name).toBe('outbound|9080|v1|reviews.default.svc.cluster.local');
    expect(cluster.connectTimeout).toEqual(expect.objectContaining({ seconds: 10, nanos: 0 }));
    expect(Cluster.toJSON(cluster)).toMatchObject({
      type: 'EDS',
      lbPolicy: 'LEAST_REQUEST',
      edsClusterConfig: { edsConfig: { ads: {} } },
      circuitBreakers: { thresholds: [{ maxConnections: 100, maxRetries: 3 }] },
    });
  });
});

describe('Any and the type-URL registry', () => {
  it('has a codec for every TypeUrl constant, named as the URL says', () => {
    expect(knownTypeUrls().sort()).toEqual(Object.values(TypeUrl).sort());
    for (const typeUrl of Object.values(TypeUrl)) {
      expect(codecForTypeUrl(typeUrl)?.$type).toBe(messageNameOf(typeUrl));
    }
  });

  it('unpacks an Any by its type URL alone', () => {
    const any = packAny(Router, { startChildSpan: true });
    const { typeUrl, message } = unpackAny(any);
    expect(typeUrl).toBe(TypeUrl.Router);
    expect(message).toEqual(Router.fromPartial({ startChildSpan: true }));
  });

  it('refuses an unknown type URL and a mismatched one with errors that name them', () => {
    expect(() => unpackAny({ typeUrl: 'type.googleapis.com/not.a.Type', value: Buffer.alloc(0) })).toThrow(
      new UnknownTypeUrlError('type.googleapis.com/not.a.Type'),
    );
    expect(() => unpackAnyAs(Cluster, packAny(Router, {}))).toThrow(TypeUrlMismatchError);
    expect(() => unpackAnyAs(Cluster, packAny(Router, {}))).toThrow(/envoy.extensions.filters.http.router.v3.Router/);
  });

  it('reads Envoy-style JSON where an Any is written with "@type"', () => {
    const fromJson = Listener.fromJSON({
      name: 'listener_0',
      address: { socket_address: { address: '0.0.0.0', port_value: 10000 } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': TypeUrl.HttpConnectionManager,
                stat_prefix: 'ingress_http',
                http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TypeUrl.Router } }],
              },
            },
          ],
        },
      ],
    });
    expect(fromJson.address?.socketAddress?.portValue).toBe(10000);
    const hcm = unpackAnyAs(HttpConnectionManager, fromJson.filterChains![0].filters![0].typedConfig!);
    expect(hcm.statPrefix).toBe('ingress_http');
    expect(hcm.httpFilters![0].typedConfig?.typeUrl).toBe(TypeUrl.Router);
  });
});
