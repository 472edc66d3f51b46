import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { makeTestCertificates } from '@mesh/testing';

// The `test` target depends on `build`, so this runs the real bundle, as users do.
const bundle = join(process.cwd(), 'dist', 'apps', 'galley', 'main.js');
const reviews8020 = join(
  process.cwd(),
  '..',
  'shared',
  'istio-corpus',
  'samples',
  'bookinfo',
  'networking',
  'virtual-service-reviews-80-20.yaml',
);

function galley(...args: string[]) {
  return spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', timeout: 10_000 });
}

/** Certificate files for the process under test; the directory goes with the test's own. */
function makeCertificates(): { ca: string; cert: string; key: string; remove(): void } {
  const certs = makeTestCertificates();
  return { ca: certs.caCertFile, cert: certs.serverCertFile, key: certs.serverKeyFile, remove: certs.remove };
}

/**
 * Bookinfo's 80/20 VirtualService as an AdmissionReview; `withRegex` adds a URI match whose
 * regex RE2 rejects (a lookahead), which exercises the RE2 WebAssembly module inside the bundle.
 */
function reviewOf80To20(uid: string, withRegex?: string): string {
  const object = parse(readFileSync(reviews8020, 'utf8')) as {
    metadata: Record<string, unknown>;
    spec: { http: Array<{ match?: unknown[]; route: Array<{ weight: number }> }> };
  };
  expect(object.spec.http[0].route.map((r) => r.weight)).toEqual([80, 20]);
  if (withRegex !== undefined) object.spec.http[0].match = [{ uri: { regex: withRegex } }];
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' },
      resource: { group: 'networking.istio.io', version: 'v1', resource: 'virtualservices' },
      name: 'reviews',
      namespace: 'default',
      operation: 'CREATE',
      object,
      dryRun: false,
    },
  });
}

function post(port: number, ca: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/validate',
        method: 'POST',
        ca,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves with the port once the process logs that it listens; rejects if it exits first. */
function listeningPort(child: ChildProcess, stderr: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 10 s:\n${stderr.join('')}`)), 10_000);
    child.stderr!.on('data', () => {
      const match = /listening on https:\/\/127\.0\.0\.1:(\d+)\/validate/.exec(stderr.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`galley exited with ${code}:\n${stderr.join('')}`));
    });
  });
}

describe('galley bundle', () => {
  beforeAll(() => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npx nx build galley`);
  });

  it('answers --help with its flags', () => {
    const result = galley('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: galley --tls-cert-file FILE --tls-key-file FILE [flags]');
    expect(result.stdout).toMatch(
      /--webhook-port <int>\s+HTTPS port of the validating webhook \(POST \/validate\) \(default 15017\)/,
    );
    expect(result.stdout).toMatch(/--tls-cert-file <string>/);
    expect(result.stdout).toMatch(/--tls-key-file <string>/);
  });

  it('refuses to start without a certificate, with exit code 2', () => {
    const result = galley('--tls-key-file', '/nonexistent');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('galley: --tls-cert-file is required');
  });

  it('says which file it cannot read', () => {
    const result = galley('--tls-cert-file', '/nonexistent/cert.pem', '--tls-key-file', '/nonexistent/key.pem');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('galley: --tls-cert-file: cannot read /nonexistent/cert.pem');
  });

  it('validates AdmissionReviews over HTTPS and closes on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'galley-app-'));
    const files = makeCertificates();
    const stderr: string[] = [];
    const child = spawn(process.execPath, [
      bundle,
      '--webhook-port=0',
      '--webhook-address=127.0.0.1',
      '--tls-cert-file',
      files.cert,
      '--tls-key-file',
      files.key,
    ]);
    child.stderr!.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
    try {
      const port = await listeningPort(child, stderr);
      const ca = readFileSync(files.ca, 'utf8');

      const allowed = await post(port, ca, reviewOf80To20('uid-ok'));
      expect(allowed).toEqual({
        status: 200,
        json: {
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: { uid: 'uid-ok', allowed: true },
        },
      });
      const denied = await post(port, ca, reviewOf80To20('uid-re2', '/api/(?=v1)'));
      const response = denied.json.response as { allowed: boolean; status: { message: string } };
      expect(response.allowed).toBe(false);
      expect(response.status.message).toMatch(
        /^configuration is invalid: VirtualService default\/reviews: spec\.http\[0\]\.match\[0\]\.uri\.regex: /,
      );

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr.join('')).toContain('SIGTERM: closing the webhook');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      files.remove();
    }
  }, 20_000);
});
