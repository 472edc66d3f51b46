import { make } from '../../testdata/fixtures';
import { meshOf, proxyIn } from '../../testdata/contexts';
import { PushContext } from '../push-context';
import { resolveGatewayName, resolveVirtualService, virtualServiceDestinations } from './virtual-services';

describe('resolveGatewayName', () => {
  it.each([
    ['mesh', 'mesh'],
    ['my-gateway', 'apps/my-gateway'],
    ['edge/public', 'edge/public'],
    ['./local', 'apps/local'],
    ['legacy.edge.svc.cluster.local', 'edge/legacy'],
  ])('%s written in namespace apps is %s', (reference, expected) => {
    expect(resolveGatewayName(reference, 'apps')).toBe(expected);
  });
});

describe('resolveVirtualService', () => {
  it('resolves hosts, gateways and every destination against the VirtualService namespace', () => {
    const vs = make('VirtualService', 'apps', 'web', {
      hosts: ['web', 'web.example.com', '*'],
      gateways: ['mesh', 'edge-gw'],
      http: [
        {
          match: [{ uri: { prefix: '/api' }, gateways: ['edge-gw'] }],
          route: [{ destination: { host: 'api', port: { number: 80 } }, weight: 100 }],
          mirror: { host: 'shadow' },
          mirrors: [{ destination: { host: 'shadow2.other.svc.cluster.local' } }],
        },
      ],
      tcp: [{ route: [{ destination: { host: 'db' } }] }],
      tls: [{ match: [{ sniHosts: ['web.example.com'] }], route: [{ destination: { host: 'web' } }] }],
    });
    const resolved = resolveVirtualService(vs, 'cluster.local');
    expect(resolved.name).toBe('web');
    expect(resolved.spec).toEqual({
      hosts: ['web.apps.svc.cluster.local', 'web.example.com', '*'],
      gateways: ['mesh', 'apps/edge-gw'],
      http: [
        {
          match: [{ uri: { prefix: '/api' }, gateways: ['apps/edge-gw'] }],
          route: [{ destination: { host: 'api.apps.svc.cluster.local', port: { number: 80 } }, weight: 100 }],
          mirror: { host: 'shadow.apps.svc.cluster.local' },
          mirrors: [{ destination: { host: 'shadow2.other.svc.cluster.local' } }],
        },
      ],
      tcp: [{ route: [{ destination: { host: 'db.apps.svc.cluster.local' } }] }],
      tls: [
        {
          match: [{ sniHosts: ['web.example.com'] }],
          route: [{ destination: { host: 'web.apps.svc.cluster.local' } }],
        },
      ],
    });
    // the input is left alone
    expect(vs.spec.hosts).toEqual(['web', 'web.example.com', '*']);
    expect([...virtualServiceDestinations(resolved.spec).entries()]).toEqual([
      ['api.apps.svc.cluster.local', new Set([80])],
      ['shadow.apps.svc.cluster.local', new Set()],
      ['shadow2.other.svc.cluster.local', new Set()],
      ['db.apps.svc.cluster.local', new Set()],
      ['web.apps.svc.cluster.local', new Set()],
    ]);
  });

  it('leaves out destinations of rules meant for another source namespace', () => {
    const spec = resolveVirtualService(
      make('VirtualService', 'apps', 'web', {
        hosts: ['web'],
        http: [
          { match: [{ sourceNamespace: 'canary' }], route: [{ destination: { host: 'web-canary' } }] },
          { route: [{ destination: { host: 'web' } }] },
        ],
      }),
      'cluster.local',
    ).spec;
    expect([...virtualServiceDestinations(spec, 'apps').keys()]).toEqual(['web.apps.svc.cluster.local']);
    expect([...virtualServiceDestinations(spec, 'canary').keys()]).toEqual([
      'web-canary.apps.svc.cluster.local',
      'web.apps.svc.cluster.local',
    ]);
  });
});

describe('VirtualServices by gateway', () => {
  const gateway = (namespace: string, name: string, selector: Record<string, string>) =>
    make('Gateway', namespace, name, {
      selector,
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
    });
  const vs = (namespace: string, name: string, gateways: string[] | undefined, exportTo?: string[]) =>
    make('VirtualService', namespace, name, {
      hosts: [`${name}.example.com`],
      ...(gateways ? { gateways } : {}),
      ...(exportTo ? { exportTo } : {}),
      http: [{ route: [{ destination: { host: name } }] }],
    });

  const configs = [
    gateway('edge', 'public', { istio: 'ingressgateway' }),
    gateway('apps', 'internal', { istio: 'internal-gateway' }),
    vs('apps', 'shop', ['edge/public']),
    vs('apps', 'admin', ['internal']),
    vs('apps', 'both', ['mesh', 'edge/public']),
    vs('apps', 'mesh-only', undefined),
    vs('apps', 'private', ['edge/public'], ['.']),
    vs('apps', 'to-edge', ['edge/public'], ['edge']),
  ];
  const { context } = meshOf(configs);

  it('binds gateway VirtualServices to the routers whose Gateways select them', () => {
    const edgeRouter = proxyIn('edge', { istio: 'ingressgateway' }, 'router');
    expect(context.gatewaysFor(edgeRouter).map((g) => g.name)).toEqual(['public']);
    // `private` is exported to apps only: a router in edge does not see it.
    expect(context.virtualServicesFor(edgeRouter).map((v) => v.name)).toEqual(['both', 'shop', 'to-edge']);

    const internalRouter = proxyIn('apps', { istio: 'internal-gateway' }, 'router');
    expect(context.gatewaysFor(internalRouter).map((g) => g.name)).toEqual(['internal']);
    // the short gateway name `internal` resolved to apps/internal
    expect(context.virtualServicesFor(internalRouter).map((v) => v.name)).toEqual(['admin']);
    // A router in apps asking explicitly for edge/public sees the private one.
    expect(context.virtualServicesFor(internalRouter, ['edge/public']).map((v) => v.name)).toEqual([
      'both',
      'private',
      'shop',
    ]);
  });

  it('gives sidecars only the mesh-bound VirtualServices', () => {
    expect(context.virtualServicesFor(proxyIn('apps')).map((v) => v.name)).toEqual(['both', 'mesh-only']);
    expect(context.virtualServicesFor(proxyIn('anywhere')).map((v) => v.name)).toEqual(['both', 'mesh-only']);
  });

  it('scopes Gateways to the router namespace when asked to', () => {
    const scoped = meshOf(configs);
    const router = proxyIn('apps', { istio: 'ingressgateway' }, 'router');
    expect(scoped.context.gatewaysFor(router).map((g) => g.name)).toEqual(['public']);
    const namespaced = PushContext.build({
      config: scoped.snapshot,
      discovery: scoped.registry,
      mesh: scoped.context.mesh,
      version: 'v1',
      scopeGatewayToNamespace: true,
    });
    expect(namespaced.gatewaysFor(router)).toEqual([]);
  });
});
