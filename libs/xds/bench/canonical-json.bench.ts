/**
 * Cost of proto3 canonical JSON on a config_dump-sized input: 6,000 clusters shaped like Istio's
 * outbound clusters (EDS over ADS, circuit breakers, Istio metadata in a Struct, an mTLS
 * transport socket match holding an UpstreamTlsContext in an Any), packed in Anys as pilot
 * holds them. Prints one JSON line of figures. Run:
 *
 *   esbuild libs/xds/bench/canonical-json.bench.ts --bundle --platform=node --format=esm \
 *     --tsconfig=libs/xds/tsconfig.json --outfile=tmp/canonical-json.bench.mjs && node tmp/canonical-json.bench.mjs
 */
import { Any, anyToCanonicalJson, Cluster, fromCanonicalJson, packAny } from '../src/index';
import { UpstreamTlsContext } from '../src/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { RoutingPriority } from '../src/generated/envoy/config/core/v3/base';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 6000);

function outboundCluster(i: number): Cluster {
  const host = `svc-${i}.bench.svc.cluster.local`;
  return Cluster.fromPartial({
    name: `outbound|8080||${host}`,
    type: 3, // EDS
    edsClusterConfig: {
      edsConfig: { ads: {}, initialFetchTimeout: { seconds: 0 }, resourceApiVersion: 1 },
      serviceName: `outbound|8080||${host}`,
    },
    connectTimeout: { seconds: 10 },
    perConnectionBufferLimitBytes: 32768,
    circuitBreakers: {
      thresholds: [
        {
          priority: RoutingPriority.DEFAULT,
          maxConnections: 4294967295,
          maxPendingRequests: 4294967295,
          maxRequests: 4294967295,
          maxRetries: 4294967295,
          trackRemaining: true,
        },
      ],
    },
    metadata: {
      filterMetadata: {
        istio: {
          fields: {
            services: {
              listValue: {
                values: [
                  {
                    structValue: {
                      fields: {
                        host: { stringValue: host },
                        name: { stringValue: `svc-${i}` },
                        namespace: { stringValue: 'bench' },
                      },
                    },
                  },
                ],
              },
            },
          },
        },
      },
    },
    transportSocketMatches: [
      {
        name: 'tlsMode-istio',
        match: { fields: { tlsMode: { stringValue: 'istio' } } },
        transportSocket: {
          name: 'envoy.transport_sockets.tls',
          typedConfig: packAny(UpstreamTlsContext, {
            sni: `outbound_.8080_._.${host}`,
            commonTlsContext: {
              alpnProtocols: ['istio-peer-exchange', 'istio'],
              tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: { ads: {}, resourceApiVersion: 1 } }],
              combinedValidationContext: {
                defaultValidationContext: {
                  matchSubjectAltNames: [{ exact: `spiffe://cluster.local/ns/bench/sa/svc-${i}` }],
                },
                validationContextSdsSecretConfig: { name: 'ROOTCA', sdsConfig: { ads: {}, resourceApiVersion: 1 } },
              },
            },
          }),
        },
      },
    ],
  });
}

const packed: Any[] = Array.from({ length: CLUSTERS }, (_, i) => packAny(Cluster, outboundCluster(i)));

/**
 * Wall time, and the CPU time of this process, which stays meaningful when other processes share
 * the machine's cores (wall time then includes waiting for a core).
 */
interface Cost {
  readonly wall: number;
  readonly cpu: number;
}
const time = (run: () => void): Cost => {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  run();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: Math.round(performance.now() - start), cpu: Math.round((cpu.user + cpu.system) / 1000) };
};

const load = time(() => anyToCanonicalJson(packed[0])); // first call decodes the descriptor set
let rendered: unknown[] = [];
const toJsonMs = time(() => {
  rendered = packed.map((any) => anyToCanonicalJson(any, { protoFieldNames: true }));
});
const redactedMs = time(() => {
  packed.map((any) => anyToCanonicalJson(any, { protoFieldNames: true, redactSensitive: true }));
});
const text = JSON.stringify(rendered);
const fromJsonMs = time(() => {
  for (const json of rendered) {
    const result = fromCanonicalJson(Any, json);
    if (!result.ok) throw new Error(result.error.message);
  }
});
console.log(
  JSON.stringify({
    clusters: CLUSTERS,
    first_call_ms: load.wall,
    to_json_ms: toJsonMs.wall,
    to_json_cpu_ms: toJsonMs.cpu,
    to_json_redacted_ms: redactedMs.wall,
    to_json_redacted_cpu_ms: redactedMs.cpu,
    from_json_ms: fromJsonMs.wall,
    from_json_cpu_ms: fromJsonMs.cpu,
    json_mb: Number((text.length / 1e6).toFixed(1)),
  }),
);
