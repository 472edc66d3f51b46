import { isConfigOfKind, type ServiceSpec } from '@mesh/config-model';
import { corpusConfigs, endpointSlice, make, pod } from '../../testdata/fixtures';
import type { Locality } from '../service';
import {
  endpointsFromEndpointSlice,
  externalNameEndpoints,
  healthOf,
  serviceFromKubernetes,
  type PodConfig,
} from './kubernetes';

function kubeService(name: string, spec: ServiceSpec, annotations: Record<string, string> = {}) {
  return make('Service', 'default', name, spec, { annotations });
}

describe('serviceFromKubernetes', () => {
  it('converts the Bookinfo Services: FQDN hostnames, HTTP ports from the port names, selectors', () => {
    const services = corpusConfigs('bookinfo/platform/kube/bookinfo.yaml')
      .filter((c) => isConfigOfKind(c, 'Service'))
      .map((c) => serviceFromKubernetes(c as ReturnType<typeof kubeService>));
    expect(services.map((s) => `${s.hostname} ${s.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`)}`)).toEqual([
      'details.default.svc.cluster.local http:9080/HTTP',
      'ratings.default.svc.cluster.local http:9080/HTTP',
      'reviews.default.svc.cluster.local http:9080/HTTP',
      'productpage.default.svc.cluster.local http:9080/HTTP',
    ]);
    const reviews = services[2];
    expect(reviews).toMatchObject({
      name: 'reviews',
      namespace: 'default',
      registry: 'Kubernetes',
      selector: { app: 'reviews' },
      labels: { app: 'reviews', service: 'reviews' },
      sourceKey: 'Service/default/reviews',
      meshExternal: false,
      // Never allocated (read from a file): no address, but not headless either.
      addresses: [],
      resolution: 'ClientSideLB',
    });
  });

  it('keeps cluster IPs, reads protocols from appProtocol or the name, and honours the domain suffix', () => {
    const service = serviceFromKubernetes(
      kubeService('api', {
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10', 'fd00::10'],
        ports: [
          { name: 'http-web', port: 80, targetPort: 8080 },
          { name: 'web', port: 81, appProtocol: 'grpc' },
          { name: 'tcp-db', port: 5432, targetPort: 'db' },
          { name: 'web2', port: 82 },
          { name: 'h2c', port: 83, appProtocol: 'kubernetes.io/h2c' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      }),
      'corp.local',
    );
    expect(service.hostname).toBe('api.default.svc.corp.local');
    expect(service.addresses).toEqual(['10.96.0.10', 'fd00::10']);
    expect(service.resolution).toBe('ClientSideLB');
    expect(service.ports).toEqual([
      { name: 'http-web', port: 80, protocol: 'HTTP', targetPort: 8080 },
      { name: 'web', port: 81, protocol: 'GRPC' },
      { name: 'tcp-db', port: 5432, protocol: 'TCP' },
      { name: 'web2', port: 82, protocol: 'UNKNOWN' },
      { name: 'h2c', port: 83, protocol: 'HTTP2' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ]);
  });

  it('treats clusterIP None as headless (Passthrough) and ExternalName as a mesh-external DNS alias', () => {
    const headless = serviceFromKubernetes(
      kubeService('db', { clusterIP: 'None', ports: [{ name: 'tcp', port: 5432 }] }),
    );
    expect(headless.resolution).toBe('Passthrough');
    expect(headless.addresses).toEqual([]);

    const external = serviceFromKubernetes(
      kubeService('search', {
        type: 'ExternalName',
        externalName: 'search.example.com',
        ports: [{ name: 'https', port: 443 }],
      }),
    );
    expect(external).toMatchObject({ resolution: 'DNSLB', meshExternal: true, externalName: 'search.example.com' });
    expect(externalNameEndpoints(external)).toEqual([
      {
        hostname: 'search.default.svc.cluster.local',
        servicePortName: 'https',
        address: 'search.example.com',
        port: 443,
        labels: {},
        namespace: 'default',
        health: 'Healthy',
        tlsMode: 'disabled',
      },
    ]);
  });

  it('reads exportTo from the networking.istio.io/exportTo annotation, `.` as its own namespace', () => {
    const service = serviceFromKubernetes(
      kubeService(
        'private',
        { ports: [{ name: 'http', port: 80 }] },
        { 'networking.istio.io/exportTo': '., istio-system' },
      ),
    );
    expect(service.exportTo).toEqual(['default', 'istio-system']);
  });
});

describe('endpointsFromEndpointSlice', () => {
  const reviews = serviceFromKubernetes(
    kubeService('reviews', {
      clusterIP: '10.96.1.1',
      selector: { app: 'reviews' },
      ports: [{ name: 'http', port: 9080 }],
    }),
  );
  const pods = new Map<string, PodConfig>(
    [
      pod(
        'default',
        'reviews-v1-abc',
        '10.0.0.1',
        {
          app: 'reviews',
          version: 'v1',
          'security.istio.io/tlsMode': 'istio',
          // A pod's own topology labels are not its locality: its node's are.
          'topology.kubernetes.io/region': 'pod-label-region',
          'topology.istio.io/network': 'net1',
        },
        { serviceAccount: 'bookinfo-reviews', nodeName: 'node-a' },
      ),
      pod(
        'default',
        'reviews-v2-def',
        '10.0.0.2',
        { app: 'reviews', version: 'v2', 'istio-locality': 'us.us-b.r1' },
        { nodeName: 'node-a' },
      ),
    ].map((p) => [p.name, p]),
  );
  const podOf = (_ns: string, name: string) => pods.get(name);
  const nodes = new Map<string, Locality>([['node-a', { region: 'eu-west1', zone: 'eu-west1-c', subzone: 'rack7' }]]);
  const nodeLocality = (name: string) => nodes.get(name);

  it('takes labels, service account, TLS mode and network from the pods, locality from their nodes', () => {
    const slice = endpointSlice(
      'default',
      'reviews-abc',
      'reviews',
      [{ name: 'http', port: 9080 }],
      [
        { ip: '10.0.0.1', pod: 'reviews-v1-abc', zone: 'slice-zone' },
        { ip: '10.0.0.2', pod: 'reviews-v2-def', zone: 'slice-zone' },
        { ip: '10.0.0.3', zone: 'eu-west1-c' },
      ],
    );
    const { endpoints, issues } = endpointsFromEndpointSlice(slice, reviews, false, podOf, nodeLocality);
    expect(issues).toEqual([]);
    expect(endpoints[0]).toEqual({
      hostname: 'reviews.default.svc.cluster.local',
      servicePortName: 'http',
      address: '10.0.0.1',
      port: 9080,
      labels: pods.get('reviews-v1-abc')!.labels,
      namespace: 'default',
      serviceAccount: 'bookinfo-reviews',
      // the node's locality; neither the pod's topology labels nor the slice's zone hint
      locality: { region: 'eu-west1', zone: 'eu-west1-c', subzone: 'rack7' },
      health: 'Healthy',
      tlsMode: 'istio',
      workloadName: 'reviews-v1-abc',
      network: 'net1',
    });
    // istio-locality overrides the node; no tlsMode label means no sidecar; default service account
    expect(endpoints[1]).toMatchObject({
      locality: { region: 'us', zone: 'us-b', subzone: 'r1' },
      tlsMode: 'disabled',
      serviceAccount: 'default',
    });
    // no pod: no labels, no locality (the slice's zone hint is not one, as in Istio)
    expect(endpoints[2]).toMatchObject({ labels: {} });
    expect(endpoints[2].locality).toBeUndefined();
    expect(endpoints[2].serviceAccount).toBeUndefined();
  });

  it('maps conditions to health: ready → Healthy, terminating but serving → Draining, else Unhealthy', () => {
    const slice = endpointSlice(
      'default',
      'reviews-abc',
      'reviews',
      [{ name: 'http', port: 9080 }],
      [
        { ip: '10.0.0.1', ready: true },
        { ip: '10.0.0.2' },
        { ip: '10.0.0.3', ready: false, serving: true, terminating: true },
        { ip: '10.0.0.4', ready: false, serving: false, terminating: true },
        { ip: '10.0.0.5', ready: false },
      ],
    );
    const health = (publishNotReady: boolean) =>
      endpointsFromEndpointSlice(slice, reviews, publishNotReady, podOf, nodeLocality).endpoints.map((e) => e.health);
    expect(health(false)).toEqual(['Healthy', 'Healthy', 'Draining', 'Unhealthy', 'Unhealthy']);
    expect(health(true)).toEqual(['Healthy', 'Healthy', 'Healthy', 'Healthy', 'Healthy']);
    expect(healthOf(undefined, false)).toBe('Healthy');
  });

  it('matches slice ports to service ports by name and skips ports the service does not have', () => {
    const twoPorts = serviceFromKubernetes(
      kubeService('api', {
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'grpc', port: 90 },
        ],
      }),
    );
    const slice = endpointSlice(
      'default',
      'api-1',
      'api',
      [
        { name: 'grpc', port: 9090 },
        { name: 'http', port: 8080 },
        { name: 'metrics', port: 15090 },
      ],
      [{ ip: '10.0.0.9' }],
    );
    const { endpoints } = endpointsFromEndpointSlice(slice, twoPorts, false, podOf, nodeLocality);
    expect(endpoints.map((e) => `${e.servicePortName} ${e.port}`)).toEqual(['grpc 9090', 'http 8080']);
  });

  it('skips FQDN slices and reports malformed ones with the field path', () => {
    const fqdn = endpointSlice(
      'default',
      'ext',
      'reviews',
      [{ name: 'http', port: 9080 }],
      [{ ip: 'a.example.com' }],
      'FQDN',
    );
    expect(endpointsFromEndpointSlice(fqdn, reviews, false, podOf, nodeLocality).endpoints).toEqual([]);
    const broken = make(
      'EndpointSlice',
      'default',
      'broken',
      {},
      {
        labels: { 'kubernetes.io/service-name': 'reviews' },
        extra: {
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 9080 }],
          endpoints: [{ addresses: [] }, { addresses: ['10.0.0.7'] }],
        },
      },
    );
    const { endpoints, issues } = endpointsFromEndpointSlice(broken, reviews, false, podOf, nodeLocality);
    expect(endpoints.map((e) => e.address)).toEqual(['10.0.0.7']);
    expect(issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'endpoints.0.addresses: must be a non-empty list of strings',
    ]);
  });
});
