/**
 * TLS to upstreams: DestinationRule origination (SIMPLE, MUTUAL, ISTIO_MUTUAL) and auto mTLS,
 * read back from the generated clusters.
 */
import { defaultMeshConfig } from '@mesh/config-model';
import { Cluster_DiscoveryType } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import type { UpstreamTlsContext } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { loadScenario } from '../testing/scenario';
import { clustersOf, httpOptionsOf, named, upstreamTls } from './testdata/generate';
import { scenarioPush, scenarioProxy } from './testdata/scenarios';

function sdsNames(context: UpstreamTlsContext): { certificates: string[]; root?: string; sans: string[] } {
  const common = context.commonTlsContext;
  const combined = common?.combinedValidationContext;
  return {
    certificates: (common?.tlsCertificateSdsSecretConfigs ?? []).map((secret) => secret.name ?? ''),
    ...(combined?.validationContextSdsSecretConfig?.name
      ? { root: combined.validationContextSdsSecretConfig.name }
      : {}),
    sans: (combined?.defaultValidationContext?.matchSubjectAltNames ?? []).map((matcher) => matcher.exact ?? ''),
  };
}

describe('TLS origination from DestinationRules', () => {
  const { scenario, push } = scenarioPush('traffic-policy');
  const sidecar = clustersOf(push, scenarioProxy(scenario, 'shop-sidecar'));
  const gateway = clustersOf(push, scenarioProxy(scenario, 'egress-gateway'));

  it('SIMPLE: the rule SNI, the system trust store by default, the ServiceEntry identities', () => {
    const cluster = named(sidecar, 'outbound|443||bank.example.com');
    expect(cluster.transportSocket?.name).toBe('envoy.transport_sockets.tls');
    const context = upstreamTls(cluster.transportSocket?.typedConfig);
    expect(context.sni).toBe('bank.example.com');
    expect(sdsNames(context)).toEqual({ certificates: [], root: 'file-root:system', sans: ['bank.example.com'] });
  });

  it('MUTUAL with files: the agent serves them as file-cert and file-root secrets; no SNI set means auto SNI', () => {
    const cluster = named(sidecar, 'outbound|8443||bank.example.com');
    const context = upstreamTls(cluster.transportSocket?.typedConfig);
    expect(sdsNames(context)).toEqual({
      certificates: ['file-cert:/etc/certs/client.pem~/etc/certs/client-key.pem'],
      root: 'file-root:/etc/certs/bank-ca.pem',
      sans: ['api.bank.example.com'],
    });
    expect(context.sni ?? '').toBe('');
    expect(httpOptionsOf(cluster)?.upstreamHttpProtocolOptions).toMatchObject({ autoSni: true });
    // Names to check were given, so the SAN is not derived from the request's host.
    expect(httpOptionsOf(cluster)?.upstreamHttpProtocolOptions?.autoSanValidation ?? false).toBe(false);
  });

  it('MUTUAL with credentialName: gateways fetch kubernetes:// secrets; sidecars only for rules with a workloadSelector', () => {
    const onGateway = upstreamTls(named(gateway, 'outbound|443||partner.example.com').transportSocket?.typedConfig);
    expect(sdsNames(onGateway)).toEqual({
      certificates: ['kubernetes://partner-client'],
      root: 'kubernetes://partner-client-cacert',
      sans: [],
    });
    expect(onGateway.commonTlsContext?.tlsCertificateSdsSecretConfigs?.[0].sdsConfig?.ads).toBeDefined();
    const onSidecar = named(sidecar, 'outbound|443||partner.example.com');
    expect(onSidecar.transportSocket).toBeUndefined();
    // SIMPLE with a credential in a rule selecting the sidecar's workload: only the CA is fetched.
    const selected = upstreamTls(named(sidecar, 'outbound|443||vault.example.com').transportSocket?.typedConfig);
    expect(sdsNames(selected)).toEqual({
      certificates: [],
      root: 'kubernetes://vault-ca-cacert',
      sans: ['vault.example.com'],
    });
  });

  it('ISTIO_MUTUAL: workload certificate and mesh root from the agent, service identities, in-mesh SNI and ALPN', () => {
    const cluster = named(sidecar, 'outbound|8080||ledger.shop.svc.cluster.local');
    const context = upstreamTls(cluster.transportSocket?.typedConfig);
    expect(sdsNames(context)).toEqual({
      certificates: ['default'],
      root: 'ROOTCA',
      sans: ['spiffe://cluster.local/ns/shop/sa/ledger'],
    });
    expect(
      context.commonTlsContext?.tlsCertificateSdsSecretConfigs?.[0].sdsConfig?.apiConfigSource?.grpcServices,
    ).toMatchObject([{ envoyGrpc: { clusterName: 'sds-grpc' } }]);
    expect(context.sni).toBe('outbound_.8080_._.ledger.shop.svc.cluster.local');
    expect(context.commonTlsContext?.alpnProtocols).toEqual(['istio']);
    // Explicit TLS is not auto mTLS: one socket for every endpoint.
    expect(cluster.transportSocketMatches ?? []).toHaveLength(0);
  });

  it('ISTIO_MUTUAL in a subset: its own SNI and names override the derived ones', () => {
    const context = upstreamTls(
      named(sidecar, 'outbound|8080|pinned|ledger.shop.svc.cluster.local').transportSocket?.typedConfig,
    );
    expect(context.sni).toBe('ledger.custom.sni');
    expect(sdsNames(context).sans).toEqual(['spiffe://cluster.local/ns/shop/sa/ledger-admin']);
  });
});

describe('auto mTLS', () => {
  const { scenario, push } = scenarioPush('auto-mtls');
  const proxy = scenarioProxy(scenario, 'mixed-sidecar');
  const clusters = clustersOf(push, proxy);

  it('gives in-mesh services an mTLS socket for tlsMode=istio endpoints and plaintext for the rest', () => {
    const orders = named(clusters, 'outbound|80||orders.mixed.svc.cluster.local');
    expect(orders.transportSocket).toBeUndefined();
    const [mtls, plain] = orders.transportSocketMatches ?? [];
    expect(mtls.name).toBe('tlsMode-istio');
    expect(mtls.match).toEqual({ tlsMode: 'istio' });
    const context = upstreamTls(mtls.transportSocket?.typedConfig);
    expect(sdsNames(context)).toEqual({
      certificates: ['default'],
      root: 'ROOTCA',
      sans: ['spiffe://cluster.local/ns/mixed/sa/orders'],
    });
    expect(context.sni).toBe('outbound_.80_._.orders.mixed.svc.cluster.local');
    expect(plain.name).toBe('tlsMode-disabled');
    expect(plain.match).toEqual({});
    expect(plain.transportSocket?.name).toBe('envoy.transport_sockets.raw_buffer');
    expect(plain.transportSocket?.typedConfig?.typeUrl).toBe(
      'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
    );
  });

  it('does not upgrade services in a namespace whose PeerAuthentication disables mTLS', () => {
    const legacy = named(clusters, 'outbound|80||legacy.legacy.svc.cluster.local');
    expect(legacy.transportSocket).toBeUndefined();
    expect(legacy.transportSocketMatches ?? []).toHaveLength(0);
  });

  it('does not upgrade mesh-external services', () => {
    const github = named(clusters, 'outbound|443||github.com');
    expect(github.transportSocket).toBeUndefined();
    expect(github.transportSocketMatches ?? []).toHaveLength(0);
  });

  it('uses mTLS directly for an original-destination (headless) service whose endpoints all have sidecars', () => {
    const search = named(clusters, 'outbound|7000||search.mixed.svc.cluster.local');
    expect(search.type).toBe(Cluster_DiscoveryType.ORIGINAL_DST);
    expect(search.transportSocketMatches ?? []).toHaveLength(0);
    expect(upstreamTls(search.transportSocket?.typedConfig).commonTlsContext?.alpnProtocols).toEqual(['istio', 'h2']);
  });

  it('is off when the mesh disables it', () => {
    const off = loadScenario({ ...scenario.sources, mesh: { ...defaultMeshConfig(), enableAutoMtls: false } }).push;
    const orders = named(clustersOf(off, proxy), 'outbound|80||orders.mixed.svc.cluster.local');
    expect(orders.transportSocket).toBeUndefined();
    expect(orders.transportSocketMatches ?? []).toHaveLength(0);
  });
});
