/**
 * The gateway bundle as users run it (the `test` target builds it first), against the stub
 * control plane of @mesh/testing: the identity it announces, readiness before and after its
 * first configuration, real HTTP through a listener it was given, a NACK for an invalid update
 * while the old configuration keeps serving, flag errors, and SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Listener, RouteConfiguration, TypeUrl } from '@mesh/xds';
import { checkPrometheusText, sleep, StubControlPlane, stubResource } from '@mesh/testing';
import { httpListener, listenerWithoutRoutes, routeAllTo, staticCluster } from '../testdata/resources';

/** Polls `check` every 20 ms for up to 5 s; the last answer. */
async function eventually(check: () => boolean): Promise<boolean> {
  for (let waited = 0; waited < 5_000 && !check(); waited += 20) await sleep(20);
  return check();
}

const bundle = join(process.cwd(), 'dist', 'apps', 'ingress-gateway', 'main.js');

class GatewayProcess {
  out = '';
  err = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.out += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.err += text));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(args: readonly string[]): GatewayProcess {
    return new GatewayProcess(spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Waits (bounded) for `pattern` in stdout or stderr. */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.out) ?? pattern.exec(this.err);
      if (match) return match;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no ${pattern} (exit ${this.child.exitCode}):\nstdout: ${this.out}\nstderr: ${this.err}`);
      }
      await sleep(20);
    }
  }
}

function runOnce(args: string[]) {
  return spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', timeout: 10_000 });
}

async function status(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, text: await response.text() };
}

describe('ingress-gateway (the bundle)', () => {
  let stub: StubControlPlane;
  let upstream: Server;
  let upstreamPort: number;
  let gateway: GatewayProcess;
  let work: string;
  let accessLog: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ingress-gateway-'));
    accessLog = join(work, 'access.log');
    stub = await StubControlPlane.start();
    upstream = createServer((req, res) => res.end(`upstream saw ${req.url}`));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;
  });

  afterAll(async () => {
    if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
    await stub.stop();
    await new Promise((resolve) => upstream.close(resolve));
    rmSync(work, { recursive: true, force: true });
  });

  it('answers --help, and refuses bad flags with exit code 2 naming the flag', () => {
    const help = runOnce(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--discovery-address/);
    expect(help.stdout).toMatch(/--status-port/);

    const labels = runOnce(['--labels', 'istio']);
    expect(labels.status).toBe(2);
    expect(labels.stderr).toMatch(/--labels: "istio" is not key=value/);

    const address = runOnce(['--discovery-address', 'nowhere']);
    expect(address.status).toBe(2);
    expect(address.stderr).toMatch(/--discovery-address: "nowhere" is not host:port/);

    const both = runOnce(['--discovery-address', 'a:1', '--xds-address', 'b:2']);
    expect(both.status).toBe(2);
  });

  it('announces itself as a router with its labels and is not ready before its first configuration', async () => {
    gateway = GatewayProcess.start([
      '--discovery-address',
      stub.address,
      '--admin-port',
      '0',
      '--status-port',
      '0',
      '--prometheus-port',
      '0',
      '--labels',
      'istio=ingressgateway,app=edge',
      '--namespace',
      'edge-ns',
      '--access-log-file',
      accessLog,
    ]);
    const [, adminPort, statusPort] = await gateway.waitFor(
      /^ingress-gateway: admin=127\.0\.0\.1:(\d+) status=0\.0\.0\.0:(\d+) prometheus=0\.0\.0\.0:\d+ xds=127\.0\.0\.1:\d+$/m,
    );
    const first = await stub.requests.waitFor((r) => r.node !== undefined);
    expect(first.node?.id).toBe('router~127.0.0.1~istio-ingressgateway.edge-ns~edge-ns.svc.cluster.local');
    expect(first.node?.metadata).toMatchObject({
      NAMESPACE: 'edge-ns',
      LABELS: { istio: 'ingressgateway', app: 'edge' },
    });

    // The stub answers nothing until resources are set: no configuration yet.
    expect(await status(`http://127.0.0.1:${statusPort}/healthz/ready`)).toEqual({
      status: 503,
      text: 'PRE_INITIALIZING\n',
    });
    expect((await status(`http://127.0.0.1:${adminPort}/ready`)).status).toBe(503);
  });

  it('serves the listeners, routes and clusters it is given, and is then ready', async () => {
    stub.setResources(TypeUrl.Cluster, [stubResource(Cluster, staticCluster('demo', upstreamPort))]);
    stub.setResources(TypeUrl.Listener, [stubResource(Listener, httpListener('gw', 'http.8080'))]);
    stub.setResources(TypeUrl.RouteConfiguration, [stubResource(RouteConfiguration, routeAllTo('http.8080', 'demo'))]);
    const [, port] = await gateway.waitFor(/^ingress-gateway: listener gw on 127\.0\.0\.1:(\d+)$/m);

    expect(await status(`http://127.0.0.1:${port}/hello`)).toEqual({ status: 200, text: 'upstream saw /hello' });
    const logged = await eventually(
      () => existsSync(accessLog) && readFileSync(accessLog, 'utf8').includes('"GET /hello HTTP/1.1" 200'),
    );
    expect(logged).toBe(true);
    const [, statusPort] = /status=0\.0\.0\.0:(\d+)/.exec(gateway.out)!;
    expect(await status(`http://127.0.0.1:${statusPort}/healthz/ready`)).toEqual({ status: 200, text: 'LIVE\n' });
    expect(await status(`http://127.0.0.1:${statusPort}/elsewhere`)).toMatchObject({ status: 404 });
  });

  it("serves Istio's standard metrics for Prometheus on --prometheus-port, labelled with its own identity", async () => {
    const [, prometheusPort] = /prometheus=0\.0\.0\.0:(\d+)/.exec(gateway.out)!;
    const scrape = await status(`http://127.0.0.1:${prometheusPort}/stats/prometheus`);
    expect(scrape.status).toBe(200);
    const { samples, types } = checkPrometheusText(scrape.text);
    expect(types.get('istio_requests_total')).toBe('counter');
    const ok = samples.filter((s) => s.name === 'istio_requests_total' && s.labels.response_code === '200');
    expect(ok).toHaveLength(1);
    // The earlier test sent one request through the gateway.
    expect(ok[0].value).toBe(1);
    expect(ok[0].labels).toMatchObject({
      reporter: 'source',
      source_workload: 'istio-ingressgateway',
      source_workload_namespace: 'edge-ns',
      source_app: 'edge',
      source_cluster: 'Kubernetes',
      response_flags: '-',
    });
    expect(samples.some((s) => s.name === 'envoy_cluster_upstream_rq_total' && s.labels.cluster_name === 'demo')).toBe(
      true,
    );
    expect((await status(`http://127.0.0.1:${prometheusPort}/elsewhere`)).status).toBe(404);
  });

  it('NACKs an invalid update, logs why, and keeps serving the last good configuration', async () => {
    const [, port] = /listener gw on 127\.0\.0\.1:(\d+)/.exec(gateway.out)!;
    stub.setResources(TypeUrl.Listener, [stubResource(Listener, listenerWithoutRoutes('gw'))]);
    const nack = await stub.requests.waitFor((r) => r.typeUrl === TypeUrl.Listener && r.errorDetail !== undefined);
    expect(nack.errorDetail?.message).toMatch(/Listener "gw": .*must set rds or route_config/);
    await gateway.waitFor(/ error NACK Listener \(nonce [^)]+\): Listener "gw": .*must set rds or route_config/);
    expect(await status(`http://127.0.0.1:${port}/still`)).toEqual({ status: 200, text: 'upstream saw /still' });
  });

  it('closes its ports and exits 0 on SIGTERM', async () => {
    const [, port] = /listener gw on 127\.0\.0\.1:(\d+)/.exec(gateway.out)!;
    gateway.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      gateway.exited,
      new Promise((resolve) => (timer = setTimeout(() => resolve('still running 10 s after SIGTERM'), 10_000))),
    ]);
    clearTimeout(timer);
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});
