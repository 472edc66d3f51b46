/**
 * `meshctl validate` and `meshctl analyze`, run as users run them: the built bundle
 * (dist/apps/meshctl/main.js; the `test` target builds it first) on real files, Istio's samples
 * and this app's testdata.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bundle = join(process.cwd(), 'dist', 'apps', 'meshctl', 'main.js');
const samples = '../shared/istio-corpus/samples';
const testdata = 'apps/meshctl/testdata';

function meshctl(...args: string[]) {
  return spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });
}

/** The same, without blocking this process (so an HTTP server in it can answer the command). */
function meshctlAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

beforeAll(() => {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npx nx build meshctl`);
});

describe('meshctl validate', () => {
  it('accepts every file of Istio’s samples (exit 0)', () => {
    const result = meshctl('validate', '-f', samples);
    // Valid, with one warning: the sample injects a fault on every request, so its second rule is never used.
    expect(lines(result.stdout)).toEqual([
      `warning: VirtualService default/details ${samples}/bookinfo/networking/fault-injection-details-v1.yaml:18: spec.http[1]: unreachable: http[0] has no match conditions and takes all traffic first`,
    ]);
    expect(result.stderr).toBe(
      '\u2714 55 objects in 28 files are valid (skipped 16 of kinds the mesh does not read: 10 Deployment, 6 ServiceAccount).\n',
    );
    expect(result.status).toBe(0);
  });

  it('takes -f several times, and --filename', () => {
    const result = meshctl(
      'validate',
      '-f',
      `${samples}/httpbin/httpbin.yaml`,
      '--filename',
      `${samples}/httpbin/httpbin-gateway.yaml`,
      `--filename=${samples}/curl/curl.yaml`,
    );
    expect(result.stderr).toBe(
      '\u2714 4 objects in 3 files are valid (skipped 4 of kinds the mesh does not read: 2 Deployment, 2 ServiceAccount).\n',
    );
    expect(result.status).toBe(0);
  });

  it('rejects an invalid file (exit 1) naming resource, file:line, field and problem', () => {
    const result = meshctl('validate', '-f', `${testdata}/invalid`);
    const file = `${testdata}/invalid/reviews.yaml`;
    expect(lines(result.stdout)).toEqual([
      `VirtualService default/reviews ${file}:14: spec.http[0].route[0].weight: must be an integer (got string)`,
      `Gateway default/public ${file}:33: spec.servers[0].hosts[0]: "bad host!" is a short name; gateway hosts must be fully qualified (or "*")`,
      `Gateway default/public ${file}:33: spec.servers[0].hosts[0]: "bad host!" is not a valid host name: "bad host!" is not a DNS-1123 label or a wildcard`,
      `Gateway default/public ${file}:29: spec.servers[0].port.number: port number must be between 1 and 65535 (got 0)`,
    ]);
    expect(result.stderr).toBe('\u2718 4 errors in 3 objects in 1 file.\n');
    expect(result.status).toBe(1);
  });

  it('-o json is one JSON document with the same findings', () => {
    const result = meshctl('validate', '-o', 'json', '-f', `${testdata}/invalid/reviews.yaml`);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as {
      valid: boolean;
      objects: number;
      errors: { resource: { kind: string }; file: string; line: number; path: string; message: string }[];
    };
    expect(report.valid).toBe(false);
    expect(report.objects).toBe(3);
    expect(report.errors.map((e) => `${e.resource.kind} ${e.line} ${e.path}`)).toEqual([
      'VirtualService 14 spec.http[0].route[0].weight',
      'Gateway 33 spec.servers[0].hosts[0]',
      'Gateway 33 spec.servers[0].hosts[0]',
      'Gateway 29 spec.servers[0].port.number',
    ]);
    const clean = JSON.parse(meshctl('validate', '-o', 'json', '-f', samples).stdout) as { valid: boolean; errors: [] };
    expect(clean).toMatchObject({ valid: true, errors: [] });
  });

  it('reports YAML that does not parse with its line (exit 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-'));
    try {
      writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n');
      const result = meshctl('validate', '-f', dir);
      expect(result.stdout).toBe(`${join(dir, 'broken.yaml')}:5: duplicated mapping key\n`);
      expect(result.status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('usage problems: no files (exit 2), a path that does not exist (exit 1), a bad -o (exit 2)', () => {
    const none = meshctl('validate');
    expect(none.stderr).toBe('meshctl: give the files or directories to validate with -f\n');
    expect(none.status).toBe(2);
    const missing = meshctl('validate', '-f', 'no/such/dir');
    expect(missing.stderr).toBe('meshctl: no/such/dir: no such file or directory\n');
    expect(missing.status).toBe(1);
    const format = meshctl('validate', '-f', samples, '-o', 'yaml');
    expect(format.stderr).toBe('meshctl: --output: "yaml" is not a valid format (log, json)\n');
    expect(format.status).toBe(2);
  });
});

describe('meshctl analyze', () => {
  const dir = `${testdata}/analyze`;

  it('prints IST codes for a directory read recursively (*.yaml, *.yml, *.json) and exits 79 on errors', () => {
    const result = meshctl('analyze', '-f', dir);
    expect(lines(result.stdout).map((line) => line.replace(/\) .*/, ')'))).toEqual([
      `Error [IST0101] (VirtualService shop/cart ${dir}/routes.yaml:11)`,
      `Error [IST0101] (VirtualService shop/cart ${dir}/routes.yaml:16)`,
      `Error [IST0173] (DestinationRule shop/cart ${dir}/nested/rules.json:9)`,
      `Info [IST0102] (Namespace shop ${dir}/nested/platform.yml:4)`,
      `Info [IST0118] (Service shop/cart ${dir}/nested/platform.yml:15)`,
    ]);
    expect(lines(result.stdout)[1]).toBe(
      `Error [IST0101] (VirtualService shop/cart ${dir}/routes.yaml:16) Referenced host+subset in destinationrule not found: "cart+v2"`,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(79);
  });

  it('-o json is an array of {code, level, origin, reference, message, documentationUrl}', () => {
    const result = meshctl('analyze', '-f', dir, '-o', 'json');
    expect(result.status).toBe(79);
    const messages = JSON.parse(result.stdout) as Record<string, string>[];
    expect(messages.map((m) => m.code)).toEqual(['IST0101', 'IST0101', 'IST0173', 'IST0102', 'IST0118']);
    expect(messages[2]).toEqual({
      code: 'IST0173',
      level: 'Error',
      origin: 'DestinationRule shop/cart',
      reference: `${dir}/nested/rules.json:9`,
      message:
        'The Subset v3 defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).',
      documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0173/',
    });
  });

  it('says so when there is nothing to report (exit 0)', () => {
    const files = [
      `${samples}/bookinfo/platform/kube/bookinfo.yaml`,
      `${samples}/bookinfo/networking/bookinfo-gateway.yaml`,
      `${samples}/bookinfo/networking/destination-rule-reviews.yaml`,
      `${samples}/bookinfo/networking/virtual-service-reviews-80-20.yaml`,
    ];
    const result = meshctl('analyze', ...files.flatMap((file) => ['-f', file]));
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`\u2714 No validation issues found when analyzing ${files.join(', ')}.\n`);
    expect(result.status).toBe(0);
    const json = meshctl('analyze', '-o', 'json', ...files.flatMap((file) => ['-f', file]));
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect(json.status).toBe(0);
  });

  it('warnings alone do not fail the run', () => {
    const result = meshctl(
      'analyze',
      '-f',
      `${samples}/bookinfo/platform/kube/bookinfo.yaml`,
      '-f',
      `${samples}/bookinfo/networking/fault-injection-details-v1.yaml`,
    );
    expect(lines(result.stdout)).toEqual([
      `Warning [IST0130] (VirtualService default/details ${samples}/bookinfo/networking/fault-injection-details-v1.yaml:18) VirtualService rule #1 not used (only the last rule can have no matches).`,
    ]);
    expect(result.status).toBe(0);
  });

  it('--namespace reports on one namespace only', () => {
    const result = meshctl('analyze', '-f', dir, '-n', 'elsewhere');
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`\u2714 No validation issues found when analyzing ${dir}.\n`);
    expect(result.status).toBe(0);
  });

  it('files that do not parse: the error on stderr and exit 65', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'meshctl-'));
    try {
      writeFileSync(join(tmp, 'broken.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n');
      const result = meshctl('analyze', '-f', tmp);
      expect(lines(result.stderr)).toEqual([
        `error: ${join(tmp, 'broken.yaml')}:5: duplicated mapping key`,
        `\u2714 No validation issues found when analyzing ${tmp} (but 1 file could not be parsed).`,
      ]);
      expect(result.status).toBe(65);
    } finally {
      rmSync(tmp, { recursive: true });
    }
  });

  it('needs files or a cluster (exit 2)', () => {
    const result = meshctl('analyze');
    expect(result.stderr).toBe('meshctl: give files or directories with -f, or a cluster with --kubeconfig\n');
    expect(result.status).toBe(2);
  });

  describe('--kubeconfig', () => {
    // A stand-in for the API server (list and watch over real HTTP), not a kube-apiserver: the
    // command's client code, config-store's informers and the HTTP exchange are the real ones.
    let server: Server;
    let tmp: string;
    const requested: string[] = [];
    const lists: Record<string, unknown[]> = {
      '/api/v1/namespaces': [{ metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } }],
      '/api/v1/services': [
        {
          metadata: { name: 'cart', namespace: 'shop' },
          spec: { selector: { app: 'cart' }, ports: [{ name: 'http', port: 8080 }] },
        },
      ],
      '/apis/networking.istio.io/v1/virtualservices': [
        {
          metadata: { name: 'cart', namespace: 'shop' },
          spec: {
            hosts: ['cart'],
            gateways: ['mesh', 'missing-gateway'],
            http: [{ route: [{ destination: { host: 'cart' } }] }],
          },
        },
      ],
    };

    const kubeconfig = (port: number): string =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: stand-in\n  cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}`,
        'users:\n- name: me\n  user: {token: not-checked}',
        'contexts:\n- name: here\n  context: {cluster: stand-in, user: me}',
        'current-context: here',
      ].join('\n');

    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'meshctl-kube-'));
      server = createServer((request, response) => {
        const url = new URL(request.url ?? '/', 'http://stand-in');
        requested.push(url.pathname);
        response.writeHead(200, { 'content-type': 'application/json' });
        if (url.searchParams.get('watch') === 'true') {
          response.flushHeaders(); // a watch with nothing new: held open until the client leaves
          return;
        }
        const items = lists[url.pathname] ?? [];
        response.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      writeFileSync(join(tmp, 'kubeconfig'), kubeconfig((server.address() as AddressInfo).port));
      writeFileSync(join(tmp, 'dead-kubeconfig'), kubeconfig(9));
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(tmp, { recursive: true });
    });

    it('analyzes what the cluster holds, listing only the kinds the analyzers read', async () => {
      const result = await meshctlAsync('analyze', '--kubeconfig', join(tmp, 'kubeconfig'));
      expect(lines(result.stdout)).toEqual([
        'Error [IST0101] (VirtualService shop/cart) Referenced gateway not found: "missing-gateway"',
      ]);
      expect(result.status).toBe(79);
      expect([...new Set(requested)].sort()).toEqual([
        '/api/v1/namespaces',
        '/api/v1/pods',
        '/api/v1/services',
        '/apis/networking.istio.io/v1/destinationrules',
        '/apis/networking.istio.io/v1/gateways',
        '/apis/networking.istio.io/v1/serviceentries',
        '/apis/networking.istio.io/v1/virtualservices',
        '/apis/networking.istio.io/v1/workloadentries',
        '/apis/security.istio.io/v1/peerauthentications',
      ]);
    });

    it('applies the files on top of the cluster', async () => {
      const fixed = join(tmp, 'cart-vs.yaml');
      writeFileSync(
        fixed,
        'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: cart, namespace: shop}\n' +
          'spec: {hosts: [cart], http: [{route: [{destination: {host: cart}}]}]}\n',
      );
      const result = await meshctlAsync('analyze', '--kubeconfig', join(tmp, 'kubeconfig'), '-f', fixed);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`\u2714 No validation issues found when analyzing ${fixed}.\n`);
      expect(result.status).toBe(0);
    });

    it('fails fast, naming the server, when the cluster cannot be reached', async () => {
      const started = Date.now();
      const result = await meshctlAsync('analyze', '--kubeconfig', join(tmp, 'dead-kubeconfig'));
      expect(result.stderr).toMatch(
        /^meshctl: could not list from the cluster at http:\/\/127\.0\.0\.1:9 after 3 retries: /,
      );
      expect(result.status).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  });
});
