import { configKey, type Config } from './config';
import { configFromManifest } from './from-manifest';
import { formatIssue } from './issues';
import { configMapData, endpointSliceOf, isPodReady, podStatusOf, secretData } from './kube-objects';
import { parseManifests } from './manifest';
import { lookupSchema } from './schema';

function one(text: string): Config {
  const [manifest] = parseManifests(text, 'kube.yaml').manifests;
  const result = configFromManifest(manifest);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('secretData', () => {
  it('decodes data and overlays stringData, as the API server does', () => {
    const secret = one(
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata: {name: bookinfo-credential, namespace: istio-system}',
        'type: kubernetes.io/tls',
        'data:',
        `  tls.crt: ${base64('-----BEGIN CERTIFICATE-----')}`,
        `  tls.key: ${base64('old key')}`,
        'stringData:',
        '  tls.key: new key',
      ].join('\n'),
    );
    const { value, issues } = secretData(secret);
    expect(issues).toEqual([]);
    expect(value.type).toBe('kubernetes.io/tls');
    expect(value.data['tls.crt'].toString()).toBe('-----BEGIN CERTIFICATE-----');
    expect(value.data['tls.key'].toString()).toBe('new key');
  });

  it('reports values that are not base64 strings and keeps the rest', () => {
    const secret = one(
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata: {name: broken, namespace: default}',
        'data:',
        `  good: ${base64('ok')}`,
        '  bad: "not base64!"',
        '  number: 42',
      ].join('\n'),
    );
    const { value, issues } = secretData(secret);
    expect(Object.keys(value.data)).toEqual(['good']);
    expect(value.type).toBe('Opaque');
    expect(issues.map(formatIssue)).toEqual([
      'Secret default/broken kube.yaml:1: data.number: must be a string',
      'Secret default/broken kube.yaml:1: data.bad: is not valid base64',
    ]);
  });

  it('gives an empty secret for a Secret without data', () => {
    const { value, issues } = secretData(one('apiVersion: v1\nkind: Secret\nmetadata: {name: empty}\n'));
    expect([value.data, issues]).toEqual([{}, []]);
  });
});

describe('configMapData', () => {
  it('reads the string data of a ConfigMap', () => {
    const cm = one(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: istio, namespace: istio-system}',
        'data:',
        '  mesh: |',
        '    accessLogFile: /dev/stdout',
        '  meshNetworks: "networks: {}"',
      ].join('\n'),
    );
    expect(configMapData(cm)).toEqual({
      value: { mesh: 'accessLogFile: /dev/stdout\n', meshNetworks: 'networks: {}' },
      issues: [],
    });
  });
});

describe('endpointSliceOf', () => {
  const slice = [
    'apiVersion: discovery.k8s.io/v1',
    'kind: EndpointSlice',
    'metadata:',
    '  name: reviews-abc12',
    '  namespace: default',
    '  labels: {kubernetes.io/service-name: reviews}',
    'addressType: IPv4',
    'ports: [{name: http, port: 9080, protocol: TCP, appProtocol: http}]',
    'endpoints:',
    '- addresses: [10.244.0.11]',
    '  conditions: {ready: true, serving: true, terminating: false}',
    '  nodeName: node-1',
    '  zone: us-west1-a',
    '  targetRef: {kind: Pod, name: reviews-v1-7d9f, namespace: default, uid: 1234}',
    '- addresses: [10.244.0.12]',
    '  conditions: {ready: false}',
    '- addresses: []',
    '- hostname: no-address',
  ].join('\n');

  it('reads addresses, conditions, topology and ports, skipping endpoints without addresses', () => {
    const config = one(slice);
    expect(config.labels['kubernetes.io/service-name']).toBe('reviews');
    const { value, issues } = endpointSliceOf(config);
    expect(value).toEqual({
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 9080, protocol: 'TCP', appProtocol: 'http' }],
      endpoints: [
        {
          addresses: ['10.244.0.11'],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: 'node-1',
          zone: 'us-west1-a',
          targetRef: { kind: 'Pod', name: 'reviews-v1-7d9f', namespace: 'default' },
        },
        { addresses: ['10.244.0.12'], conditions: { ready: false } },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual([
      ['endpoints', 2, 'addresses'],
      ['endpoints', 3, 'addresses'],
    ]);
  });

  it('gives up on a slice whose addressType it cannot use, and accepts endpoints: null', () => {
    const bad = endpointSliceOf(one(slice.replace('addressType: IPv4', 'addressType: IPv5')));
    expect(bad.value).toBeUndefined();
    expect(bad.issues.map(formatIssue)).toEqual([
      'EndpointSlice default/reviews-abc12 kube.yaml:1: addressType: must be one of IPv4, IPv6, FQDN',
    ]);
    const empty = one(
      'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e}\naddressType: IPv6\nendpoints: null\n',
    );
    expect(endpointSliceOf(empty)).toEqual({ value: { addressType: 'IPv6', endpoints: [], ports: [] }, issues: [] });
  });
});

describe('podStatusOf', () => {
  const pod = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: reviews-v1-7d9f, namespace: default, labels: {app: reviews, version: v1}}',
    'spec:',
    '  serviceAccountName: bookinfo-reviews',
    '  nodeName: node-1',
    '  containers:',
    '  - name: reviews',
    '    image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2',
    '    ports: [{containerPort: 9080}]',
    'status:',
    '  phase: Running',
    '  podIP: 10.244.0.11',
    '  podIPs: [{ip: 10.244.0.11}, {ip: "fd00::b"}]',
    '  hostIP: 192.168.1.10',
    '  conditions:',
    '  - {type: Initialized, status: "True"}',
    '  - {type: Ready, status: "True"}',
  ].join('\n');

  it('keeps a Pod status in extra and reads its IPs, phase and readiness', () => {
    const config = one(pod);
    const { value, issues } = podStatusOf(config);
    expect(issues).toEqual([]);
    expect(value).toEqual({
      phase: 'Running',
      podIP: '10.244.0.11',
      podIPs: [{ ip: '10.244.0.11' }, { ip: 'fd00::b' }],
      hostIP: '192.168.1.10',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
    });
    expect(isPodReady(value)).toBe(true);
    expect(
      isPodReady(
        podStatusOf(one(pod.replace('{type: Ready, status: "True"}', '{type: Ready, status: "False"}'))).value,
      ),
    ).toBe(false);
    expect(isPodReady(podStatusOf(one(pod.replace('phase: Running', 'phase: Pending'))).value)).toBe(false);
  });

  it('reports a malformed status field and reads a Pod without status as empty', () => {
    const { value, issues } = podStatusOf(one(pod.replace('phase: Running', 'phase: Sleeping')));
    expect(value.phase).toBeUndefined();
    expect(issues.map((i) => i.path)).toEqual([['status', 'phase']]);
    expect(podStatusOf(one(pod.slice(0, pod.indexOf('status:'))))).toEqual({ value: {}, issues: [] });
  });

  it('does not keep the status of Istio kinds', () => {
    const vs = one(
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec: {}\nstatus: {observedGeneration: 1}\n',
    );
    expect(vs.extra).toBeUndefined();
  });
});

describe('Node', () => {
  // A Node as a kubelet registers it (trimmed): only its labels matter to the mesh.
  const node = [
    'apiVersion: v1',
    'kind: Node',
    'metadata:',
    '  name: worker-1',
    '  resourceVersion: "812"',
    '  labels:',
    '    kubernetes.io/hostname: worker-1',
    '    topology.kubernetes.io/region: eu-west1',
    '    topology.kubernetes.io/zone: eu-west1-b',
    '  annotations:',
    '    node.alpha.kubernetes.io/ttl: "0"',
    'spec:',
    '  podCIDR: 10.244.1.0/24',
    '  providerID: gce://project/eu-west1-b/worker-1',
    'status:',
    '  addresses: [{type: InternalIP, address: 10.128.0.5}]',
    '  conditions: [{type: Ready, status: "True", lastHeartbeatTime: "2026-11-23T15:00:00Z"}]',
    '  images: [{names: [registry.example/app:1], sizeBytes: 123456}]',
  ].join('\n');

  it('is the cluster-scoped core/v1 kind `nodes`', () => {
    const lookup = lookupSchema('v1', 'Node');
    expect(lookup).toMatchObject({ ok: true, version: 'v1' });
    expect(lookup.ok && lookup.schema).toMatchObject({ group: '', plural: 'nodes', namespaced: false, istio: false });
    expect(lookupSchema('apps/v1', 'Node')).toMatchObject({ ok: false, reason: 'unknown-kind' });
  });

  it('keeps the name and labels of a Node and drops its spec, status and annotations', () => {
    const config = one(node);
    expect(configKey(config)).toBe('Node/worker-1');
    expect(config).toMatchObject({ kind: 'Node', group: '', version: 'v1', namespace: '', resourceVersion: '812' });
    expect(config.labels).toEqual({
      'kubernetes.io/hostname': 'worker-1',
      'topology.kubernetes.io/region': 'eu-west1',
      'topology.kubernetes.io/zone': 'eu-west1-b',
    });
    expect(config.annotations).toEqual({});
    expect(config.spec).toEqual({});
    expect(config.extra).toBeUndefined();
  });

  it('ignores a namespace written on a Node, as the API server does for cluster-scoped kinds', () => {
    const config = one(node.replace('  name: worker-1', '  name: worker-1\n  namespace: default'));
    expect(config.namespace).toBe('');
  });
});
