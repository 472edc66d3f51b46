/**
 * Inbound traffic to the reviews-v1 sidecar (HTTP port 9080, TCP port 9090) under each
 * PeerAuthentication mode: what a client with a sidecar (Istio mTLS, `istio-*` ALPN and a client
 * certificate) and a client without one (plaintext) get.
 */
import { scenarioNamed } from '../testing/listener-scenarios';
import { simulationFor } from '../testing/simulate';
import type { SimulationRequest } from './model';
import type { Simulation } from './simulator';

const mtls = { alpn: ['istio-http/1.1', 'istio'], clientCertificate: true } as const;
const mtlsTcp = { alpn: ['istio-peer-exchange', 'istio'], clientCertificate: true } as const;
const http = (extra: Partial<SimulationRequest> = {}): SimulationRequest => ({
  port: 9080,
  capture: 'inbound',
  authority: 'reviews:9080',
  path: '/reviews/0',
  ...extra,
});
const tcp = (extra: Partial<SimulationRequest> = {}): SimulationRequest => ({
  port: 9090,
  capture: 'inbound',
  protocol: 'tcp',
  ...extra,
});

describe('STRICT', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('inbound-mtls-strict'));
  });

  it('accepts Istio mTLS on the HTTP port, with the workload certificate', () => {
    const result = sim.run(http({ tls: mtls }));
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({
      listener: 'virtualInbound',
      filterChain: '0.0.0.0_9080',
      tlsCertificates: ['default'],
      routeConfiguration: 'inbound|9080||',
      clusters: [{ name: 'inbound|9080||', weight: 1 }],
    });
  });

  it('refuses plaintext, and TLS without a client certificate', () => {
    expect(sim.run(http()).error).toBe('no-filter-chain');
    expect(sim.run(http({ tls: { alpn: ['istio-http/1.1'] } })).error).toBe('client-certificate-required');
    expect(sim.run(tcp()).error).toBe('no-filter-chain');
  });

  it('accepts Istio mTLS on the TCP port', () => {
    expect(sim.run(tcp({ tls: mtlsTcp }))).toMatchObject({
      filterChain: '0.0.0.0_9090',
      network: 'tcp',
      clusters: [{ name: 'inbound|9090||', weight: 1 }],
    });
  });

  it('requires mTLS on undeclared ports too (passthrough chains)', () => {
    expect(sim.run({ port: 7000, capture: 'inbound', protocol: 'tcp' }).error).toBe('no-filter-chain');
    expect(sim.run({ port: 7000, capture: 'inbound', protocol: 'tcp', tls: mtlsTcp })).toMatchObject({
      filterChain: 'virtualInbound',
      clusters: [{ name: 'InboundPassthroughCluster', weight: 1 }],
    });
  });

  it('drops connections to the inbound capture port itself', () => {
    expect(sim.run({ port: 15006, capture: 'inbound', protocol: 'tcp' })).toMatchObject({
      filterChain: 'virtualInbound-blackhole',
      clusters: [{ name: 'BlackHoleCluster', weight: 1 }],
    });
  });
});

describe('PERMISSIVE', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('inbound-mtls-permissive'));
  });

  it('accepts both mTLS and plaintext HTTP', () => {
    expect(sim.run(http({ tls: mtls }))).toMatchObject({
      tlsCertificates: ['default'],
      clusters: [{ name: 'inbound|9080||' }],
    });
    const plain = sim.run(http());
    expect(plain).toMatchObject({ filterChain: '0.0.0.0_9080', clusters: [{ name: 'inbound|9080||' }] });
    expect(plain.tlsCertificates).toBeUndefined();
  });

  it('accepts plaintext TCP and passes one-way TLS from a client without sidecar through untouched', () => {
    expect(sim.run(tcp()).clusters).toEqual([{ name: 'inbound|9090||', weight: 1 }]);
    const oneWay = sim.run(tcp({ tls: { sni: 'reviews-admin' } }));
    expect(oneWay).toMatchObject({ network: 'tcp', clusters: [{ name: 'inbound|9090||' }] });
    expect(oneWay.tlsCertificates).toBeUndefined();
  });

  it('passes plaintext HTTP to an undeclared port to InboundPassthroughCluster', () => {
    expect(sim.run({ port: 8000, capture: 'inbound', authority: 'x', path: '/' })).toMatchObject({
      filterChain: 'virtualInbound-catchall-http',
      network: 'http',
      clusters: [{ name: 'InboundPassthroughCluster', weight: 1 }],
    });
  });
});

describe('DISABLE', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('inbound-mtls-disable'));
  });

  it('accepts plaintext only', () => {
    expect(sim.run(http()).clusters).toEqual([{ name: 'inbound|9080||', weight: 1 }]);
    // Without a TLS chain the handshake reaches the HTTP codec, which cannot read it.
    expect(sim.run(http({ tls: mtls })).error).toBe('tls-not-terminated');
    expect(sim.run(tcp()).clusters).toEqual([{ name: 'inbound|9090||', weight: 1 }]);
  });
});

describe('STRICT with a port-level DISABLE', () => {
  it('accepts plaintext on the port-level port and only mTLS on the others', async () => {
    const sim = await simulationFor(scenarioNamed('inbound-mtls-port-level'));
    expect(sim.run(tcp()).clusters).toEqual([{ name: 'inbound|9090||', weight: 1 }]);
    expect(sim.run(http()).error).toBe('no-filter-chain');
    expect(sim.run(http({ tls: mtls })).clusters).toEqual([{ name: 'inbound|9080||', weight: 1 }]);
  });
});
