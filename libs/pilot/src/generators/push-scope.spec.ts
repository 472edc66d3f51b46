/**
 * Which types a full push regenerates, by the kinds of configs that changed (common/push-scope.ts),
 * and the sharing of a sidecar's outbound listeners between proxies that look alike.
 */
import { pushRequest, type PushRequest } from '@mesh/mesh-model';
import { TypeUrl } from '@mesh/xds';
import { generateClusters, generateEndpoints } from './cluster/testdata/generate';
import { scenarioPush, scenarioProxy } from './cluster/testdata/scenarios';
import { listenerGenerator } from './listener/lds-generator';
import { routeGenerator } from './route/rds-generator';
import { proxyOf } from './testing/scenario';

const changed = (...configs: string[]): PushRequest =>
  pushRequest({ reason: 'config', start: 0, full: true, configsUpdated: new Set(configs) });

const VS = 'VirtualService/default/reviews';
const DR = 'DestinationRule/default/reviews';
const PA = 'PeerAuthentication/default/default';
const AUTHZ = 'AuthorizationPolicy/default/deny-all';
const noWatch = (typeUrl: string) => ({ typeUrl, resourceNames: new Set<string>() });

describe('push scope by changed kinds', () => {
  const { scenario, push } = scenarioPush('bookinfo');
  const sidecar = scenarioProxy(scenario, 'productpage-sidecar');
  const gateway = scenarioPush('bookinfo-gateway');
  const router = scenarioProxy(gateway.scenario, 'ingress-gateway');

  it('skips a sidecar’s clusters and endpoints when only VirtualServices changed, not its routes', () => {
    expect(generateClusters(push, sidecar, [], changed(VS))).toEqual({ resources: [], noChange: true });
    expect(generateEndpoints(push, sidecar, [], changed(VS))).toEqual({ resources: [], noChange: true });
    const routes = routeGenerator.generate(sidecar, noWatch(TypeUrl.RouteConfiguration), push, changed(VS));
    expect(routes).not.toHaveProperty('noChange');
    expect((routes as { resources: unknown[] }).resources.length).toBeGreaterThan(0);
  });

  it('regenerates a router’s clusters on a VirtualService change (its clusters are the routes’ destinations)', () => {
    const result = generateClusters(gateway.push, router, [], changed(VS));
    expect(result.noChange).toBeUndefined();
    expect(result.resources.map((r) => r.name)).toContain('outbound|9080||productpage.default.svc.cluster.local');
  });

  it('regenerates a sidecar’s clusters on a VirtualService change when a Sidecar resource scopes it', () => {
    // A Sidecar's egress hosts import the destinations of the VirtualServices they select.
    const scoped = scenarioPush('sidecar-scope');
    const team = scenarioProxy(scoped.scenario, 'team-sidecar');
    expect(scoped.push.sidecarScopeFor(team).sidecar).toBeDefined();
    expect(generateClusters(scoped.push, team, [], changed('VirtualService/team/api')).noChange).toBeUndefined();
  });

  it('regenerates clusters when a DestinationRule is among the changes', () => {
    expect(generateClusters(push, sidecar, [], changed(VS, DR)).noChange).toBeUndefined();
  });

  it('skips routes, not clusters, when only mTLS or authorization policy changed', () => {
    expect(routeGenerator.generate(sidecar, noWatch(TypeUrl.RouteConfiguration), push, changed(PA, AUTHZ))).toEqual({
      resources: [],
      noChange: true,
    });
    expect(generateClusters(push, sidecar, [], changed(PA)).noChange).toBeUndefined();
  });

  it('regenerates everything when the push does not say what changed', () => {
    const unknown = pushRequest({ reason: 'global', start: 0, full: true });
    expect(generateClusters(push, sidecar, [], unknown).noChange).toBeUndefined();
    expect(routeGenerator.generate(sidecar, noWatch(TypeUrl.RouteConfiguration), push, unknown)).not.toHaveProperty(
      'noChange',
    );
  });
});

describe('sidecar listeners shared between alike proxies', () => {
  const { push } = scenarioPush('bookinfo');
  const listeners = (ip: string, pod: string) =>
    listenerGenerator.generate(
      proxyOf('default', pod, ip, { labels: { app: 'client' } }),
      noWatch(TypeUrl.Listener),
      push,
      changed(VS),
    ) as { resources: Array<{ name: string; resource: object }> };

  it('gives two proxies of one view the same outbound listener objects, built once', () => {
    const a = listeners('10.9.0.1', 'client-a');
    const b = listeners('10.9.0.2', 'client-b');
    expect(a.resources.map((r) => r.name)).toEqual(b.resources.map((r) => r.name));
    const outboundOf = (result: typeof a) => result.resources.filter((r) => r.name !== 'virtualInbound');
    const shared = outboundOf(a);
    expect(shared.length).toBeGreaterThan(1);
    outboundOf(b).forEach((resource, i) => expect(resource.resource).toBe(shared[i].resource));
  });

  it('shares inbound listeners between workloads serving the same ports, not with others', () => {
    const a = listeners('10.9.0.1', 'client-a').resources.find((r) => r.name === 'virtualInbound');
    const b = listeners('10.9.0.2', 'client-b').resources.find((r) => r.name === 'virtualInbound');
    expect(a).toBeDefined();
    expect(b!.resource).toBe(a!.resource);
    const { scenario } = scenarioPush('bookinfo');
    const productpage = scenarioProxy(scenario, 'productpage-sidecar');
    const own = (
      listenerGenerator.generate(productpage, noWatch(TypeUrl.Listener), push, changed(VS)) as {
        resources: Array<{ name: string; resource: object }>;
      }
    ).resources.find((r) => r.name === 'virtualInbound');
    expect(own!.resource).not.toBe(a!.resource);
  });
});
