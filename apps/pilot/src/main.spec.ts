/**
 * The pilot bundle as users run it (the `test` target builds it, and meshctl, first): flags, a
 * --config-dir control plane with a real ADS client, the debug and monitoring ports, a live edit of
 * the directory, meshctl against it, and SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { RouteConfiguration, TypeUrl, unpackAny, unpackAnyAs, type DiscoveryResponse } from '@mesh/xds';
import { AdsStream, ControlPlaneProcess, httpGet, until, type Ports } from '@mesh/testing';

const bundle = join(process.cwd(), 'dist', 'apps', 'pilot', 'main.js');
const meshctlBundle = join(process.cwd(), 'dist', 'apps', 'meshctl', 'main.js');
const bookinfo = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples', 'bookinfo');
const LOOPBACK = ['--grpc-addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--monitoring-addr', '127.0.0.1:0'];
const NODE_ID = 'sidecar~10.0.0.7~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local';

const REVIEWS_V1 = 'outbound|9080|v1|reviews.default.svc.cluster.local';

/** Names of the resources of a response (clusters, listeners, route configurations). */
function namesOf(response: DiscoveryResponse): string[] {
  return (response.resources ?? []).map((any) => (unpackAny(any).message as { name?: string }).name ?? '');
}

/** Every cluster a RouteConfiguration response routes to. */
function routeClusters(response: DiscoveryResponse): string[] {
  return (response.resources ?? []).flatMap((any) =>
    (unpackAnyAs(RouteConfiguration, any).virtualHosts ?? []).flatMap((vhost) =>
      (vhost.routes ?? []).flatMap((route) => [
        ...(route.route?.cluster ? [route.route.cluster] : []),
        ...(route.route?.weightedClusters?.clusters ?? []).map((c) => c.name ?? ''),
      ]),
    ),
  );
}

/** A CDS answer for the same proxy on a second stream: what the server generates now. */
async function currentClusters(xdsPort: number): Promise<DiscoveryResponse> {
  const second = new AdsStream(xdsPort);
  try {
    second.send({
      typeUrl: TypeUrl.Cluster,
      node: { id: NODE_ID, metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage' } } },
    });
    return await second.next(TypeUrl.Cluster);
  } finally {
    second.close();
  }
}

function pilot(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bundle, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, ...env },
  });
}

function meshctl(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [meshctlBundle, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(() => {
  for (const file of [bundle, meshctlBundle])
    if (!existsSync(file)) throw new Error(`${file} is missing: build it first`);
});

describe('pilot flags', () => {
  it('answers --help with its flags and Istio defaults', () => {
    const result = pilot(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: pilot --config-dir DIR [flags]');
    expect(result.stdout).toMatch(/--grpc-addr <string>\s+.*\(default :15010\)/);
    expect(result.stdout).toMatch(/--http-addr <string>\s+.*\(default :8080\)/);
    expect(result.stdout).toMatch(/--monitoring-addr <string>\s+.*\(default :15014\)/);
    expect(result.stdout).toMatch(/--debounce-after <duration>\s+.*env PILOT_DEBOUNCE_AFTER \(default 100ms\)/);
    expect(result.stdout).toMatch(/--debounce-max <duration>\s+.*env PILOT_DEBOUNCE_MAX \(default 10s\)/);
    expect(result.stdout).toMatch(/--kubeconfig <string>/);
    expect(result.stdout).toMatch(/--mesh-config <string>/);
    expect(result.stdout).toMatch(/--domain <string>\s+.*\(default cluster\.local\)/);
  });

  it.each([
    [[], {}, 'pilot: give --config-dir DIR (no Kubernetes) or --kubeconfig FILE'],
    [
      ['--config-dir', '/tmp', '--kubeconfig', '/tmp/k'],
      {},
      'pilot: give either --config-dir or --kubeconfig, not both',
    ],
    [
      ['--config-dir', '/tmp', '--grpc-addr', '15010'],
      {},
      'pilot: --grpc-addr: "15010" is not host:port, :port or [ipv6]:port',
    ],
    [
      ['--config-dir', '/tmp'],
      { PILOT_DEBOUNCE_AFTER: 'soon' },
      'pilot: PILOT_DEBOUNCE_AFTER: "soon" is not a duration',
    ],
  ])('refuses %j with exit code 2', (args, env, message) => {
    const result = pilot(args, env);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(2);
  });

  it('exits 1 naming the directory it cannot read', () => {
    const result = pilot(['--config-dir', '/nonexistent/mesh-config', ...LOOPBACK]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/start-up failed .*\/nonexistent\/mesh-config/);
  });

  it('exits 1 naming the wrong field of a --mesh-config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilot-mesh-'));
    try {
      writeFileSync(join(dir, 'mesh.yaml'), 'outboundTrafficPolicy:\n  mode: SOMETIMES\n');
      const result = pilot(['--config-dir', dir, '--mesh-config', join(dir, 'mesh.yaml'), ...LOOPBACK]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`pilot: --mesh-config: ${join(dir, 'mesh.yaml')} is invalid:`);
      expect(result.stderr).toContain('outboundTrafficPolicy.mode');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pilot --config-dir', () => {
  let dir: string;
  let running: ControlPlaneProcess;
  let ports: Ports;
  let ads: AdsStream;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilot-app-'));
    // Bookinfo's Services and its routing, read from Istio's samples (Deployments are ignored).
    writeFileSync(join(dir, 'bookinfo.yaml'), readFileSync(join(bookinfo, 'platform', 'kube', 'bookinfo.yaml')));
    writeFileSync(join(dir, 'routes.yaml'), readFileSync(join(bookinfo, 'networking', 'virtual-service-all-v1.yaml')));
    writeFileSync(join(dir, 'rules.yaml'), readFileSync(join(bookinfo, 'networking', 'destination-rule-all.yaml')));
    ({ process: running, ports } = await ControlPlaneProcess.start('pilot', bundle, [
      '--config-dir',
      dir,
      ...LOOPBACK,
    ]));
  });

  afterAll(() => {
    ads?.close();
    running?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('becomes ready and serves the directory', async () => {
    const ready = await until(
      () => httpGet(ports.debug, '/ready'),
      (r) => r.status === 200,
    );
    expect(ready).toEqual({ status: 200, text: 'ready\n' });
    const registry = JSON.parse((await httpGet(ports.debug, '/debug/registryz')).text) as Array<{ hostname: string }>;
    expect(registry.map((s) => s.hostname).sort()).toEqual([
      'details.default.svc.cluster.local',
      'productpage.default.svc.cluster.local',
      'ratings.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
    ]);
  });

  it('serves a real ADS client clusters, listeners and routes, and lists it in /debug/syncz and pilot_xds', async () => {
    ads = new AdsStream(ports.xds);
    ads.send({
      typeUrl: TypeUrl.Cluster,
      node: { id: NODE_ID, metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage' } } },
    });
    const clusters = await ads.next(TypeUrl.Cluster);
    expect(namesOf(clusters)).toEqual(
      expect.arrayContaining([REVIEWS_V1, 'outbound|9080|v2|reviews.default.svc.cluster.local', 'PassthroughCluster']),
    );
    ads.ack(clusters);
    ads.send({ typeUrl: TypeUrl.Listener });
    const listeners = await ads.next(TypeUrl.Listener);
    expect(namesOf(listeners)).toEqual(expect.arrayContaining(['virtualOutbound', 'virtualInbound', '0.0.0.0_9080']));
    ads.ack(listeners);
    ads.send({ typeUrl: TypeUrl.RouteConfiguration, resourceNames: ['9080'] });
    const routes = await ads.next(TypeUrl.RouteConfiguration);
    expect(routeClusters(routes)).toContain(REVIEWS_V1);
    ads.ack(routes, ['9080']);

    const syncz = await until(
      async () => JSON.parse((await httpGet(ports.debug, '/debug/syncz')).text) as Array<Record<string, unknown>>,
      (list) => list.length === 1 && list[0].route_acked === routes.nonce,
    );
    expect(syncz).toEqual([
      expect.objectContaining({
        proxy: NODE_ID,
        proxy_type: 'sidecar',
        cluster_sent: clusters.nonce,
        cluster_acked: clusters.nonce,
        listener_acked: listeners.nonce,
        route_sent: routes.nonce,
        route_acked: routes.nonce,
      }),
    ]);
    const metrics = (await httpGet(ports.monitoring, '/metrics')).text.split('\n');
    expect(metrics).toContain('pilot_xds 1');
    expect(metrics).toContain('pilot_services 4');
    expect(metrics).toContain('pilot_virt_services 4');
    expect(metrics).toContain('pilot_xds_pushes{type="cds"} 1');
  });

  it('pushes new routes after a file in the directory changes', async () => {
    const status = () =>
      httpGet(ports.debug, '/debug/push_status').then((r) => JSON.parse(r.text) as Record<string, unknown>);
    const before = await status();
    expect(before.pushes).toBe(0);
    const routesFile = join(dir, 'routes.yaml');
    const text = readFileSync(routesFile, 'utf8');
    const edited = text.replace(/(host: reviews\n\s+subset: )v1/, '$1v2');
    expect(edited).not.toBe(text);
    writeFileSync(routesFile, edited);

    // A full push of what a VirtualService can change for a sidecar without a Sidecar resource:
    // listeners and routes, in push order (clusters are not re-sent); ACK each as Envoy does.
    const types: string[] = [];
    let pushed: DiscoveryResponse;
    do {
      pushed = await ads.next();
      types.push(pushed.typeUrl ?? '');
      ads.ack(pushed, pushed.typeUrl === TypeUrl.RouteConfiguration ? ['9080'] : []);
    } while (pushed.typeUrl !== TypeUrl.RouteConfiguration);
    expect(types).toEqual([TypeUrl.Listener, TypeUrl.RouteConfiguration]);
    expect(routeClusters(pushed)).toContain('outbound|9080|v2|reviews.default.svc.cluster.local');
    expect(routeClusters(pushed)).not.toContain(REVIEWS_V1);
    const after = await status();
    expect(after.pushes).toBe(1);
    expect(after.version).toBe(pushed.versionInfo);
    expect(after.lastPush).toMatchObject({
      full: true,
      reasons: { config: 1 },
      configsUpdated: ['VirtualService/default/reviews'],
      proxies: 1,
    });
    const metrics = (await httpGet(ports.monitoring, '/metrics')).text.split('\n');
    expect(metrics).toContain('pilot_push_triggers{type="config"} 1');
    expect(metrics).toContain('pilot_debounce_time_count 1');
  });

  it('is what meshctl proxy-status and proxy-config show', async () => {
    const debugUrl = `http://127.0.0.1:${ports.debug}`;
    await until(
      async () => JSON.parse((await httpGet(ports.debug, '/debug/syncz')).text) as Array<Record<string, unknown>>,
      (list) => ['cluster', 'listener', 'route'].every((t) => list[0][`${t}_acked`] === list[0][`${t}_sent`]),
    );
    const status = await meshctl('proxy-status', '--istiod-debug', debugUrl);
    expect(status.status).toBe(0);
    expect(
      status.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.split(/\s{2,}/)),
    ).toEqual([
      ['NAME', 'CDS', 'LDS', 'EDS', 'RDS'],
      // The client never subscribed to endpoints.
      ['productpage-v1-6b746f74dc-9stvs.default', 'SYNCED', 'SYNCED', 'NOT SENT', 'SYNCED'],
    ]);

    const clusters = await meshctl(
      'proxy-config',
      'cluster',
      'productpage-v1-6b746f74dc-9stvs.default',
      '-o',
      'json',
      '--istiod-debug',
      debugUrl,
    );
    expect(clusters.status).toBe(0);
    const names = (JSON.parse(clusters.stdout) as Array<{ name: string; '@type': string }>).map((c) => c.name);
    expect(names.sort()).toEqual(namesOf(await currentClusters(ports.xds)).sort());
    const table = await meshctl(
      'proxy-config',
      'cluster',
      'productpage-v1-6b746f74dc-9stvs.default',
      '--istiod-debug',
      debugUrl,
    );
    expect(table.stdout).toMatch(/^reviews\.default\.svc\.cluster\.local\s+9080\s+v1\s+outbound\s+EDS$/m);

    const unknown = await meshctl('proxy-config', 'cluster', 'nobody.default', '--istiod-debug', debugUrl);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('meshctl: /debug/config_dump answered 404: no connected proxy "nobody.default"');
  });

  it('shuts down gracefully on SIGTERM: streams end with UNAVAILABLE, exit 0', async () => {
    expect(await running.stop('SIGTERM')).toBe(0);
    expect((await ads.status).code).toBe(GrpcStatus.UNAVAILABLE);
    expect(running.stderr).toContain('SIGTERM: shutting down');
  });
});
