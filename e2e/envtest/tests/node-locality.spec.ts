/**
 * Endpoint locality from Kubernetes Nodes, against a real kube-apiserver: the Kubernetes config
 * source (informers for Nodes, Services, Pods and EndpointSlices) feeds the mesh's service registry
 * through `watchMesh`, as pilot wires it. A Node with topology labels, a Pod bound to it (no
 * scheduler runs here: `spec.nodeName` is set at creation, which the API server accepts for an
 * existing or not-yet-existing Node), a Service and its EndpointSlice; the endpoint's locality
 * follows the Node, and a relabel is an EDS-only push. Then the pilot bundle with `--kubeconfig`
 * serves a real ADS client that locality in EDS and pushes the relabel as EDS alone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { configKey, type Kind } from '@mesh/config-model';
import { informersFromKubeConfig, KubernetesConfigSource } from '@mesh/config-store';
import { validateConfig } from '@mesh/config-validation';
import { localityString, ServiceRegistry, watchMesh, type PushRequest } from '@mesh/mesh-model';
import { AdsStream, ControlPlaneProcess, httpGet, until, type Ports } from '@mesh/testing';
import { ClusterLoadAssignment, TypeUrl, unpackAnyAs, type DiscoveryResponse } from '@mesh/xds';
import { Envtest, workspaceRoot } from '../harness/envtest';
import { EventRecorder } from '../harness/events';
import { waitFor, withDeadline } from '../harness/wait';

const NS = 'default';
const HOST = `reviews.${NS}.svc.cluster.local`;
const KINDS: Kind[] = ['Node', 'Service', 'Pod', 'EndpointSlice'];
const REVIEWS = `outbound|9080||${HOST}`;
const pilotBundle = join(workspaceRoot, 'dist', 'apps', 'pilot', 'main.js');
/** How long a change in the API server may take to reach the ADS client (watch + debounce + push). */
const PUSH_DEADLINE_MS = 15_000;

let envtest: Envtest;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;
let source: KubernetesConfigSource;
let registry: ServiceRegistry;
let recorder: EventRecorder;
let stopWatching: () => void = () => undefined;
const requests: PushRequest[] = [];

beforeAll(async () => {
  envtest = await Envtest.start();
  core = envtest.kubeConfig.makeApiClient(CoreV1Api);
  discovery = envtest.kubeConfig.makeApiClient(DiscoveryV1Api);
  source = new KubernetesConfigSource({
    informers: informersFromKubeConfig(envtest.kubeConfig),
    kinds: KINDS,
    validate: validateConfig,
    backoff: { initialMs: 100, maxMs: 1_000 },
  });
  await withDeadline(source.ready(), 30_000, 'the source to list Nodes, Services, Pods and EndpointSlices');
  // Loaded and subscribed in one synchronous step: informer events arrive on later turns, none is missed.
  registry = ServiceRegistry.fromSnapshot(source);
  recorder = new EventRecorder(source);
  stopWatching = watchMesh({ feed: source, registry, onPushRequest: (r) => requests.push(r), now: () => Date.now() });
});

afterAll(async () => {
  stopWatching();
  recorder?.stop();
  await source?.close();
  await envtest?.stop();
});

function topology(region: string, zone: string, subzone?: string): Record<string, string> {
  return {
    'topology.kubernetes.io/region': region,
    'topology.kubernetes.io/zone': zone,
    ...(subzone ? { 'topology.istio.io/subzone': subzone } : {}),
  };
}

async function createNode(name: string, labels: Record<string, string>): Promise<V1Node> {
  return core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } } } });
}

/** A Pod bound to `nodeName` at creation, then the status a kubelet would write (none runs here). */
async function createBoundPod(name: string, nodeName: string, ip: string, labels: Record<string, string> = {}) {
  const created = await core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name, namespace: NS, labels: { app: 'reviews', ...labels } },
      spec: { nodeName, containers: [{ name: 'app', image: 'registry.example/app:1' }] },
    },
  });
  const withStatus: V1Pod = {
    ...created,
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
  };
  return core.replaceNamespacedPodStatus({ namespace: NS, name, body: withStatus });
}

/** `ip region/zone/subzone` per endpoint of reviews (`-` for none), as the registry holds them. */
function localities(): string[] {
  return registry
    .endpoints(HOST, 'http')
    .map((e) => `${e.address} ${e.locality ? localityString(e.locality) || '-' : '-'}`)
    .sort();
}

async function waitForLocalities(expected: string[]): Promise<void> {
  await waitFor(
    () => `reviews endpoints ${JSON.stringify(expected)} (registry: ${JSON.stringify(localities())})`,
    () => JSON.stringify(localities()) === JSON.stringify(expected),
  );
}

/** The push requests recorded since `from` that cover the reviews host. */
function requestsForHost(from: number): PushRequest[] {
  return requests.slice(from).filter((r) => r.edsHosts.has(HOST));
}

/** Relabels a Node through a conditional replace (read, change, write back with its resourceVersion). */
async function relabelNode(name: string, change: (labels: Record<string, string>) => Record<string, string>) {
  const current = await core.readNode({ name });
  return core.replaceNode({
    name,
    body: { ...current, metadata: { ...current.metadata, labels: change({ ...current.metadata?.labels }) } },
  });
}

describe('endpoint locality from Nodes (KubernetesConfigSource → ServiceRegistry)', () => {
  it('localizes a pod when its Node arrives and follows a relabel of the Node with EDS-only pushes', async () => {
    await core.createNamespacedService({
      namespace: NS,
      body: {
        metadata: { name: 'reviews', namespace: NS },
        spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, targetPort: 9080 }] },
      },
    });
    // worker-1 does not exist yet: the API server binds the pod to it anyway (no scheduler checks it).
    await createBoundPod('reviews-1', 'worker-1', '10.1.0.1');
    await createBoundPod('reviews-2', 'worker-1', '10.1.0.2', { 'istio-locality': 'us-east.us-east-1a' });
    await discovery.createNamespacedEndpointSlice({
      namespace: NS,
      body: {
        metadata: { name: 'reviews-abcde', namespace: NS, labels: { 'kubernetes.io/service-name': 'reviews' } },
        addressType: 'IPv4',
        endpoints: ['reviews-1', 'reviews-2'].map((pod, i) => ({
          addresses: [`10.1.0.${i + 1}`],
          conditions: { ready: true },
          // Kubernetes' EndpointSlice controller copies the zone here; the mesh, like Istio, reads the Node.
          zone: 'slice-zone-hint',
          targetRef: { kind: 'Pod', namespace: NS, name: pod },
        })),
        ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
      },
    });
    // Both pods (with their status) are in the registry before the Node comes, so every push
    // recorded from here on is the Node's doing.
    await waitFor(
      'both pods, with their IPs, in the registry',
      () =>
        registry.workloadInstances(NS).filter((w) => w.kind === 'Pod').length === 2 &&
        registry.endpoints(HOST, 'http').every((e) => e.serviceAccount === 'default'),
    );
    // The pods' override label reached the slice endpoints, but the Node is unknown: no locality.
    await waitForLocalities(['10.1.0.1 -', '10.1.0.2 us-east/us-east-1a']);

    let mark = requests.length;
    await createNode('worker-1', topology('eu-west1', 'eu-west1-b', 'rack7'));
    await waitForLocalities(['10.1.0.1 eu-west1/eu-west1-b/rack7', '10.1.0.2 us-east/us-east-1a']);
    expect(requestsForHost(mark).length).toBeGreaterThan(0);
    expect(requestsForHost(mark).map((r) => ({ full: r.full, reasons: r.reasons }))).toEqual(
      requestsForHost(mark).map(() => ({ full: false, reasons: { endpoint: 1 } })),
    );

    mark = requests.length;
    await relabelNode('worker-1', (labels) => ({ ...labels, ...topology('eu-west1', 'eu-west1-c') }));
    // The subzone label stays: only the zone moved.
    await waitForLocalities(['10.1.0.1 eu-west1/eu-west1-c/rack7', '10.1.0.2 us-east/us-east-1a']);
    expect(requestsForHost(mark).length).toBeGreaterThan(0);
    expect(requestsForHost(mark).every((r) => !r.full && r.configsUpdated.size === 0)).toBe(true);
  });

  it('emits nothing for Node updates that leave its labels alone, and changes no locality for other labels', async () => {
    const mark = requests.length;
    const events = recorder.events.length;
    // A status write, as a kubelet's heartbeat: a new resourceVersion, the same labels.
    const node = await core.readNode({ name: 'worker-1' });
    await core.replaceNodeStatus({
      name: 'worker-1',
      body: {
        ...node,
        status: {
          addresses: [{ type: 'InternalIP', address: '192.168.0.11' }],
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
        },
      },
    });
    // A label that is not a topology label: an event, no new locality, no push.
    await relabelNode('worker-1', (labels) => ({ ...labels, 'node.kubernetes.io/pool': 'blue' }));
    // One watch stream per kind delivers in order: once this sentinel's add is seen, nothing sent
    // before it is still on its way.
    const sentinel = await createNode('sentinel', {});
    await recorder.waitForEvent('Node', '', 'sentinel', `add ${sentinel.metadata!.resourceVersion}`);

    const nodeEvents = recorder.events
      .slice(events)
      .filter((e) => e.config.kind === 'Node')
      .map((e) => `${e.type} ${configKey(e.config)}`);
    expect(nodeEvents).toEqual(['update Node/worker-1', 'add Node/sentinel']);
    expect(source.get('Node', '', 'worker-1')?.labels).toMatchObject({ 'node.kubernetes.io/pool': 'blue' });
    expect(requests.slice(mark)).toEqual([]);
    expect(localities()).toEqual(['10.1.0.1 eu-west1/eu-west1-c/rack7', '10.1.0.2 us-east/us-east-1a']);
  });

  it('keeps only the labels of a Node (no status, spec or annotations)', () => {
    const node = source.get('Node', '', 'worker-1');
    expect(node).toMatchObject({ kind: 'Node', namespace: '', spec: {}, annotations: {} });
    expect(node?.extra).toBeUndefined();
  });
});

/** `ip region/zone/subzone` per endpoint of the reviews ClusterLoadAssignment in an EDS response. */
function edsLocalities(response: DiscoveryResponse): string[] {
  return (response.resources ?? [])
    .map((any) => unpackAnyAs(ClusterLoadAssignment, any))
    .filter((assignment) => assignment.clusterName === REVIEWS)
    .flatMap((assignment) =>
      (assignment.endpoints ?? []).flatMap((group) =>
        (group.lbEndpoints ?? []).map((lb) => {
          const { region = '', zone = '', subZone = '' } = group.locality ?? {};
          return `${lb.endpoint?.address?.socketAddress?.address ?? ''} ${[region, zone, subZone].join('/')}`;
        }),
      ),
    )
    .sort();
}

/** Takes EDS responses (acknowledging each) until one satisfies `done`; fails naming the last one. */
async function edsWhere(ads: AdsStream, done: (localities: string[]) => boolean): Promise<DiscoveryResponse> {
  const deadline = Date.now() + PUSH_DEADLINE_MS;
  let last: string[] | undefined;
  while (Date.now() < deadline) {
    let response: DiscoveryResponse;
    try {
      response = await ads.next(TypeUrl.ClusterLoadAssignment, Math.max(10, deadline - Date.now()));
    } catch {
      break;
    }
    ads.ack(response, [REVIEWS]);
    last = edsLocalities(response);
    if (done(last)) return response;
  }
  throw new Error(`no EDS response as expected within ${PUSH_DEADLINE_MS} ms; last: ${JSON.stringify(last)}`);
}

describe('pilot --kubeconfig: locality in EDS from the Node', () => {
  let running: ControlPlaneProcess | undefined;
  let ports: Ports;
  let ads: AdsStream | undefined;

  beforeAll(async () => {
    if (!existsSync(pilotBundle))
      throw new Error(`${pilotBundle} is missing: build it first (nx run e2e-envtest:e2e does)`);
    // No Istio CRDs here: pilot treats their kinds as not served, which holds no readiness back.
    ({ process: running, ports } = await ControlPlaneProcess.start('pilot', pilotBundle, [
      '--kubeconfig',
      envtest.env.kubeconfigFile,
      '--grpc-addr',
      '127.0.0.1:0',
      '--http-addr',
      '127.0.0.1:0',
      '--monitoring-addr',
      '127.0.0.1:0',
    ]));
  });

  afterAll(() => {
    ads?.close();
    running?.kill();
  });

  it('serves the endpoint localities of the Nodes and pushes a Node relabel as EDS alone', async () => {
    const ready = await until(
      () => httpGet(ports.debug, '/ready'),
      (r) => r.status === 200,
    );
    expect(ready.status).toBe(200);
    const stream = (ads = new AdsStream(ports.xds));
    stream.send({
      typeUrl: TypeUrl.Cluster,
      node: {
        id: `sidecar~10.1.0.9~productpage-v1.${NS}~${NS}.svc.cluster.local`,
        metadata: { NAMESPACE: NS, LABELS: { app: 'productpage' } },
      },
    });
    const clusters = await stream.next(TypeUrl.Cluster, PUSH_DEADLINE_MS);
    stream.ack(clusters);
    stream.send({ typeUrl: TypeUrl.ClusterLoadAssignment, resourceNames: [REVIEWS] });
    const first = await edsWhere(stream, (l) => l.length === 2);
    expect(edsLocalities(first)).toEqual(['10.1.0.1 eu-west1/eu-west1-c/rack7', '10.1.0.2 us-east/us-east-1a/']);

    const responsesBefore = stream.responses.length;
    await relabelNode('worker-1', (labels) => ({ ...labels, 'topology.kubernetes.io/zone': 'eu-west1-d' }));
    const moved = await edsWhere(stream, (l) => l.includes('10.1.0.1 eu-west1/eu-west1-d/rack7'));
    expect(edsLocalities(moved)).toEqual(['10.1.0.1 eu-west1/eu-west1-d/rack7', '10.1.0.2 us-east/us-east-1a/']);
    // The relabel was an incremental push: EDS responses only, no CDS (or any other type) with it.
    const pushed = stream.responses.slice(responsesBefore).map((r) => r.typeUrl);
    expect(new Set(pushed)).toEqual(new Set([TypeUrl.ClusterLoadAssignment]));
    const status = JSON.parse((await httpGet(ports.debug, '/debug/push_status')).text) as {
      lastPush?: Record<string, unknown>;
    };
    expect(status.lastPush).toMatchObject({ full: false, reasons: { endpoint: 1 }, edsHosts: [HOST] });
  });
});
