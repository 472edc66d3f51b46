import type { Config } from '@mesh/config-model';
import { endpointSlice, make, node, pod } from '../testdata/fixtures';
import type { ConfigChange, ConfigChangeFeed } from './config-source';
import type { PushRequest } from './push-request';
import { ServiceRegistry } from './registry/service-registry';
import { pushRequestForChange, watchMesh } from './triggers';

const add = (config: Config): ConfigChange => ({ type: 'add', config });

describe('pushRequestForChange', () => {
  const registry = new ServiceRegistry();

  it('makes routing and policy kinds a full push naming the config', () => {
    for (const config of [
      make('VirtualService', 'default', 'reviews', { hosts: ['reviews'] }),
      make('DestinationRule', 'default', 'reviews', { host: 'reviews' }),
      make('Gateway', 'default', 'gw', {}),
      make('Sidecar', 'default', 'default', {}),
      make('PeerAuthentication', 'default', 'pa', {}),
      make('AuthorizationPolicy', 'default', 'ap', {}),
      make('RequestAuthentication', 'default', 'ra', {}),
      make('Telemetry', 'default', 't', {}),
    ]) {
      const { request } = pushRequestForChange(add(config), registry, 42);
      expect(request).toMatchObject({ full: true, reasons: { config: 1 }, start: 42 });
      expect([...request!.configsUpdated]).toEqual([`${config.kind}/default/${config.name}`]);
    }
  });

  it('sends registry kinds through the registry: full for new services, EDS for endpoints, nothing otherwise', () => {
    const entry = make('ServiceEntry', 'default', 'api', {
      hosts: ['api.example.com'],
      resolution: 'STATIC',
      ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
      workloadSelector: { labels: { app: 'api' } },
    });
    const service = pushRequestForChange(add(entry), registry, 1);
    expect(service.request).toMatchObject({ full: true, reasons: { service: 1 } });
    expect([...service.request!.configsUpdated]).toEqual(['ServiceEntry/default/api']);

    const workload = make('WorkloadEntry', 'default', 'vm', { address: '10.0.0.1', labels: { app: 'api' } });
    const endpoints = pushRequestForChange(add(workload), registry, 2);
    expect(endpoints.request).toMatchObject({ full: false, reasons: { endpoint: 1 } });
    expect([...endpoints.request!.edsHosts]).toEqual(['api.example.com']);

    const unselected = make('WorkloadEntry', 'default', 'vm2', { address: '10.0.0.2', labels: { app: 'other' } });
    expect(pushRequestForChange(add(unselected), registry, 3).request).toBeUndefined();
  });

  it('sends Node changes through the registry: an EDS push for the services of its pods, nothing otherwise', () => {
    const registry = new ServiceRegistry();
    registry.apply(
      add(make('Service', 'default', 'web', { clusterIP: '10.96.0.9', ports: [{ name: 'http', port: 80 }] })),
    );
    registry.apply(add(pod('default', 'web-1', '10.0.0.1', { app: 'web' }, { nodeName: 'worker-1' })));
    registry.apply(
      add(endpointSlice('default', 'web-a', 'web', [{ name: 'http', port: 80 }], [{ ip: '10.0.0.1', pod: 'web-1' }])),
    );
    const localized = pushRequestForChange(add(node('worker-1', { 'topology.kubernetes.io/zone': 'z1' })), registry, 3);
    expect(localized.request).toMatchObject({ full: false, reasons: { endpoint: 1 }, start: 3 });
    expect([...localized.request!.edsHosts]).toEqual(['web.default.svc.cluster.local']);
    expect(localized.request!.configsUpdated.size).toBe(0);
    // A node no pod of the mesh runs on.
    expect(
      pushRequestForChange(add(node('worker-2', { 'topology.kubernetes.io/zone': 'z2' })), registry, 4).request,
    ).toBeUndefined();
  });

  it('gives Secrets reason `secret` and ignores kinds no proxy config is made of', () => {
    const secret = make('Secret', 'istio-system', 'cred', {});
    expect(pushRequestForChange(add(secret), registry, 0).request).toMatchObject({
      full: true,
      reasons: { secret: 1 },
    });
    expect(pushRequestForChange(add(make('Namespace', '', 'apps', {})), registry, 0).request).toBeUndefined();
    expect(
      pushRequestForChange(add(make('ConfigMap', 'istio-system', 'istio', {})), registry, 0).request,
    ).toBeUndefined();
  });
});

describe('watchMesh', () => {
  it('keeps the registry current from a feed and forwards push requests until unsubscribed', () => {
    const handlers = new Set<(change: ConfigChange) => void>();
    const feed: ConfigChangeFeed = {
      subscribe(handler) {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
    };
    const emit = (change: ConfigChange) => handlers.forEach((handler) => handler(change));
    const registry = new ServiceRegistry();
    const requests: PushRequest[] = [];
    let time = 10;
    const stop = watchMesh({ feed, registry, onPushRequest: (r) => requests.push(r), now: () => time++ });
    emit(add(make('Service', 'default', 'web', { clusterIP: '10.96.0.9', ports: [{ name: 'http', port: 80 }] })));
    emit(add(make('VirtualService', 'default', 'web', { hosts: ['web'] })));
    expect(registry.service('web.default.svc.cluster.local')?.addresses).toEqual(['10.96.0.9']);
    expect(requests.map((r) => [r.start, Object.keys(r.reasons)[0]])).toEqual([
      [10, 'service'],
      [11, 'config'],
    ]);
    stop();
    emit(add(make('VirtualService', 'default', 'web2', { hosts: ['web2'] })));
    expect(requests).toHaveLength(2);
  });
});
