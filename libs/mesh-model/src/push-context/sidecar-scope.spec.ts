import { defaultMeshConfig, type Config, type SidecarSpec } from '@mesh/config-model';
import { make } from '../../testdata/fixtures';
import { meshOf, proxyIn } from '../../testdata/contexts';

function kubeService(namespace: string, name: string, ports = [{ name: 'http', port: 9080 }], exportTo?: string) {
  return make(
    'Service',
    namespace,
    name,
    { clusterIP: '10.96.0.1', ports },
    { annotations: exportTo ? { 'networking.istio.io/exportTo': exportTo } : {} },
  );
}

const sidecar = (namespace: string, name: string, spec: SidecarSpec) => make('Sidecar', namespace, name, spec);

const services: Config[] = [
  kubeService('default', 'reviews'),
  kubeService('default', 'ratings'),
  kubeService('backend', 'api', [
    { name: 'http', port: 80 },
    { name: 'grpc', port: 9080 },
  ]),
  kubeService('backend', 'db', [{ name: 'tcp', port: 5432 }]),
  kubeService('backend', 'secret-api', [{ name: 'http', port: 80 }], '.'),
  kubeService('team', 'team-app'),
  kubeService('istio-system', 'istiod', [{ name: 'grpc', port: 15012 }]),
  make('ServiceEntry', 'egress', 'ext', {
    hosts: ['ext.example.com'],
    resolution: 'DNS',
    ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }],
  }),
];

const hostnames = (list: readonly { hostname: string }[]) => list.map((s) => s.hostname).sort();

describe('SidecarScope', () => {
  it('without any Sidecar: every service the namespace may see (exportTo applied), mesh outbound policy', () => {
    const { context } = meshOf(services);
    const scope = context.sidecarScopeFor(proxyIn('default'));
    expect(scope.sidecar).toBeUndefined();
    expect(hostnames(scope.services)).toEqual([
      'api.backend.svc.cluster.local',
      'db.backend.svc.cluster.local',
      'ext.example.com',
      'istiod.istio-system.svc.cluster.local',
      'ratings.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
      'team-app.team.svc.cluster.local',
    ]);
    // secret-api is exported to its own namespace only.
    expect(hostnames(context.sidecarScopeFor(proxyIn('backend')).services)).toContain(
      'secret-api.backend.svc.cluster.local',
    );
    expect(scope.outboundTrafficPolicy).toEqual({ mode: 'ALLOW_ANY' });
    const registryOnly = { ...defaultMeshConfig(), outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' as const } };
    expect(meshOf(services, registryOnly).context.sidecarScopeFor(proxyIn('default')).outboundTrafficPolicy.mode).toBe(
      'REGISTRY_ONLY',
    );
  });

  it("limits a namespace's sidecars to its Sidecar's egress hosts, adding destinations of selected VirtualServices", () => {
    const reviewsToApi = make('VirtualService', 'default', 'reviews', {
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'api.backend.svc.cluster.local' } }] }],
    });
    const apiVs = make('VirtualService', 'backend', 'api', {
      hosts: ['api'],
      http: [{ route: [{ destination: { host: 'api' } }] }],
    });
    const { context } = meshOf([
      ...services,
      reviewsToApi,
      apiVs,
      sidecar('default', 'default', { egress: [{ hosts: ['./*', 'istio-system/*'] }] }),
    ]);
    const proxy = proxyIn('default');
    const scope = context.sidecarScopeFor(proxy);
    expect(scope.sidecar?.name).toBe('default');
    expect(hostnames(scope.services)).toEqual([
      // brought in as the destination of the reviews VirtualService
      'api.backend.svc.cluster.local',
      'istiod.istio-system.svc.cluster.local',
      'ratings.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
    ]);
    expect(scope.virtualServices.map((vs) => `${vs.namespace}/${vs.name}`)).toEqual(['default/reviews']);
    expect(context.virtualServicesFor(proxy).map((vs) => vs.name)).toEqual(['reviews']);
    expect(context.servicesFor(proxy)).toBe(scope.services);
    // Other namespaces are not affected by default's Sidecar.
    expect(context.sidecarScopeFor(proxyIn('team')).services.length).toBe(7);
  });

  it('prefers a Sidecar whose workloadSelector matches the proxy, with its own outbound policy', () => {
    const { context } = meshOf([
      ...services,
      sidecar('default', 'default', { egress: [{ hosts: ['./*'] }] }),
      sidecar('default', 'special', {
        workloadSelector: { labels: { app: 'special' } },
        egress: [{ hosts: ['backend/db.backend.svc.cluster.local'] }],
        outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
        ingress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:8080' }],
      }),
    ]);
    const special = context.sidecarScopeFor(proxyIn('default', { app: 'special' }));
    expect(special.sidecar?.name).toBe('special');
    expect(hostnames(special.services)).toEqual(['db.backend.svc.cluster.local']);
    expect(special.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
    expect(special.ingressListeners).toHaveLength(1);
    const plain = context.sidecarScopeFor(proxyIn('default', { app: 'plain' }));
    expect(plain.sidecar?.name).toBe('default');
    expect(hostnames(plain.services)).toEqual([
      'ratings.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
    ]);
  });

  it("falls back to the root namespace's Sidecar, reading `.` as the proxy's own namespace", () => {
    const { context } = meshOf([
      ...services,
      sidecar('istio-system', 'default', { egress: [{ hosts: ['./*', 'istio-system/*'] }] }),
    ]);
    expect(hostnames(context.sidecarScopeFor(proxyIn('team')).services)).toEqual([
      'istiod.istio-system.svc.cluster.local',
      'team-app.team.svc.cluster.local',
    ]);
    expect(hostnames(context.sidecarScopeFor(proxyIn('default')).services)).toEqual([
      'istiod.istio-system.svc.cluster.local',
      'ratings.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
    ]);
    // Routers ignore Sidecars: their scope is everything visible.
    expect(context.sidecarScopeFor(proxyIn('team', {}, 'router')).services.length).toBe(7);
  });

  it('matches hosts by wildcard, keeps per-port listeners to services with that port, and `~` selects nothing', () => {
    const { context } = meshOf([
      ...services,
      sidecar('default', 'default', {
        egress: [
          { port: { number: 9080, protocol: 'HTTP', name: 'http' }, hosts: ['*/*.svc.cluster.local'] },
          { hosts: ['*/*.example.com', '~/*'] },
        ],
      }),
    ]);
    const scope = context.sidecarScopeFor(proxyIn('default'));
    const [byPort, catchAll] = scope.egressListeners;
    expect(hostnames(byPort.services)).toEqual([
      'api.backend.svc.cluster.local',
      'ratings.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
      'team-app.team.svc.cluster.local',
    ]);
    // api has ports 80 and 9080: trimmed to the listener's port.
    expect(byPort.services.find((s) => s.name === 'api')?.ports).toEqual([
      { name: 'grpc', port: 9080, protocol: 'GRPC' },
    ]);
    expect(hostnames(catchAll.services)).toEqual(['ext.example.com']);
  });

  it('records what it depends on, so a push can skip proxies a change cannot affect', () => {
    const vs = make('VirtualService', 'default', 'reviews', {
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews' } }] }],
    });
    const dr = make('DestinationRule', 'default', 'reviews', { host: 'reviews' });
    const otherVs = make('VirtualService', 'backend', 'db', {
      hosts: ['db'],
      tcp: [{ route: [{ destination: { host: 'db' } }] }],
    });
    const { context } = meshOf([
      ...services,
      vs,
      dr,
      otherVs,
      sidecar('default', 'default', { egress: [{ hosts: ['./*'] }] }),
    ]);
    const proxy = proxyIn('default');
    expect(context.proxyDependsOn(proxy, 'VirtualService/default/reviews')).toBe(true);
    expect(context.proxyDependsOn(proxy, 'DestinationRule/default/reviews')).toBe(true);
    expect(context.proxyDependsOn(proxy, 'Service/default/ratings')).toBe(true);
    expect(context.proxyDependsOn(proxy, 'Sidecar/default/default')).toBe(true);
    expect(context.proxyDependsOn(proxy, 'VirtualService/backend/db')).toBe(false);
    expect(context.proxyDependsOn(proxy, 'Service/backend/db')).toBe(false);
    expect(context.proxyDependsOn(proxy, 'AuthorizationPolicy/backend/x')).toBe(false);
    expect(context.proxyDependsOn(proxy, 'AuthorizationPolicy/istio-system/x')).toBe(true);
    // Not tracked precisely: assume it matters.
    expect(context.proxyDependsOn(proxy, 'PeerAuthentication/backend/x')).toBe(true);
  });
});
