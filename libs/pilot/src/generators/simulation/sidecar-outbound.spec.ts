/**
 * Outbound traffic from a sidecar, simulated over the LDS/RDS/CDS it is served: Bookinfo with
 * Istio's own sample VirtualServices, TCP/TLS/sniffed services, and REGISTRY_ONLY.
 */
import { FractionalPercent_DenominatorType } from '@mesh/xds/generated/envoy/type/v3/percent';
import { scenarioNamed } from '../testing/listener-scenarios';
import { simulationFor } from '../testing/simulate';
import type { Simulation } from './simulator';

const reviews = (subset: string) => `outbound|9080|${subset}|reviews.default.svc.cluster.local`;
const get = (authority: string, path = '/', headers: Record<string, string> = {}) =>
  ({ port: 9080, capture: 'outbound', authority, path, headers }) as const;

describe('Bookinfo: virtual-service-all-v1 from productpage', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('bookinfo-all-v1'));
  });

  it.each([
    'reviews:9080',
    'reviews',
    'reviews.default:9080',
    'reviews.default.svc:9080',
    'reviews.default.svc.cluster.local:9080',
  ])('GET %s reaches reviews v1 through 0.0.0.0_9080 and route 9080', (authority) => {
    const result = sim.run(get(authority, '/reviews/0'));
    expect(result).toMatchObject({
      listener: '0.0.0.0_9080',
      network: 'http',
      routeConfiguration: '9080',
      virtualHost: 'reviews.default.svc.cluster.local:9080',
      clusters: [{ name: reviews('v1'), weight: 1 }],
    });
    expect(result.error).toBeUndefined();
  });

  it('applies Istio default retries (2 attempts, 503 retriable) and no timeout', () => {
    const result = sim.run(get('ratings:9080'));
    expect(result.clusters).toEqual([{ name: 'outbound|9080|v1|ratings.default.svc.cluster.local', weight: 1 }]);
    expect(result.retryPolicy).toMatchObject({
      numRetries: 2,
      retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      retriableStatusCodes: [503],
    });
    expect(result.timeoutMs).toBe(0);
  });

  it('runs fault, CORS and router filters, router last', () => {
    expect(sim.run(get('details:9080')).httpFilters).toEqual([
      'envoy.filters.http.fault',
      'envoy.filters.http.cors',
      'envoy.filters.http.router',
    ]);
  });

  it('passes an unknown host through (ALLOW_ANY)', () => {
    expect(sim.run(get('www.example.com:9080'))).toMatchObject({
      virtualHost: 'allow_any',
      clusters: [{ name: 'PassthroughCluster', weight: 1 }],
    });
  });

  it('passes non-HTTP traffic on an HTTP port through', () => {
    expect(sim.run({ port: 9080, capture: 'outbound', protocol: 'tcp' })).toMatchObject({
      listener: '0.0.0.0_9080',
      filterChain: 'PassthroughFilterChain',
      network: 'tcp',
      clusters: [{ name: 'PassthroughCluster', weight: 1 }],
    });
  });

  it('hands a port no listener has to virtualOutbound, which passes it through', () => {
    expect(sim.run({ port: 5555, address: '10.9.9.9', capture: 'outbound', protocol: 'tcp' })).toMatchObject({
      listener: 'virtualOutbound',
      filterChain: 'PassthroughFilterChain',
      clusters: [{ name: 'PassthroughCluster', weight: 1 }],
    });
  });

  it('drops connections addressed to the capture port itself', () => {
    expect(sim.run({ port: 15001, capture: 'outbound', protocol: 'tcp' })).toMatchObject({
      listener: 'virtualOutbound',
      filterChain: 'virtualOutbound-blackhole',
      clusters: [{ name: 'BlackHoleCluster', weight: 1 }],
    });
  });
});

describe('Bookinfo: reviews 80/20', () => {
  it('splits reviews between v1 (80) and v2 (20)', async () => {
    const sim = await simulationFor(scenarioNamed('bookinfo-reviews-80-20'));
    expect(sim.run(get('reviews:9080')).clusters).toEqual([
      { name: reviews('v1'), weight: 80 },
      { name: reviews('v2'), weight: 20 },
    ]);
  });
});

describe('Bookinfo: reviews jason → v2, others → v3', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('bookinfo-jason-v2-v3'));
  });

  it('sends end-user: jason to v2', () => {
    expect(sim.run(get('reviews:9080', '/reviews/0', { 'end-user': 'jason' })).clusters).toEqual([
      { name: reviews('v2'), weight: 1 },
    ]);
  });

  it.each<Record<string, string>>([{}, { 'end-user': 'bob' }, { 'end-user': 'Jason' }])('sends %j to v3', (headers) => {
    expect(sim.run(get('reviews:9080', '/reviews/0', headers)).clusters).toEqual([{ name: reviews('v3'), weight: 1 }]);
  });
});

describe('Bookinfo: fault injection samples', () => {
  it('aborts every call to details with 555', async () => {
    const sim = await simulationFor(scenarioNamed('bookinfo-fault-injection'));
    const result = sim.run(get('details:9080', '/details/0'));
    expect(result.clusters).toEqual([{ name: 'outbound|9080|v1|details.default.svc.cluster.local', weight: 1 }]);
    expect(result.fault?.abort).toMatchObject({
      httpStatus: 555,
      percentage: { numerator: 1_000_000, denominator: FractionalPercent_DenominatorType.MILLION },
    });
    expect(result.fault?.delay).toBeUndefined();
  });

  it('aborts ratings calls for jason with 500, not for others (seen from reviews)', async () => {
    const sim = await simulationFor(scenarioNamed('bookinfo-ratings-test-abort'));
    const jason = sim.run(get('ratings:9080', '/ratings/0', { 'end-user': 'jason' }));
    expect(jason.fault?.abort).toMatchObject({ httpStatus: 500, percentage: { numerator: 1_000_000 } });
    expect(jason.clusters).toEqual([{ name: 'outbound|9080|v1|ratings.default.svc.cluster.local', weight: 1 }]);
    expect(sim.run(get('ratings:9080', '/ratings/0')).fault).toBeUndefined();
  });

  it('delays ratings calls for jason by 7s', async () => {
    const sim = await simulationFor(scenarioNamed('bookinfo-ratings-test-delay'));
    const jason = sim.run(get('ratings:9080', '/ratings/0', { 'end-user': 'jason' }));
    expect(jason.fault?.delay).toMatchObject({
      fixedDelay: { seconds: 7, nanos: 0 },
      percentage: { numerator: 1_000_000 },
    });
    expect(sim.run(get('ratings:9080', '/ratings/0', { 'end-user': 'bob' })).fault).toBeUndefined();
  });
});

describe('TCP, TLS and sniffed services from a sidecar', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('sidecar-tcp-tls'));
  });

  it('splits TCP to the database VIP 70/30 by the tcp route', () => {
    expect(sim.run({ port: 3306, address: '10.5.0.1', capture: 'outbound', protocol: 'tcp' })).toMatchObject({
      listener: '10.5.0.1_3306',
      network: 'tcp',
      clusters: [
        { name: 'outbound|3306|v1|mysql.db.internal', weight: 70 },
        { name: 'outbound|3306|v2|mysql.db.internal', weight: 30 },
      ],
    });
  });

  it('routes TLS by SNI: the tls route, a service without one, anything else passes through', () => {
    const tls = (sni: string) =>
      sim.run({ port: 443, address: '93.184.216.34', capture: 'outbound', protocol: 'tcp', tls: { sni } });
    expect(tls('api.example.com')).toMatchObject({
      listener: '0.0.0.0_443',
      clusters: [{ name: 'outbound|443||api.example.com', weight: 1 }],
    });
    expect(tls('secure.example.org').clusters).toEqual([{ name: 'outbound|443||secure.example.org', weight: 1 }]);
    expect(tls('other.example.net')).toMatchObject({
      filterChain: 'PassthroughFilterChain',
      clusters: [{ name: 'PassthroughCluster', weight: 1 }],
    });
  });

  it('sniffs a port without protocol: HTTP by its own route configuration, the rest as TCP', () => {
    const http = sim.run({ port: 7070, address: '10.96.0.30', capture: 'outbound', authority: 'anything', path: '/' });
    expect(http).toMatchObject({
      listener: '10.96.0.30_7070',
      network: 'http',
      routeConfiguration: 'legacy.default.svc.cluster.local:7070',
      clusters: [{ name: 'outbound|7070||legacy.default.svc.cluster.local', weight: 1 }],
    });
    expect(sim.run({ port: 7070, address: '10.96.0.30', capture: 'outbound', protocol: 'tcp' })).toMatchObject({
      listener: '10.96.0.30_7070',
      network: 'tcp',
      clusters: [{ name: 'outbound|7070||legacy.default.svc.cluster.local', weight: 1 }],
    });
  });
});

describe('Sidecar with REGISTRY_ONLY and a narrowed egress listener', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('sidecar-registry-only'));
  });

  it('reaches the one host the 9080 egress listener names', () => {
    expect(sim.run(get('reviews:9080')).clusters).toEqual([
      { name: 'outbound|9080||reviews.default.svc.cluster.local', weight: 1 },
    ]);
  });

  it.each(['ratings:9080', 'www.example.com:9080'])('answers %s with 502 from block_all', (authority) => {
    expect(sim.run(get(authority))).toMatchObject({ virtualHost: 'block_all', directResponse: { status: 502 } });
  });

  it('drops unknown TCP destinations into BlackHoleCluster', () => {
    expect(sim.run({ port: 5555, address: '10.9.9.9', capture: 'outbound', protocol: 'tcp' })).toMatchObject({
      listener: 'virtualOutbound',
      clusters: [{ name: 'BlackHoleCluster', weight: 1 }],
    });
  });

  it('accepts inbound traffic on the Sidecar ingress listener port', () => {
    expect(sim.run({ port: 9080, capture: 'inbound', authority: 'productpage:9080' })).toMatchObject({
      listener: 'virtualInbound',
      filterChain: '0.0.0.0_9080',
      clusters: [{ name: 'inbound|9080||', weight: 1 }],
    });
  });
});
