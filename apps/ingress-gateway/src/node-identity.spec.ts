import { FlagError } from '@mesh/platform';
import { routerIdentity, routerNodeId } from './node-identity';

const base = { ip: '10.0.0.9', name: 'gw-7d9f', namespace: 'istio-system', domain: 'cluster.local', labels: {} };

describe('router node identity', () => {
  it("builds Istio's router node ID from its parts", () => {
    expect(routerNodeId(base)).toBe('router~10.0.0.9~gw-7d9f.istio-system~istio-system.svc.cluster.local');
  });

  it('puts what istiod reads into the metadata: labels (for Gateway selectors), namespace, name, IPs', () => {
    const identity = routerIdentity({ ...base, labels: { istio: 'ingressgateway' } });
    expect(identity.cluster).toBe('gw-7d9f.istio-system');
    expect(identity.metadata).toMatchObject({
      NAME: 'gw-7d9f',
      NAMESPACE: 'istio-system',
      LABELS: { istio: 'ingressgateway' },
      INSTANCE_IPS: '10.0.0.9',
    });
  });

  it('takes a full --id as given when it is a router ID, and refuses others', () => {
    const id = 'router~10.1.1.1~edge.gateways~gateways.svc.example.org';
    expect(routerIdentity({ ...base, id }).id).toBe(id);
    expect(() => routerIdentity({ ...base, id: 'sidecar~10.1.1.1~a.b~b.svc.cluster.local' })).toThrow(FlagError);
    expect(() => routerIdentity({ ...base, id: 'router~~a.b~b.svc.cluster.local' })).toThrow(FlagError);
  });

  it('refuses parts that would break the ID', () => {
    expect(() => routerIdentity({ ...base, name: 'a~b' })).toThrow('--name: "a~b" must be non-empty without "~"');
    expect(() => routerIdentity({ ...base, namespace: '' })).toThrow(FlagError);
  });
});
