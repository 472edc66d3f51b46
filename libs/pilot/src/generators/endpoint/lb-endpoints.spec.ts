import type { Endpoint, Service } from '@mesh/mesh-model';
import { canonicalService, envoyAddress, grpcUsable, isSendable, lbEndpointOf } from './lb-endpoints';

const service = (labels: Record<string, string> = {}): Service => ({
  hostname: 'svc.ns.svc.cluster.local',
  namespace: 'ns',
  name: 'svc',
  registry: 'Kubernetes',
  ports: [{ name: 'http', port: 80, protocol: 'HTTP' }],
  resolution: 'ClientSideLB',
  meshExternal: false,
  addresses: [],
  labels,
  exportTo: [],
  sourceKey: 'Service/ns/svc',
});

const endpoint = (overrides: Partial<Endpoint> = {}): Endpoint => ({
  hostname: 'svc.ns.svc.cluster.local',
  servicePortName: 'http',
  address: '10.0.0.1',
  port: 8080,
  labels: { app: 'svc', version: 'v1' },
  namespace: 'ns',
  health: 'Healthy',
  tlsMode: 'istio',
  workloadName: 'svc-0',
  ...overrides,
});

describe('endpoint selection and form', () => {
  it('sends healthy endpoints, draining ones only to persistent-session services, never unhealthy ones', () => {
    expect(isSendable(endpoint(), service())).toBe(true);
    expect(isSendable(endpoint({ health: 'Unhealthy' }), service())).toBe(false);
    expect(isSendable(endpoint({ health: 'Draining' }), service())).toBe(false);
    expect(isSendable(endpoint({ health: 'Draining' }), service({ 'istio.io/persistent-session': 'sticky' }))).toBe(
      true,
    );
    expect(lbEndpointOf(endpoint({ health: 'Draining' }), true).healthStatus).toBe(3);
  });

  it('writes tlsMode metadata only for sidecar endpoints that accept mTLS', () => {
    expect(lbEndpointOf(endpoint(), true).metadata?.filterMetadata?.['envoy.transport_socket_match']).toEqual({
      tlsMode: 'istio',
    });
    expect(lbEndpointOf(endpoint(), false).metadata?.filterMetadata?.['envoy.transport_socket_match']).toBeUndefined();
    expect(
      lbEndpointOf(endpoint({ tlsMode: 'disabled' }), true).metadata?.filterMetadata?.['envoy.transport_socket_match'],
    ).toBeUndefined();
  });

  it('names the canonical service as Istio derives it', () => {
    expect(canonicalService({ app: 'a', version: 'v2' }, 'w')).toEqual({ name: 'a', revision: 'v2' });
    expect(canonicalService({ 'service.istio.io/canonical-name': 'c', app: 'a' }, 'w')).toEqual({
      name: 'c',
      revision: 'latest',
    });
    expect(canonicalService({}, 'w')).toEqual({ name: 'w', revision: 'latest' });
    expect(lbEndpointOf(endpoint({ labels: {} }), true).metadata?.filterMetadata?.istio).toEqual({
      workload: 'svc-0;ns;svc-0;;',
    });
  });

  it('uses a pipe for unix:// endpoints and a socket address otherwise', () => {
    expect(envoyAddress('unix:///var/run/app.sock', 0)).toEqual({ pipe: { path: '/var/run/app.sock' } });
    expect(envoyAddress('db.example.com', 5432)).toEqual({
      socketAddress: { address: 'db.example.com', portValue: 5432 },
    });
  });

  it('keeps only IP endpoints, each address and port once, for gRPC', () => {
    const kept = grpcUsable([
      endpoint(),
      endpoint({ address: 'db.example.com' }),
      endpoint(),
      endpoint({ address: 'fd00::1' }),
      endpoint({ port: 9090 }),
    ]);
    expect(kept.map((e) => `${e.address}:${e.port}`)).toEqual(['10.0.0.1:8080', 'fd00::1:8080', '10.0.0.1:9090']);
  });
});
