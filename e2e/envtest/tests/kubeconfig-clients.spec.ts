/**
 * The pilot and meshctl bundles as users run them against a cluster: `--kubeconfig` pointing at a
 * real kube-apiserver (no controllers, no kubelet: the spec writes the Pods' status and the
 * EndpointSlice itself). Pilot serves a real ADS client from what the API server holds and pushes
 * again when a VirtualService or an EndpointSlice changes there; `meshctl analyze --kubeconfig`
 * finds a DestinationRule subset that selects no pod.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, type V1Pod } from '@kubernetes/client-node';
import {
  ClusterLoadAssignment,
  RouteConfiguration,
  TypeUrl,
  unpackAny,
  unpackAnyAs,
  type DiscoveryResponse,
} from '@mesh/xds';
import { AdsStream, ControlPlaneProcess, httpGet, until, type Ports } from '@mesh/testing';
import { applyCrds } from '../harness/crds';
import { Envtest, workspaceRoot } from '../harness/envtest';
import { createNamespace } from '../harness/kube';

const pilotBundle = join(workspaceRoot, 'dist', 'apps', 'pilot', 'main.js');
const meshctlBundle = join(workspaceRoot, 'dist', 'apps', 'meshctl', 'main.js');
const LOOPBACK = ['--grpc-addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--monitoring-addr', '127.0.0.1:0'];
const NODE = {
  id: 'sidecar~10.1.0.9~productpage-v1.default~default.svc.cluster.local',
  metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage' } },
};
const HOST = 'reviews.default.svc.cluster.local';
const REVIEWS = `outbound|9080||${HOST}`;
const REVIEWS_V1 = `outbound|9080|v1|${HOST}`;
const REVIEWS_V2 = `outbound|9080|v2|${HOST}`;
const ISTIO = { group: 'networking.istio.io', version: 'v1' };
/** How long a change in the API server may take to reach the ADS client (watch + debounce + push). */
const PUSH_DEADLINE_MS = 15_000;

let envtest: Envtest;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let discovery: DiscoveryV1Api;

beforeAll(async () => {
  for (const file of [pilotBundle, meshctlBundle])
    if (!existsSync(file)) throw new Error(`${file} is missing: build it first (nx run e2e-envtest:e2e does)`);
  envtest = await Envtest.start();
  await applyCrds(envtest.kubeConfig);
  core = envtest.kubeConfig.makeApiClient(CoreV1Api);
  custom = envtest.kubeConfig.makeApiClient(CustomObjectsApi);
  discovery = envtest.kubeConfig.makeApiClient(DiscoveryV1Api);
});

afterAll(async () => {
  await envtest?.stop();
});

/** A Pod as a Deployment would make it, then the status a kubelet would report (none runs here). */
async function createRunningPod(namespace: string, name: string, labels: Record<string, string>, ip: string) {
  const created = await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, namespace, labels },
      spec: { containers: [{ name: 'app', image: 'registry.example/app:1', ports: [{ containerPort: 9080 }] }] },
    },
  });
  const withStatus: V1Pod = {
    ...created,
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
  };
  return core.replaceNamespacedPodStatus({ namespace, name, body: withStatus });
}

async function createService(namespace: string, name: string) {
  return core.createNamespacedService({
    namespace,
    body: {
      metadata: { name, namespace, labels: { app: name } },
      spec: { selector: { app: name }, ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP' }] },
    },
  });
}

function endpoint(ip: string, pod: string) {
  return { addresses: [ip], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'default', name: pod } };
}

function reviewsVirtualService(subset: string) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'default' },
    spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset } }] }] },
  };
}

function destinationRule(namespace: string, host: string, subsets: string[]) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: host, namespace },
    spec: { host, subsets: subsets.map((name) => ({ name, labels: { version: name } })) },
  };
}

function namesOf(response: DiscoveryResponse): string[] {
  return (response.resources ?? []).map((any) => (unpackAny(any).message as { name?: string }).name ?? '');
}

/** The clusters the `reviews` virtual host of a RouteConfiguration response routes to. */
function reviewsRouteClusters(response: DiscoveryResponse): string[] {
  return (response.resources ?? []).flatMap((any) =>
    (unpackAnyAs(RouteConfiguration, any).virtualHosts ?? [])
      .filter((vhost) => (vhost.domains ?? []).includes(HOST))
      .flatMap((vhost) =>
        (vhost.routes ?? []).flatMap((route) => [
          ...(route.route?.cluster ? [route.route.cluster] : []),
          ...(route.route?.weightedClusters?.clusters ?? []).map((c) => c.name ?? ''),
        ]),
      ),
  );
}

/** The endpoint addresses of the `reviews` ClusterLoadAssignment in an EDS response. */
function reviewsAddresses(response: DiscoveryResponse): string[] {
  return (response.resources ?? [])
    .map((any) => unpackAnyAs(ClusterLoadAssignment, any))
    .filter((assignment) => assignment.clusterName === REVIEWS)
    .flatMap((assignment) =>
      (assignment.endpoints ?? []).flatMap((locality) =>
        (locality.lbEndpoints ?? []).map((lb) => lb.endpoint?.address?.socketAddress?.address ?? ''),
      ),
    )
    .sort();
}

/**
 * Takes responses of `typeUrl` (acknowledging each, with `resourceNames` as Envoy does) until one
 * satisfies `done`; fails naming what the last one held when the deadline passes.
 */
async function responseWhere(
  ads: AdsStream,
  typeUrl: string,
  resourceNames: string[],
  done: (response: DiscoveryResponse) => boolean,
  describe: (response: DiscoveryResponse) => unknown,
): Promise<DiscoveryResponse> {
  const deadline = Date.now() + PUSH_DEADLINE_MS;
  let last: DiscoveryResponse | undefined;
  while (Date.now() < deadline) {
    let response: DiscoveryResponse;
    try {
      response = await ads.next(typeUrl, Math.max(10, deadline - Date.now()));
    } catch {
      break;
    }
    ads.ack(response, resourceNames);
    if (done(response)) return response;
    last = response;
  }
  throw new Error(
    `no ${typeUrl} response as expected within ${PUSH_DEADLINE_MS} ms; last: ${JSON.stringify(last && describe(last))}`,
  );
}

describe('pilot --kubeconfig', () => {
  let running: ControlPlaneProcess | undefined;
  let ports: Ports;
  let ads: AdsStream | undefined;

  beforeAll(async () => {
    await createService('default', 'reviews');
    await createRunningPod('default', 'reviews-v1', { app: 'reviews', version: 'v1' }, '10.1.0.1');
    await createRunningPod('default', 'reviews-v2', { app: 'reviews', version: 'v2' }, '10.1.0.2');
    await discovery.createNamespacedEndpointSlice({
      namespace: 'default',
      body: {
        metadata: { name: 'reviews-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'reviews' } },
        addressType: 'IPv4',
        endpoints: [endpoint('10.1.0.1', 'reviews-v1'), endpoint('10.1.0.2', 'reviews-v2')],
        ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
      },
    });
    await custom.createNamespacedCustomObject({
      ...ISTIO,
      plural: 'destinationrules',
      namespace: 'default',
      body: destinationRule('default', 'reviews', ['v1', 'v2']),
    });
    await custom.createNamespacedCustomObject({
      ...ISTIO,
      plural: 'virtualservices',
      namespace: 'default',
      body: reviewsVirtualService('v2'),
    });
    ({ process: running, ports } = await ControlPlaneProcess.start('pilot', pilotBundle, [
      '--kubeconfig',
      envtest.env.kubeconfigFile,
      ...LOOPBACK,
    ]));
  });

  afterAll(() => {
    ads?.close();
    running?.kill();
  });

  it('serves the API server objects to a sidecar and pushes VirtualService and EndpointSlice changes', async () => {
    const ready = await until(
      () => httpGet(ports.debug, '/ready'),
      (r) => r.status === 200,
    );
    expect(ready.status).toBe(200);

    const stream = (ads = new AdsStream(ports.xds));
    stream.send({ typeUrl: TypeUrl.Cluster, node: NODE });
    const clusters = await responseWhere(stream, TypeUrl.Cluster, [], (r) => namesOf(r).includes(REVIEWS_V2), namesOf);
    expect(namesOf(clusters)).toEqual(expect.arrayContaining([REVIEWS, REVIEWS_V1, REVIEWS_V2]));

    stream.send({ typeUrl: TypeUrl.ClusterLoadAssignment, resourceNames: [REVIEWS] });
    const endpoints = await responseWhere(
      stream,
      TypeUrl.ClusterLoadAssignment,
      [REVIEWS],
      (r) => reviewsAddresses(r).length === 2,
      reviewsAddresses,
    );
    expect(reviewsAddresses(endpoints)).toEqual(['10.1.0.1', '10.1.0.2']);

    stream.send({ typeUrl: TypeUrl.RouteConfiguration, resourceNames: ['9080'] });
    const routes = await responseWhere(
      stream,
      TypeUrl.RouteConfiguration,
      ['9080'],
      (r) => reviewsRouteClusters(r).length > 0,
      reviewsRouteClusters,
    );
    expect(reviewsRouteClusters(routes)).toEqual([REVIEWS_V2]);

    // The VirtualService now routes to v1: a new RDS push says so.
    const current = (await custom.getNamespacedCustomObject({
      ...ISTIO,
      plural: 'virtualservices',
      namespace: 'default',
      name: 'reviews',
    })) as { metadata: { resourceVersion: string } };
    const toV1 = reviewsVirtualService('v1');
    await custom.replaceNamespacedCustomObject({
      ...ISTIO,
      plural: 'virtualservices',
      namespace: 'default',
      name: 'reviews',
      body: { ...toV1, metadata: { ...toV1.metadata, resourceVersion: current.metadata.resourceVersion } },
    });
    const rerouted = await responseWhere(
      stream,
      TypeUrl.RouteConfiguration,
      ['9080'],
      (r) => reviewsRouteClusters(r).includes(REVIEWS_V1),
      reviewsRouteClusters,
    );
    expect(reviewsRouteClusters(rerouted)).toEqual([REVIEWS_V1]);
    expect(rerouted.nonce).not.toBe(routes.nonce);

    // One endpoint leaves the EndpointSlice: EDS then lists the other alone.
    const slice = await discovery.readNamespacedEndpointSlice({ namespace: 'default', name: 'reviews-abcde' });
    await discovery.replaceNamespacedEndpointSlice({
      namespace: 'default',
      name: 'reviews-abcde',
      body: { ...slice, endpoints: [endpoint('10.1.0.2', 'reviews-v2')] },
    });
    const shrunk = await responseWhere(
      stream,
      TypeUrl.ClusterLoadAssignment,
      [REVIEWS],
      (r) => reviewsAddresses(r).length === 1,
      reviewsAddresses,
    );
    expect(reviewsAddresses(shrunk)).toEqual(['10.1.0.2']);
  });
});

function meshctl(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [meshctlBundle, ...args]);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('meshctl analyze --kubeconfig', () => {
  const NS = 'analyze';

  beforeAll(async () => {
    await createNamespace(envtest.kubeConfig, NS);
    await createService(NS, 'ratings');
    await createRunningPod(NS, 'ratings-v1', { app: 'ratings', version: 'v1' }, '10.2.0.1');
    // v1 selects the pod above; v9 selects none.
    await custom.createNamespacedCustomObject({
      ...ISTIO,
      plural: 'destinationrules',
      namespace: NS,
      body: destinationRule(NS, 'ratings', ['v1', 'v9']),
    });
  });

  it('reports IST0173 for a subset that selects no pod and exits 79', async () => {
    const result = await meshctl('analyze', '--kubeconfig', envtest.env.kubeconfigFile, '-n', NS);
    expect(result.stderr).not.toMatch(/error|fail/i);
    expect(result.stdout).toContain(
      'Error [IST0173] (DestinationRule analyze/ratings) The Subset v9 defined in the DestinationRule does not select any pods.',
    );
    expect(result.stdout).not.toMatch(/Subset v1 /);
    expect(result.status).toBe(79);
  });

  it('gives the same finding as JSON with -o json', async () => {
    const result = await meshctl('analyze', '--kubeconfig', envtest.env.kubeconfigFile, '-n', NS, '-o', 'json');
    expect(result.status).toBe(79);
    const messages = JSON.parse(result.stdout) as Array<{ code?: string; message?: string }>;
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'IST0173', message: expect.stringContaining('Subset v9') as string }),
      ]),
    );
  });
});
