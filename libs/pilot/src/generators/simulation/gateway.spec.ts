/**
 * Traffic into the ingress gateway, simulated over the LDS/RDS/CDS the router is served: Istio's
 * bookinfo-gateway sample, and a gateway with HTTPS SIMPLE/MUTUAL, passthrough, TCP and an
 * HTTP→HTTPS redirect.
 */
import { scenarioNamed } from '../testing/listener-scenarios';
import { simulationFor } from '../testing/simulate';
import type { Simulation } from './simulator';

const productpage = 'outbound|9080||productpage.default.svc.cluster.local';

describe('bookinfo-gateway (Istio sample)', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('bookinfo-gateway'));
  });

  it.each([
    ['GET', '/productpage'],
    ['GET', '/static/bootstrap.css'],
    ['POST', '/login'],
    ['GET', '/api/v1/products/1/reviews'],
  ])('%s %s on port 8080 reaches productpage, whatever the host', (method, path) => {
    const result = sim.run({ port: 8080, authority: '192.168.1.10:8080', method, path });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({
      listener: '0.0.0.0_8080',
      routeConfiguration: 'http.8080',
      virtualHost: '*:8080',
      clusters: [{ name: productpage, weight: 1 }],
    });
  });

  it('answers paths the VirtualService does not route with no route (404)', () => {
    expect(sim.run({ port: 8080, authority: 'bookinfo', path: '/admin' })).toMatchObject({ error: 'no-route' });
    expect(sim.run({ port: 8080, authority: 'bookinfo', path: '/productpage/extra' })).toMatchObject({
      error: 'no-route',
    });
  });

  it('has no listener on a port no server declares', () => {
    expect(sim.run({ port: 80, authority: 'bookinfo' }).error).toBe('no-listener');
  });
});

describe('secure gateway', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('gateway-tls'));
  });

  it('redirects plain HTTP to HTTPS for the servers with httpsRedirect', () => {
    expect(sim.run({ port: 80, authority: 'bookinfo.example.com', path: '/productpage' })).toMatchObject({
      routeConfiguration: 'http.80',
      redirect: { scheme: 'https', responseCode: 301 },
    });
  });

  it('terminates HTTPS SIMPLE with the credentialName certificate and routes by the server route', () => {
    const result = sim.run({
      port: 443,
      tls: { sni: 'bookinfo.example.com', alpn: ['h2', 'http/1.1'] },
      authority: 'bookinfo.example.com',
      path: '/productpage',
    });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({
      listener: '0.0.0.0_443',
      tlsCertificates: ['kubernetes://bookinfo-cred'],
      routeConfiguration: 'https.443.https-bookinfo.secure-gateway.default',
      clusters: [{ name: productpage, weight: 1 }],
    });
  });

  it('requires a client certificate on the MUTUAL server', () => {
    const request = { port: 443, authority: 'httpbin.example.com', path: '/headers' } as const;
    expect(sim.run({ ...request, tls: { sni: 'httpbin.example.com' } }).error).toBe('client-certificate-required');
    const withCert = sim.run({ ...request, tls: { sni: 'httpbin.example.com', clientCertificate: true } });
    expect(withCert.error).toBeUndefined();
    expect(withCert).toMatchObject({
      tlsCertificates: ['kubernetes://httpbin-cred'],
      routeConfiguration: 'https.443.https-httpbin.secure-gateway.default',
      clusters: [{ name: 'outbound|8000||httpbin.default.svc.cluster.local', weight: 1 }],
    });
  });

  it('refuses TLS for a name no server has, and plaintext on the TLS port', () => {
    expect(sim.run({ port: 443, tls: { sni: 'unknown.example.com' }, authority: 'x' }).error).toBe('no-filter-chain');
    expect(sim.run({ port: 443, authority: 'bookinfo.example.com' }).error).toBe('no-filter-chain');
  });

  it('passes TLS through by SNI to the tls route destination', () => {
    const result = sim.run({ port: 8443, protocol: 'tcp', tls: { sni: 'nginx.example.com' } });
    expect(result.tlsCertificates).toBeUndefined(); // not terminated here
    expect(result).toMatchObject({
      listener: '0.0.0.0_8443',
      network: 'tcp',
      clusters: [{ name: 'outbound|443||nginx.default.svc.cluster.local', weight: 1 }],
    });
    expect(sim.run({ port: 8443, protocol: 'tcp', tls: { sni: 'other.example.com' } }).error).toBe('no-filter-chain');
  });

  it('splits the TCP server 80/20 by its tcp route', () => {
    expect(sim.run({ port: 31400, protocol: 'tcp' })).toMatchObject({
      network: 'tcp',
      clusters: [
        { name: 'outbound|9000|v1|tcp-echo.default.svc.cluster.local', weight: 80 },
        { name: 'outbound|9000|v2|tcp-echo.default.svc.cluster.local', weight: 20 },
      ],
    });
  });
});
