import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLocalMeshConfig } from './example-config.ts';

const GATEWAY_LABELS = { istio: 'ingressgateway' };

describe('readLocalMeshConfig', () => {
  it('finds the ingress port and one demo upstream per loopback endpoint in the example config', () => {
    const config = readLocalMeshConfig(join(process.cwd(), 'deploy', 'examples', 'local-mesh'), GATEWAY_LABELS);
    expect(config.ingress.map(({ gateway, port, protocol }) => ({ gateway, port, protocol }))).toEqual([
      { gateway: 'demo-gateway', port: 8080, protocol: 'HTTP' },
    ]);
    expect(config.demoEndpoints.map(({ version, address, port }) => ({ version, address, port }))).toEqual([
      { version: 'v1', address: '127.0.0.1', port: 9181 },
      { version: 'v2', address: '127.0.0.1', port: 9182 },
    ]);
    expect(config.virtualServiceFiles).toEqual([join('deploy', 'examples', 'local-mesh', 'hello-routes.yaml')]);
  });

  it('skips Gateways for other proxies, non-loopback endpoints, and reads WorkloadEntries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-mesh-config-'));
    try {
      writeFileSync(
        join(dir, 'mesh.yaml'),
        `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: egress }
spec:
  selector: { istio: egressgateway }
  servers: [{ port: { number: 9000, name: http, protocol: HTTP }, hosts: ['*'] }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: remote }
spec:
  hosts: [remote.test]
  ports: [{ number: 8000, name: http, protocol: HTTP }]
  endpoints: [{ address: 10.0.0.1, labels: { version: v1 } }, { address: 127.0.0.2 }]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: canary }
spec:
  address: 127.0.0.1
  ports: { http: 9300 }
  labels: { version: v3 }
`,
      );
      writeFileSync(join(dir, '.hidden.yaml'), 'kind: Gateway\nspec: {selector: {istio: ingressgateway}}\n');
      const config = readLocalMeshConfig(dir, GATEWAY_LABELS);
      expect(config.ingress).toEqual([]);
      expect(config.demoEndpoints.map(({ name, address, port }) => ({ name, address, port }))).toEqual([
        // No ports of its own: the service port (no targetPort).
        { name: 'remote.test unversioned', address: '127.0.0.2', port: 8000 },
        { name: 'canary v3', address: '127.0.0.1', port: 9300 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
