/**
 * Delegation in the PushContext: which delegate a root's route resolves to (namespace defaulting
 * to the root's), exportTo, missing delegates, one level only, the sidecar scope's dependencies
 * and a delegate change through PushContext.update.
 */
import { defaultMeshConfig, type HTTPRoute, type MeshConfig, type VirtualServiceSpec } from '@mesh/config-model';
import { make } from '../../testdata/fixtures';
import { meshOf, proxyIn } from '../../testdata/contexts';
import { PushContext } from '../push-context';
import { pushRequest } from '../push-request';

const service = (namespace: string, name: string) =>
  make('Service', namespace, name, { clusterIP: '10.96.0.1', ports: [{ name: 'http', port: 80 }] });
const vs = (namespace: string, name: string, spec: VirtualServiceSpec) => make('VirtualService', namespace, name, spec);
const hostsOf = (routes: readonly HTTPRoute[] | undefined) =>
  (routes ?? []).map((r) => r.route?.[0].destination.host ?? `directResponse:${r.directResponse?.status}`);

const SHOP = 'shop.edge.svc.cluster.local';
const services = [
  service('edge', 'shop'),
  service('edge', 'frontend'),
  service('team', 'cart'),
  service('team', 'cart-v2'),
  service('edge', 'cart'),
];

/** Root in `edge` for host `shop`: /cart → team/cart-routes, /local → local-routes (same namespace), rest → frontend. */
const root = vs('edge', 'shop', {
  hosts: ['shop'],
  http: [
    {
      name: 'cart',
      match: [{ uri: { prefix: '/cart' } }],
      delegate: { name: 'cart-routes', namespace: 'team' },
      timeout: '2s',
    },
    { match: [{ uri: { prefix: '/local' } }], delegate: { name: 'local-routes' } },
    { route: [{ destination: { host: 'frontend' } }] },
  ],
});
const cartRoutes = (exportTo?: string[]) =>
  vs('team', 'cart-routes', {
    ...(exportTo ? { exportTo } : {}),
    http: [
      { name: 'v2', match: [{ uri: { prefix: '/cart/v2' } }], route: [{ destination: { host: 'cart-v2' } }] },
      { match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'cart' } }] },
      { route: [{ destination: { host: 'cart' } }], timeout: '9s' },
    ],
  });
const localRoutes = vs('edge', 'local-routes', { http: [{ directResponse: { status: 204 } }] });

function rootRoutes(context: PushContext, namespace = 'edge'): readonly HTTPRoute[] {
  const found = context.virtualServicesFor(proxyIn(namespace)).find((v) => v.name === 'shop');
  if (!found) throw new Error('root VirtualService not applied');
  return found.spec.http ?? [];
}

describe('delegation in the PushContext', () => {
  it('splices the delegate routes in at the delegating route, merged with it, short names of each in its own namespace', () => {
    const { context } = meshOf([...services, root, cartRoutes(), localRoutes]);
    const routes = rootRoutes(context);
    expect(hostsOf(routes)).toEqual([
      'cart-v2.team.svc.cluster.local',
      // the /admin route is not under /cart: dropped
      'cart.team.svc.cluster.local',
      'directResponse:204',
      'frontend.edge.svc.cluster.local',
    ]);
    expect(routes[0]).toMatchObject({ name: 'cart-v2', match: [{ uri: { prefix: '/cart/v2' } }], timeout: '2s' });
    expect(routes[1]).toMatchObject({ name: 'cart', match: [{ uri: { prefix: '/cart' } }], timeout: '9s' });
    expect(routes[2]).toMatchObject({ match: [{ uri: { prefix: '/local' } }] });
    expect(routes.some((r) => r.delegate)).toBe(false);
    expect(context.delegationProblems()).toEqual([
      {
        reason: 'route-conflict',
        root: 'VirtualService/edge/shop',
        rootRoute: 0,
        delegate: 'VirtualService/team/cart-routes',
        delegateRoute: 1,
      },
    ]);
  });

  it('does not apply a delegate on its own', () => {
    const { context } = meshOf([...services, root, cartRoutes(), localRoutes]);
    expect(context.virtualServices().map((v) => v.name)).toEqual(['shop']);
    expect(context.delegateVirtualServices().map((v) => `${v.namespace}/${v.name}`)).toEqual([
      'team/cart-routes',
      'edge/local-routes',
    ]);
    expect(context.virtualServicesFor(proxyIn('team')).map((v) => v.name)).toEqual(['shop']);
  });

  it('drops the delegating route when the delegate is missing, keeping the other routes', () => {
    const { context } = meshOf([...services, root, localRoutes]);
    expect(hostsOf(rootRoutes(context))).toEqual(['directResponse:204', 'frontend.edge.svc.cluster.local']);
    expect(context.delegationProblems()).toEqual([
      {
        reason: 'delegate-not-found',
        root: 'VirtualService/edge/shop',
        rootRoute: 0,
        delegate: 'VirtualService/team/cart-routes',
      },
    ]);
  });

  it('only uses a delegate exported to the root namespace', () => {
    const hidden = meshOf([...services, root, cartRoutes(['.']), localRoutes]).context;
    expect(hostsOf(rootRoutes(hidden))).toEqual(['directResponse:204', 'frontend.edge.svc.cluster.local']);
    expect(hidden.delegationProblems().map((p) => p.reason)).toEqual(['delegate-not-exported']);

    const exported = meshOf([...services, root, cartRoutes(['edge']), localRoutes]).context;
    expect(hostsOf(rootRoutes(exported))).toHaveLength(4);

    // No exportTo: the mesh default, here "own namespace only".
    const mesh: MeshConfig = { ...defaultMeshConfig(), defaultVirtualServiceExportTo: ['.'] };
    const byDefault = meshOf([...services, root, cartRoutes(), localRoutes], mesh).context;
    expect(byDefault.delegationProblems().map((p) => p.reason)).toEqual(['delegate-not-exported']);
    expect(hostsOf(rootRoutes(byDefault))).toEqual(['directResponse:204', 'frontend.edge.svc.cluster.local']);
  });

  it('only looks for delegates among VirtualServices without hosts, and only one level deep', () => {
    const notADelegate = vs('team', 'cart-routes', {
      hosts: ['cart'],
      http: [{ route: [{ destination: { host: 'cart' } }] }],
    });
    const { context } = meshOf([...services, root, notADelegate, localRoutes]);
    expect(context.delegationProblems()[0]).toMatchObject({ reason: 'delegate-not-found' });

    const twoLevels = vs('team', 'cart-routes', {
      http: [
        { match: [{ uri: { prefix: '/cart/deep' } }], delegate: { name: 'deeper' } },
        { route: [{ destination: { host: 'cart' } }] },
      ],
    });
    const deeper = vs('team', 'deeper', { http: [{ route: [{ destination: { host: 'cart-v2' } }] }] });
    const nested = meshOf([...services, root, twoLevels, deeper, localRoutes]).context;
    expect(hostsOf(rootRoutes(nested))).toEqual([
      'cart.team.svc.cluster.local',
      'directResponse:204',
      'frontend.edge.svc.cluster.local',
    ]);
  });

  it('puts the delegate destinations in the sidecar scope, and the delegates among its dependencies', () => {
    const { context } = meshOf([...services, root, cartRoutes(), localRoutes]);
    const proxy = proxyIn('edge');
    expect(context.servicesFor(proxy).map((s) => s.hostname)).toContain('cart-v2.team.svc.cluster.local');
    expect(context.proxyDependsOn(proxy, 'VirtualService/team/cart-routes')).toBe(true);
    expect(context.proxyDependsOn(proxy, 'VirtualService/edge/local-routes')).toBe(true);
    expect(context.proxyDependsOn(proxy, 'VirtualService/team/unrelated')).toBe(false);

    // A missing delegate is a dependency too: creating it must reach the root's proxies.
    const missing = meshOf([...services, root]).context;
    expect(missing.proxyDependsOn(proxy, 'VirtualService/team/cart-routes')).toBe(true);
  });

  it('tracks the delegates of a gateway root for the routers of that gateway', () => {
    const gateway = make('Gateway', 'edge', 'gw', {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
    });
    const gatewayRoot = vs('edge', 'public', {
      hosts: ['shop.example.com'],
      gateways: ['gw'],
      http: [{ delegate: { name: 'cart-routes', namespace: 'team' } }],
    });
    const { context } = meshOf([...services, gateway, gatewayRoot, cartRoutes()]);
    const router = proxyIn('edge', { istio: 'ingressgateway' }, 'router');
    expect(hostsOf(context.virtualServicesFor(router)[0].spec.http)).toEqual([
      'cart-v2.team.svc.cluster.local',
      'cart.team.svc.cluster.local',
      'cart.team.svc.cluster.local',
    ]);
    expect(context.proxyDependsOn(router, 'VirtualService/team/cart-routes')).toBe(true);
    expect(context.proxyDependsOn(router, 'VirtualService/team/other')).toBe(false);
  });

  it('rebuilds the root routes when only the delegate changed (PushContext.update)', () => {
    const { context, snapshot, registry } = meshOf([...services, root, cartRoutes(), localRoutes]);
    snapshot.put(vs('team', 'cart-routes', { http: [{ route: [{ destination: { host: 'cart-v2' } }] }] }));
    const next = PushContext.update(
      context,
      pushRequest({ reason: 'config', start: 0, configsUpdated: new Set(['VirtualService/team/cart-routes']) }),
      { config: snapshot, discovery: registry, mesh: defaultMeshConfig(), version: 'v2' },
    );
    expect(next.sharesIndex(context, 'virtualServices')).toBe(false);
    expect(hostsOf(rootRoutes(next))).toEqual([
      'cart-v2.team.svc.cluster.local',
      'directResponse:204',
      'frontend.edge.svc.cluster.local',
    ]);
    expect(rootRoutes(next)[0].match).toEqual([{ uri: { prefix: '/cart' } }]);
    expect(next.virtualServices()[0].spec.hosts).toEqual([SHOP]);
  });
});
