/**
 * VirtualService delegation, simulated over the generated LDS/RDS/CDS: requests matching a root
 * route and a delegate route reach the delegate's destination; requests the root route matches
 * but no delegate route does fall through to the root's next routes (here none: 404), and so do
 * requests for a root route whose delegate does not exist. Scenario: Bookinfo plus
 * testdata/listeners/delegation.yaml.
 */
import type { ListenerScenario } from '../testing/listener-scenarios';
import { ingressGatewayProxy, productpageProxy } from '../testing/listener-scenarios';
import { simulationFor } from '../testing/simulate';
import type { Simulation } from './simulator';

const sources = {
  corpus: ['bookinfo/platform/kube/bookinfo.yaml', 'bookinfo/networking/destination-rule-all.yaml'],
  testdata: ['listeners/bookinfo-endpoints.yaml', 'listeners/delegation.yaml'],
};
const reviews = (subset: string) => `outbound|9080|${subset}|reviews.default.svc.cluster.local`;

describe('delegation at the ingress gateway', () => {
  let sim: Simulation;
  beforeAll(async () => {
    const scenario: ListenerScenario = { name: 'delegation-gateway', sources, proxy: ingressGatewayProxy };
    sim = await simulationFor(scenario);
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    sim.run({ port: 8080, authority: 'shop.example.com', path, headers });

  it('sends a request matching the root and a delegate route to the delegate destination, with the root timeout', () => {
    const result = get('/reviews/v2/1');
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({
      routeConfiguration: 'http.8080',
      route: 'reviews-v2',
      clusters: [{ name: reviews('v2'), weight: 1 }],
      timeoutMs: 3000,
    });
  });

  it("ANDs the root's uri prefix with a delegate route that only matches a header", () => {
    expect(get('/reviews/1', { 'end-user': 'jason' })).toMatchObject({
      route: 'reviews-jason',
      clusters: [{ name: reviews('v3'), weight: 1 }],
    });
    // The header alone is not enough: the root's /reviews must match too.
    expect(get('/details/1', { 'end-user': 'jason' }).error).toBe('no-route');
  });

  it("keeps the delegate route's own timeout over the root's", () => {
    expect(get('/reviews/1')).toMatchObject({
      route: 'reviews-rest',
      clusters: [{ name: reviews('v1'), weight: 1 }],
      timeoutMs: 1000,
    });
  });

  it('drops a delegate route that is not under the root match', () => {
    // /ratings is neither the root's /reviews nor served by the missing ratings delegate: 404.
    expect(get('/ratings/1').error).toBe('no-route');
  });

  it('keeps the root routes around the delegating ones', () => {
    expect(get('/productpage')).toMatchObject({
      clusters: [{ name: 'outbound|9080||productpage.default.svc.cluster.local', weight: 1 }],
    });
    expect(get('/other').error).toBe('no-route');
  });
});

describe('delegation for a sidecar (mesh root)', () => {
  let sim: Simulation;
  beforeAll(async () => {
    const scenario: ListenerScenario = { name: 'delegation-sidecar', sources, proxy: productpageProxy };
    sim = await simulationFor(scenario);
  });
  const call = (path: string, headers: Record<string, string> = {}) =>
    sim.run({ port: 9080, capture: 'outbound', authority: 'reviews:9080', path, headers });

  it("routes jason's requests by the delegate's rules", () => {
    expect(call('/reviews/2', { 'end-user': 'jason' }).clusters).toEqual([{ name: reviews('v2'), weight: 1 }]);
    expect(call('/reviews/1', { 'end-user': 'jason' }).clusters).toEqual([{ name: reviews('v3'), weight: 1 }]);
  });

  it("sends everyone else to the root's next route", () => {
    expect(call('/reviews/2').clusters).toEqual([{ name: reviews('v1'), weight: 1 }]);
  });

  it('does not apply a delegate on its own: its hosts-less rules make no virtual host', () => {
    // ratings has no VirtualService: the default route, whatever the delegates say.
    const result = sim.run({ port: 9080, capture: 'outbound', authority: 'ratings:9080', path: '/reviews/2' });
    expect(result.clusters).toEqual([{ name: 'outbound|9080||ratings.default.svc.cluster.local', weight: 1 }]);
  });
});
