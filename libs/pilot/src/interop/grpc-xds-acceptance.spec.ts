/**
 * What a proxyless gRPC client accepts: every cluster and load assignment the generators produce
 * for the gRPC family goes through @grpc/grpc-js-xds's own resource validation (the code that
 * decides ACK or NACK in the client), with a bootstrap that defines the `default` certificate
 * provider as Istio's gRPC bootstrap does. Lives outside generators/ because the translation code
 * may not import gRPC packages.
 */
import { ClusterResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type';
import { EndpointResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type';
import { generateClusters, generateEndpoints } from '../generators/cluster/testdata/generate';
import { SCENARIOS, scenarioPush } from '../generators/cluster/testdata/scenarios';

interface Decoded {
  readonly name: string;
  readonly error?: string;
  readonly value?: Record<string, unknown>;
}

/** The slice of grpc-js-xds's decode context the validators read. */
const context = {
  bootstrap: { certificateProviders: { default: { plugin_name: 'file_watcher', config: {} } } },
  server: undefined,
} as unknown as Parameters<ClusterResourceType['decode']>[0];

function decodeWith(
  type: { decode(context: Parameters<ClusterResourceType['decode']>[0], resource: unknown): unknown },
  typeUrl: string,
  value: Buffer,
): Decoded {
  return type.decode(context, { type_url: typeUrl, value }) as Decoded;
}

const grpcProxies = SCENARIOS.flatMap((scenario) =>
  scenario.proxies
    .filter((proxy) => proxy.proxy.generator === 'grpc')
    .map((proxy) => ({ scenario: scenario.name, ...proxy })),
);

describe.each(grpcProxies.map((entry) => [entry.scenario, entry.name] as const))(
  '%s / %s',
  (scenarioName, proxyName) => {
    const { push } = scenarioPush(scenarioName);
    const entry = grpcProxies.find((candidate) => candidate.scenario === scenarioName && candidate.name === proxyName)!;

    it('sends clusters grpc-js-xds accepts', () => {
      const resources = generateClusters(push, entry.proxy, entry.requestedClusters ?? []).resources;
      expect(resources.length).toBeGreaterThan(0);
      for (const { name, resource } of resources) {
        const decoded = decodeWith(ClusterResourceType.get(), resource.typeUrl!, resource.value!);
        expect({ name: decoded.name, error: decoded.error }).toEqual({ name, error: undefined });
      }
    });

    it('sends load assignments grpc-js-xds accepts', () => {
      const resources = generateEndpoints(push, entry.proxy, entry.requestedClusters ?? []).resources;
      expect(resources.length).toBeGreaterThan(0);
      for (const { name, resource } of resources) {
        const decoded = decodeWith(EndpointResourceType.get(), resource.typeUrl!, resource.value!);
        expect({ name: decoded.name, error: decoded.error }).toEqual({ name, error: undefined });
      }
    });
  },
);

describe('the validation is real', () => {
  const { scenario, push } = scenarioPush('traffic-policy');
  const client = scenario.proxies.find((proxy) => proxy.name === 'grpc-client')!.proxy;

  it('reads our policies back: ring hash, max requests, mTLS providers', () => {
    const [cart, ledger] = generateClusters(push, client, [
      'outbound|8080|v1|cart.shop.svc.cluster.local',
      'outbound|8080||ledger.shop.svc.cluster.local',
    ]).resources;
    const cartValue = decodeWith(ClusterResourceType.get(), cart.resource.typeUrl!, cart.resource.value!).value;
    expect(cartValue).toMatchObject({
      type: 'EDS',
      maxConcurrentRequests: 1000,
      lbPolicyConfig: [{ ring_hash: { min_ring_size: 2048 } }],
    });
    const ledgerValue = decodeWith(ClusterResourceType.get(), ledger.resource.typeUrl!, ledger.resource.value!).value;
    expect(ledgerValue).toMatchObject({
      securityUpdate: { caCertificateProviderInstance: 'default', identityCertificateProviderInstance: 'default' },
    });
  });

  it('rejects what Envoy-style clusters carry (least request, tls_params): the family split matters', () => {
    const envoyProxy = scenario.proxies.find((proxy) => proxy.name === 'shop-sidecar')!.proxy;
    const envoyCluster = generateClusters(push, envoyProxy).resources.find(
      (entry) => entry.name === 'outbound|8080||ledger.shop.svc.cluster.local',
    )!;
    const decoded = decodeWith(ClusterResourceType.get(), envoyCluster.resource.typeUrl!, envoyCluster.resource.value!);
    expect(decoded.error).toMatch(/LEAST_REQUEST/);
    expect(decoded.error).toMatch(/tls_params set/);
  });
});
