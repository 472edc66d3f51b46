/**
 * The istiod bundle as users run it (the `test` target builds it first): pilot's discovery with
 * --config-dir, plus galley's validating webhook over real TLS when given a certificate, and
 * SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Listener, TypeUrl, unpackAnyAs } from '@mesh/xds';
import { AdsStream, ControlPlaneProcess, httpGet, until } from '@mesh/testing';
import { makeTestCertificates } from '@mesh/testing';

const bundle = join(process.cwd(), 'dist', 'apps', 'istiod', 'main.js');
const samples = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples');
const LOOPBACK = ['--grpc-addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--monitoring-addr', '127.0.0.1:0'];
const NODE_ID = 'router~10.0.0.8~istio-ingressgateway-5d8c7b9f4-abcde.istio-system~istio-system.svc.cluster.local';

/** Certificate files for the process under test; the directory goes with the test's own. */
function makeCertificates(): { ca: string; cert: string; key: string; remove(): void } {
  const certs = makeTestCertificates();
  return { ca: certs.caCertFile, cert: certs.serverCertFile, key: certs.serverKeyFile, remove: certs.remove };
}

/** An AdmissionReview of a VirtualService whose only route has weight -1 (invalid). */
function reviewOfInvalidRoute(uid: string): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' },
      resource: { group: 'networking.istio.io', version: 'v1', resource: 'virtualservices' },
      name: 'httpbin',
      namespace: 'default',
      operation: 'CREATE',
      object: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'httpbin', namespace: 'default' },
        spec: { hosts: ['httpbin'], http: [{ route: [{ destination: { host: 'httpbin' }, weight: -1 }] }] },
      },
    },
  });
}

function postReview(
  port: number,
  ca: string,
  body: string,
): Promise<{ status: number; json: { response: Record<string, unknown> } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/validate',
        method: 'POST',
        ca,
        agent: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(() => {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npx nx build istiod`);
});

describe('istiod flags', () => {
  it('answers --help, saying what this build does not serve yet', () => {
    const result = spawnSync(process.execPath, [bundle, '--help'], { encoding: 'utf8', timeout: 10_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: istiod --config-dir DIR [flags]');
    expect(result.stdout).toContain('Not in this build yet:');
    expect(result.stdout).toMatch(/--webhook-addr <string>\s+.*\(default :15017\)/);
    expect(result.stdout).toMatch(/--grpc-addr <string>\s+.*\(default :15010\)/);
    expect(result.stdout).toMatch(/--tls-cert-file <string>/);
  });

  it('wants both webhook certificate files or neither (exit 2)', () => {
    const result = spawnSync(process.execPath, [bundle, '--config-dir', '/tmp', '--tls-cert-file', '/tmp/x.pem'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('istiod: --tls-cert-file and --tls-key-file go together');
  });
});

describe('istiod --config-dir with the validating webhook', () => {
  let dir: string;
  let running: ControlPlaneProcess;
  let ports: Awaited<ReturnType<typeof ControlPlaneProcess.start>>['ports'];
  let files: ReturnType<typeof makeCertificates>;
  let ads: AdsStream;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'istiod-app-'));
    files = makeCertificates();
    const config = join(dir, 'config');
    mkdirSync(config);
    writeFileSync(join(config, 'httpbin.yaml'), readFileSync(join(samples, 'httpbin', 'httpbin.yaml')));
    writeFileSync(join(config, 'gateway.yaml'), readFileSync(join(samples, 'httpbin', 'httpbin-gateway.yaml')));
    const args = ['--config-dir', config, ...LOOPBACK, '--webhook-addr', '127.0.0.1:0'];
    args.push('--tls-cert-file', files.cert, '--tls-key-file', files.key);
    ({ process: running, ports } = await ControlPlaneProcess.start('istiod', bundle, args));
  });

  afterAll(() => {
    ads?.close();
    running?.kill();
    rmSync(dir, { recursive: true, force: true });
    files?.remove();
  });

  it('prints every bound port, becomes ready and counts a connected gateway', async () => {
    expect(ports.webhook).toBeGreaterThan(0);
    expect(
      await until(
        () => httpGet(ports.debug, '/ready'),
        (r) => r.status === 200,
      ),
    ).toEqual({ status: 200, text: 'ready\n' });
    ads = new AdsStream(ports.xds);
    ads.send({
      typeUrl: TypeUrl.Listener,
      node: { id: NODE_ID, metadata: { NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } } },
    });
    // httpbin's Gateway selects istio=ingressgateway and opens port 80.
    const listeners = await ads.next(TypeUrl.Listener);
    expect((listeners.resources ?? []).map((any) => unpackAnyAs(Listener, any).name)).toEqual(['0.0.0.0_80']);
    ads.ack(listeners);
    const metrics = await until(
      () => httpGet(ports.monitoring, '/metrics').then((r) => r.text.split('\n')),
      (lines) => lines.includes('pilot_xds 1'),
    );
    expect(metrics).toContain('pilot_xds 1');
    const syncz = JSON.parse((await httpGet(ports.debug, '/debug/syncz')).text) as Array<Record<string, unknown>>;
    expect(syncz).toEqual([expect.objectContaining({ proxy: NODE_ID, proxy_type: 'router' })]);
    const configz = JSON.parse((await httpGet(ports.debug, '/debug/configz')).text) as Array<{
      kind: string;
      metadata: { name: string };
    }>;
    expect(configz.map((c) => `${c.kind}/${c.metadata.name}`).sort()).toEqual([
      'Gateway/httpbin-gateway',
      'Service/httpbin',
      'VirtualService/httpbin',
    ]);
  });

  it('denies invalid config on the webhook over TLS', async () => {
    const denied = await postReview(ports.webhook!, readFileSync(files.ca, 'utf8'), reviewOfInvalidRoute('uid-1'));
    expect(denied.status).toBe(200);
    expect(denied.json.response).toMatchObject({ uid: 'uid-1', allowed: false });
    expect(JSON.stringify(denied.json.response)).toContain(
      'VirtualService default/httpbin: spec.http[0].route[0].weight',
    );
  });

  it('shuts down gracefully on SIGTERM: streams end with UNAVAILABLE, exit 0', async () => {
    expect(await running.stop('SIGTERM')).toBe(0);
    expect((await ads.status).code).toBe(GrpcStatus.UNAVAILABLE);
  });
});

describe('istiod without a certificate', () => {
  it('runs discovery only, with no webhook port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'istiod-nowebhook-'));
    const { process: running, ports } = await ControlPlaneProcess.start('istiod', bundle, [
      '--config-dir',
      dir,
      ...LOOPBACK,
    ]);
    try {
      expect(ports.webhook).toBeUndefined();
      expect(running.stderr + running.stdout).not.toContain('webhook=');
      expect(
        await until(
          () => httpGet(ports.debug, '/ready'),
          (r) => r.status === 200,
        ),
      ).toMatchObject({ status: 200 });
      expect(await running.stop('SIGINT')).toBe(0);
    } finally {
      running.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
