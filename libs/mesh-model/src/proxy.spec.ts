import { NodeIdError, proxyFromNode } from './proxy';
import { mergePushRequests, pushRequest } from './push-request';

describe('proxyFromNode', () => {
  it('reads the node ID parts and the metadata facts', () => {
    const proxy = proxyFromNode('sidecar~10.0.0.5~reviews-v1-abc.default~default.svc.cluster.local', {
      LABELS: { app: 'reviews', version: 'v1', bad: 3 },
      INSTANCE_IPS: '10.0.0.5,fd00::5',
      SERVICE_ACCOUNT: 'bookinfo-reviews',
      CLUSTER_ID: 'Kubernetes',
    });
    expect(proxy).toMatchObject({
      type: 'sidecar',
      generator: 'envoy',
      ipAddresses: ['10.0.0.5', 'fd00::5'],
      workloadId: 'reviews-v1-abc.default',
      namespace: 'default',
      dnsDomain: 'default.svc.cluster.local',
      labels: { app: 'reviews', version: 'v1' },
      serviceAccount: 'bookinfo-reviews',
      clusterId: 'Kubernetes',
    });
    const grpc = proxyFromNode('sidecar~10.0.0.6~client.apps~apps.svc.cluster.local', {
      GENERATOR: 'grpc',
      NAMESPACE: 'apps',
    });
    expect(grpc.generator).toBe('grpc');
  });

  it('keeps the node locality, and none when the node sent only empty fields', () => {
    const id = 'sidecar~10.0.0.5~reviews-v1-abc.default~default.svc.cluster.local';
    expect(proxyFromNode(id, {}, { region: 'us-west1', zone: 'us-west1-a', subzone: 'rack-1' }).locality).toEqual({
      region: 'us-west1',
      zone: 'us-west1-a',
      subzone: 'rack-1',
    });
    expect(proxyFromNode(id, {}, { region: 'us-west1' }).locality).toEqual({
      region: 'us-west1',
      zone: '',
      subzone: '',
    });
    expect(proxyFromNode(id, {}, { region: '', zone: '', subzone: '' })).not.toHaveProperty('locality');
    expect(proxyFromNode(id, {})).not.toHaveProperty('locality');
  });

  it('rejects malformed node IDs with the reason', () => {
    expect(() => proxyFromNode('sidecar~10.0.0.5', {})).toThrow(NodeIdError);
    expect(() => proxyFromNode('waypoint~10.0.0.5~a.b~b.svc.cluster.local', {})).toThrow(
      /unknown proxy type "waypoint"/,
    );
    expect(() => proxyFromNode('router~~a.b~b.svc.cluster.local', {})).toThrow(/missing IP address/);
  });
});

describe('mergePushRequests', () => {
  it('is full if either is, unions what changed, counts reasons and keeps the earliest start', () => {
    const a = pushRequest({ reason: 'endpoint', start: 20, full: false, edsHosts: new Set(['a']) });
    const b = pushRequest({ reason: 'config', start: 10, configsUpdated: new Set(['VirtualService/ns/x']) });
    const merged = mergePushRequests(mergePushRequests(a, b), a);
    expect(merged.full).toBe(true);
    expect([...merged.edsHosts]).toEqual(['a']);
    expect([...merged.configsUpdated]).toEqual(['VirtualService/ns/x']);
    expect(merged.reasons).toEqual({ endpoint: 2, config: 1 });
    expect(merged.start).toBe(10);
    expect(mergePushRequests(a, a).full).toBe(false);
  });
});
