/**
 * The whole discovery wiring in-process, over real sockets: a watched config directory, the
 * controller, the ADS server with a real gRPC client, the debug port and /metrics. Generators are
 * test doubles that build clusters and endpoints from the PushContext (the real ones are tested
 * in generators/).
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '@mesh/platform';
import {
  Cluster,
  ClusterLoadAssignment,
  TypeUrl,
  unpackAnyAs,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '@mesh/xds';
import { TestAdsClient, type SotwStream } from '../xds-server/testing/ads-test-client';
import { controlPlaneFlags, startControlPlane, type ControlPlane } from './control-plane';
import type { SyncStatus } from './syncz';
import { SIDECAR_NODE_ID } from './testing/mesh-objects';
import { RecordingGenerators } from './testing/recording-generators';

const REVIEWS = 'outbound|9080||reviews.example.com';
const node = { id: SIDECAR_NODE_ID, metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage' } } };

const SERVICE_ENTRY = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews.example.com]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  workloadSelector: {labels: {app: reviews}}
`;
const workload = (name: string, address: string) => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ${name}, namespace: default}
spec: {address: ${address}, labels: {app: reviews}}
`;

function ack(response: DiscoveryResponse, names: string[] = []): DiscoveryRequest {
  return {
    typeUrl: response.typeUrl,
    versionInfo: response.versionInfo,
    responseNonce: response.nonce,
    resourceNames: names,
  };
}

function endpointAddresses(response: DiscoveryResponse): string[] {
  return (response.resources ?? []).flatMap((any) =>
    (unpackAnyAs(ClusterLoadAssignment, any).endpoints ?? []).flatMap((group) =>
      (group.lbEndpoints ?? []).map((lb) => lb.endpoint?.address?.socketAddress?.address ?? ''),
    ),
  );
}

async function get(base: string, path: string): Promise<{ status: number; text: string; json: () => unknown }> {
  const response = await fetch(base + path);
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

/** Reads until `done` says yes (every 20 ms, at most 2 s); returns the last reading either way. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 100 && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

describe('startControlPlane (in-process, real sockets)', () => {
  let dir: string;
  let plane: ControlPlane;
  let client: TestAdsClient;
  let debug: string;
  let monitoring: string;
  const generators = new RecordingGenerators();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilot-controller-'));
    writeFileSync(join(dir, 'reviews.yaml'), SERVICE_ENTRY);
    writeFileSync(join(dir, 'vm-1.yaml'), workload('vm-1', '10.1.0.1'));
    const argv = ['--config-dir', dir, '--debounce-after', '20ms', '--log-level', 'error'];
    for (const flag of ['grpc-addr', 'http-addr', 'monitoring-addr']) argv.push(`--${flag}`, '127.0.0.1:0');
    const { flags } = parseFlags(controlPlaneFlags({}), argv);
    plane = await startControlPlane({ name: 'pilot', flags, env: {}, generators: generators.registry() });
    await plane.ready;
    debug = `http://127.0.0.1:${plane.addresses.debug.port}`;
    monitoring = `http://127.0.0.1:${plane.addresses.monitoring.port}`;
    client = new TestAdsClient(`127.0.0.1:${plane.addresses.xds.port}`);
  });

  afterAll(async () => {
    client?.close();
    await plane?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let stream: SotwStream;

  it('is ready, and serves a connecting sidecar clusters and endpoints from the directory', async () => {
    expect(await get(debug, '/ready')).toMatchObject({ status: 200, text: 'ready\n' });
    stream = client.sotw();
    stream.send({ typeUrl: TypeUrl.Cluster, node });
    const clusters = await stream.next();
    expect(clusters.resources?.map((any) => unpackAnyAs(Cluster, any).name)).toEqual([REVIEWS]);
    stream.send(ack(clusters));
    stream.send({ typeUrl: TypeUrl.ClusterLoadAssignment, resourceNames: [REVIEWS] });
    const endpoints = await stream.next();
    expect(endpointAddresses(endpoints)).toEqual(['10.1.0.1']);
    stream.send(ack(endpoints, [REVIEWS]));
  });

  it('shows the proxy in /debug/syncz with sent = acked per type', async () => {
    const entries = await until(
      async () => (await get(debug, '/debug/syncz')).json() as SyncStatus[],
      (list) => list[0]?.endpoint_acked !== undefined && list[0].endpoint_acked === list[0].endpoint_sent,
    );
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({ proxy: SIDECAR_NODE_ID, proxy_type: 'sidecar', protocol: 'sotw' });
    expect(entry.cluster_sent).toBeTruthy();
    expect(entry.cluster_acked).toBe(entry.cluster_sent);
    expect(entry.endpoint_acked).toBe(entry.endpoint_sent);
    expect(entry.types.map((t) => [t.type, t.resource_names, t.sent_resources])).toEqual([
      ['cds', [], 1],
      ['eds', [REVIEWS], 1],
    ]);
  });

  it('dumps what the proxy would get, by node ID or pod.namespace', async () => {
    for (const id of [SIDECAR_NODE_ID, 'productpage-v1-abc.default']) {
      const response = await get(debug, `/debug/config_dump?proxyID=${encodeURIComponent(id)}`);
      expect(response.status).toBe(200);
      const dump = response.json() as { configs: Array<Record<string, unknown>> };
      expect(dump.configs.map((c) => c['@type'])).toEqual([
        'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
      ]);
      const [clusters, endpoints] = dump.configs as [
        {
          dynamic_active_clusters: Array<{
            cluster: { '@type': string; name: string; connect_timeout?: string };
            last_updated?: string;
          }>;
        },
        { dynamic_endpoint_configs: Array<{ endpoint_config: { cluster_name: string; endpoints: unknown[] } }> },
      ];
      expect(clusters.dynamic_active_clusters.map((c) => [c.cluster['@type'], c.cluster.name])).toEqual([
        [TypeUrl.Cluster, REVIEWS],
      ]);
      // Canonical JSON: a Duration is a string of seconds.
      expect(clusters.dynamic_active_clusters[0].cluster.connect_timeout).toMatch(/^\d+(\.\d+)?s$/);
      expect(clusters.dynamic_active_clusters[0].last_updated).toMatch(/^\d{4}-/);
      expect(JSON.stringify(endpoints.dynamic_endpoint_configs)).toContain('"address":"10.1.0.1"');
    }
    expect(await get(debug, '/debug/config_dump')).toMatchObject({ status: 400 });
    const missing = await get(debug, '/debug/config_dump?proxyID=nobody.default');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: 'no connected proxy "nobody.default" (see /debug/syncz)' });
  });

  it('pushes a new endpoint incrementally: EDS only', async () => {
    writeFileSync(join(dir, 'vm-2.yaml'), workload('vm-2', '10.1.0.2'));
    const pushed = await stream.next(5_000);
    expect(pushed.typeUrl).toBe(TypeUrl.ClusterLoadAssignment);
    expect(endpointAddresses(pushed).sort()).toEqual(['10.1.0.1', '10.1.0.2']);
    expect(await stream.quiet(200)).toEqual([]); // no CDS: the services did not change
    const status = (await get(debug, '/debug/push_status')).json() as { lastPush: Record<string, unknown> };
    expect(status.lastPush).toMatchObject({ full: false, reasons: { endpoint: 1 }, edsHosts: ['reviews.example.com'] });

    // The proxy rejects it: syncz shows the NACK, the counter moves.
    stream.send({
      typeUrl: TypeUrl.ClusterLoadAssignment,
      versionInfo: 'old',
      responseNonce: pushed.nonce,
      resourceNames: [REVIEWS],
      errorDetail: { code: 3, message: 'endpoint 10.1.0.2 unreachable', details: [] },
    });
    const eds = await until(
      async () => ((await get(debug, '/debug/syncz')).json() as SyncStatus[])[0].types.find((t) => t.type === 'eds'),
      (type) => type?.nack !== undefined,
    );
    expect(eds?.nack).toMatchObject({
      message: 'endpoint 10.1.0.2 unreachable',
      nonce: pushed.nonce,
      kept_version: 'old',
    });
    expect(eds?.acked_nonce).not.toBe(eds?.sent_nonce);
  });

  it('keeps invalid config away from the proxies', async () => {
    const before = generators.calls.length;
    writeFileSync(
      join(dir, 'bad.yaml'),
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bad, namespace: default}
spec:
  hosts: [reviews.example.com]
  http: [{route: [{destination: {host: reviews.example.com}, weight: -1}]}]
`,
    );
    expect(await stream.quiet(400)).toEqual([]);
    expect(generators.calls.length).toBe(before);
    const configz = (await get(debug, '/debug/configz')).json() as Array<{ kind: string; metadata: { name: string } }>;
    expect(configz.map((c) => `${c.kind}/${c.metadata.name}`).sort()).toEqual([
      'ServiceEntry/reviews',
      'WorkloadEntry/vm-1',
      'WorkloadEntry/vm-2',
    ]);
  });

  it('serves the registry, endpoints and metrics', async () => {
    const registryz = (await get(debug, '/debug/registryz')).json() as Array<{ hostname: string }>;
    expect(registryz.map((s) => s.hostname)).toEqual(['reviews.example.com']);
    const endpointz = (await get(debug, '/debug/endpointz')).json() as Array<{ endpoints: Array<{ address: string }> }>;
    expect(endpointz.flatMap((e) => e.endpoints.map((x) => x.address)).sort()).toEqual(['10.1.0.1', '10.1.0.2']);

    const metrics = (await get(monitoring, '/metrics')).text;
    const sample = (line: string) => expect(metrics.split('\n')).toContain(line);
    sample('pilot_xds 1');
    sample('pilot_xds_pushes{type="cds"} 1');
    sample('pilot_xds_pushes{type="eds"} 2');
    sample('pilot_total_xds_rejects{type="eds"} 1');
    sample('pilot_debounce_time_count 1');
    sample('pilot_push_triggers{type="endpoint"} 1');
    sample('pilot_inbound_updates{type="eds"} 1');
    sample('pilot_services 1');
    sample('pilot_virt_services 0');
    expect(metrics).toMatch(/^pilot_xds_push_time_count\{type="eds"\} 2$/m);
    expect(metrics).toMatch(/^pilot_proxy_convergence_time_count 1$/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('closes gracefully: streams end with UNAVAILABLE, ports stop answering', async () => {
    await plane.close();
    expect((await stream.ended).code).toBe(GrpcStatus.UNAVAILABLE);
    await expect(fetch(`${debug}/ready`)).rejects.toThrow();
  });
});
