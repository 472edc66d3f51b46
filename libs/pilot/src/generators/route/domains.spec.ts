import type { Service } from '@mesh/mesh-model';
import { altHosts, serviceDomains } from './domains';

const service = (overrides: Partial<Service> = {}): Service => ({
  hostname: 'reviews.default.svc.cluster.local',
  namespace: 'default',
  name: 'reviews',
  registry: 'Kubernetes',
  ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }],
  resolution: 'ClientSideLB',
  meshExternal: false,
  addresses: [],
  labels: {},
  exportTo: ['*'],
  sourceKey: 'Service/default/reviews',
  ...overrides,
});

describe('virtual host domains', () => {
  it('gives a proxy in the service namespace the short name, name.ns and name.ns.svc', () => {
    expect(altHosts('reviews.default.svc.cluster.local', 9080, 'default.svc.cluster.local')).toEqual([
      'reviews',
      'reviews:9080',
      'reviews.default.svc',
      'reviews.default.svc:9080',
      'reviews.default',
      'reviews.default:9080',
    ]);
  });

  it('gives a proxy in another namespace only the names its DNS search path resolves', () => {
    expect(altHosts('reviews.default.svc.cluster.local', undefined, 'prod.svc.cluster.local')).toEqual([
      'reviews.default',
      'reviews.default.svc',
    ]);
  });

  it('gives no short names for hosts outside the cluster domain', () => {
    expect(altHosts('api.example.com', 443, 'default.svc.cluster.local')).toEqual([]);
  });

  it('adds VIPs (IPv6 in brackets) but not CIDRs', () => {
    const { domains } = serviceDomains(
      service({ addresses: ['10.96.0.10', 'fd00::1', '10.0.0.0/16'] }),
      9080,
      'prod.svc.cluster.local',
    );
    expect(domains).toEqual([
      'reviews.default.svc.cluster.local',
      'reviews.default.svc.cluster.local:9080',
      'reviews.default',
      'reviews.default:9080',
      'reviews.default.svc',
      'reviews.default.svc:9080',
      '10.96.0.10',
      '10.96.0.10:9080',
      '[fd00::1]',
      '[fd00::1]:9080',
    ]);
  });

  it('answers for the pods of a headless Kubernetes service', () => {
    const { domains } = serviceDomains(service({ resolution: 'Passthrough' }), undefined, 'prod.svc.cluster.local');
    expect(domains).toContain('*.reviews.default.svc.cluster.local');
    expect(domains).toContain('*.reviews.default');
  });
});
