import { defaultMeshConfig, type Config } from '@mesh/config-model';
import { corpusConfigs, endpointSlice, make } from '../testdata/fixtures';
import { meshOf, proxyIn } from '../testdata/contexts';
import { PushContext } from './push-context';
import { pushRequest } from './push-request';

const bookinfo = (): Config[] => [
  ...corpusConfigs('bookinfo/platform/kube/bookinfo.yaml'),
  ...corpusConfigs('bookinfo/networking/destination-rule-all.yaml'),
  ...corpusConfigs('bookinfo/networking/virtual-service-all-v1.yaml'),
  ...corpusConfigs('bookinfo/networking/bookinfo-gateway.yaml'),
  ...corpusConfigs('bookinfo/networking/egress-rule-google-apis.yaml'),
];

const REVIEWS = 'reviews.default.svc.cluster.local';

describe('PushContext over Bookinfo', () => {
  const { context } = meshOf(bookinfo());
  const sidecar = proxyIn('default', { app: 'productpage', version: 'v1' });
  const ingress = proxyIn('istio-system', { istio: 'ingressgateway' }, 'router');

  it('knows the services, and a sidecar of the namespace sees all of them', () => {
    // No creation timestamps in files: ordered by name (details, googleapis, productpage, ...).
    expect(context.services().map((s) => s.hostname)).toEqual([
      'details.default.svc.cluster.local',
      'www.googleapis.com',
      'productpage.default.svc.cluster.local',
      'ratings.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
    ]);
    expect(
      context
        .servicesFor(sidecar)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['details', 'googleapis', 'productpage', 'ratings', 'reviews']);
    expect(context.service(REVIEWS)?.ports).toEqual([{ name: 'http', port: 9080, protocol: 'HTTP' }]);
  });

  it('gives sidecars the mesh VirtualServices (short names resolved) and the gateway the gateway-bound one', () => {
    expect(context.virtualServicesFor(sidecar).map((vs) => vs.name)).toEqual([
      'details',
      'productpage',
      'ratings',
      'reviews',
      'rewrite-port-for-googleapis',
    ]);
    const reviews = context.virtualServicesFor(sidecar).find((vs) => vs.name === 'reviews')!;
    expect(reviews.spec.hosts).toEqual([REVIEWS]);
    expect(reviews.spec.http?.[0].route?.[0].destination).toEqual({ host: REVIEWS, subset: 'v1' });

    expect(context.gatewaysFor(ingress).map((gw) => `${gw.namespace}/${gw.name}`)).toEqual([
      'default/bookinfo-gateway',
    ]);
    const onGateway = context.virtualServicesFor(ingress);
    expect(onGateway.map((vs) => vs.name)).toEqual(['bookinfo']);
    expect(onGateway[0].spec.gateways).toEqual(['default/bookinfo-gateway']);
    expect(onGateway[0].spec.hosts).toEqual(['*']);
    expect(onGateway[0].spec.http?.[0].route?.[0].destination.host).toBe('productpage.default.svc.cluster.local');
    // Sidecars are no gateways.
    expect(context.gatewaysFor(sidecar)).toEqual([]);
  });

  it('finds the DestinationRule of a host with its subsets', () => {
    const rule = context.destinationRuleFor(sidecar, REVIEWS)!;
    expect(rule.host).toBe(REVIEWS);
    expect(rule.from).toEqual(['DestinationRule/default/reviews']);
    expect(rule.spec.subsets?.map((s) => s.name)).toEqual(['v1', 'v2', 'v3']);
    expect(context.destinationRuleFor(ingress, REVIEWS)?.name).toBe('reviews');
    expect(context.destinationRuleFor(sidecar, 'www.googleapis.com')?.name).toBe('originate-tls-for-googleapis');
    expect(context.destinationRuleFor(sidecar, 'nowhere.example.com')).toBeUndefined();
  });
});

describe('PushContext incremental updates', () => {
  const reviewsService = make('Service', 'default', 'reviews', {
    clusterIP: '10.96.0.5',
    selector: { app: 'reviews' },
    ports: [{ name: 'http', port: 9080 }],
  });
  const ratingsService = make('Service', 'default', 'ratings', {
    clusterIP: '10.96.0.6',
    ports: [{ name: 'http', port: 9080 }],
  });
  const ports = [{ name: 'http', port: 9080 }];

  it('updateEndpoints shares every other index (===) and leaves the old context as it was', () => {
    const { context, registry } = meshOf([
      reviewsService,
      ratingsService,
      endpointSlice('default', 'reviews-1', 'reviews', ports, [{ ip: '10.0.0.1' }]),
      endpointSlice('default', 'ratings-1', 'ratings', ports, [{ ip: '10.0.1.1' }]),
      ...corpusConfigs('bookinfo/networking/virtual-service-all-v1.yaml'),
    ]);
    const sidecar = proxyIn('default');
    const scopeBefore = context.sidecarScopeFor(sidecar);
    const ratingsBefore = context.endpointsFor('ratings.default.svc.cluster.local', 'http', 'default');

    const change = registry.apply({
      type: 'update',
      config: endpointSlice('default', 'reviews-1', 'reviews', ports, [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]),
      previous: endpointSlice('default', 'reviews-1', 'reviews', ports, [{ ip: '10.0.0.1' }]),
    });
    const next = context.updateEndpoints(change.edsHosts, registry, 'v2');

    expect(next.version).toBe('v2');
    expect(next.endpointsFor(REVIEWS, 'http').map((e) => e.address)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(context.endpointsFor(REVIEWS, 'http').map((e) => e.address)).toEqual(['10.0.0.1']);
    for (const name of [
      'services',
      'virtualServices',
      'destinationRules',
      'gateways',
      'sidecars',
      'peerAuthentications',
      'requestAuthentications',
      'authorizationPolicies',
      'telemetries',
      'secrets',
      'scopes',
    ] as const) {
      expect(next.sharesIndex(context, name)).toBe(true);
    }
    expect(next.sharesIndex(context, 'endpoints')).toBe(false);
    expect(next.sidecarScopeFor(sidecar)).toBe(scopeBefore);
    // Untouched hosts keep the very same endpoint list.
    expect(next.endpointsFor('ratings.default.svc.cluster.local', 'http', 'default')).toBe(ratingsBefore);
  });

  it('update() rebuilds only the indexes of the changed kinds', () => {
    const vs = corpusConfigs('bookinfo/networking/virtual-service-all-v1.yaml');
    const { context, registry, snapshot } = meshOf([reviewsService, ...vs]);
    const reviewsVs = vs.find((c) => c.name === 'reviews')!;
    const changed = corpusConfigs('bookinfo/networking/virtual-service-reviews-v3.yaml')[0];
    snapshot.put(changed);
    const request = pushRequest({
      reason: 'config',
      start: 0,
      configsUpdated: new Set([`VirtualService/default/${reviewsVs.name}`]),
    });
    const inputs = { config: snapshot, discovery: registry, mesh: defaultMeshConfig(), version: 'v2' };
    const next = PushContext.update(context, request, inputs);
    expect(next.sharesIndex(context, 'virtualServices')).toBe(false);
    expect(next.sharesIndex(context, 'scopes')).toBe(false);
    expect(next.sharesIndex(context, 'services')).toBe(true);
    expect(next.sharesIndex(context, 'destinationRules')).toBe(true);
    const sidecar = proxyIn('default');
    const route = next.virtualServicesFor(sidecar).find((v) => v.name === 'reviews')!.spec.http?.[0].route?.[0];
    expect(route?.destination.subset).toBe('v3');

    // An incremental request only re-reads endpoints.
    const eds = PushContext.update(
      next,
      pushRequest({ reason: 'endpoint', start: 0, full: false, edsHosts: new Set([REVIEWS]) }),
      inputs,
    );
    expect(eds.sharesIndex(next, 'virtualServices')).toBe(true);
    // No configsUpdated: everything is rebuilt.
    const full = PushContext.update(next, pushRequest({ reason: 'global', start: 0 }), inputs);
    expect(full.sharesIndex(next, 'services')).toBe(false);
  });

  it('exposes Secrets by namespace and name, and service identities as SPIFFE names', () => {
    const secret = make(
      'Secret',
      'istio-system',
      'bookinfo-cred',
      {},
      { extra: { type: 'kubernetes.io/tls', data: {} } },
    );
    const entry = make('ServiceEntry', 'vms', 'db', {
      hosts: ['db.vms'],
      resolution: 'STATIC',
      ports: [{ number: 3306, name: 'mysql', protocol: 'MySQL' }],
      endpoints: [{ address: '10.9.0.1', serviceAccount: 'mysql' }],
      subjectAltNames: ['spiffe://other/ns/x/sa/y'],
    });
    const { context } = meshOf([secret, entry]);
    expect(context.secret('istio-system', 'bookinfo-cred')).toBe(secret);
    expect(context.secret('default', 'bookinfo-cred')).toBeUndefined();
    const service = context.service('db.vms')!;
    expect(context.serviceAccountsFor(service)).toEqual([
      'spiffe://cluster.local/ns/vms/sa/mysql',
      'spiffe://other/ns/x/sa/y',
    ]);
    expect(context.endpointsForServicePort(service, 3306).map((e) => e.address)).toEqual(['10.9.0.1']);
    expect(context.endpointsForServicePort(service, 80)).toEqual([]);
  });
});
