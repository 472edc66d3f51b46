/**
 * `meshctl proxy-status` and `meshctl proxy-config`, run as built (dist/apps/meshctl/main.js)
 * against a stand-in debug port serving canned /debug/syncz and /debug/config_dump answers, so
 * every state and table can be checked exactly. The run against a real pilot is in
 * apps/pilot/src/main.spec.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const bundle = join(process.cwd(), 'dist', 'apps', 'meshctl', 'main.js');

function meshctl(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const PRODUCTPAGE = 'sidecar~10.0.0.7~productpage-v1-abc.default~default.svc.cluster.local';
const GATEWAY = 'router~10.0.0.8~istio-ingressgateway-xyz.istio-system~istio-system.svc.cluster.local';
const type = (name: string, sent: string, acked: string, nack?: { message: string; nonce: string }) => ({
  type: name,
  sent_nonce: sent,
  acked_nonce: acked,
  ...(nack ? { nack } : {}),
});

const SYNCZ = [
  {
    proxy: PRODUCTPAGE,
    proxy_type: 'sidecar',
    cluster_sent: 'n1',
    cluster_acked: 'n1',
    types: [
      type('cds', 'n1', 'n1'),
      type('eds', 'n4', 'n2'),
      type('lds', 'n3', 'n2', { message: 'bad filter', nonce: 'n3' }),
    ],
  },
  // Istio's flat fields only (an istiod that gives no `types`).
  { proxy: GATEWAY, proxy_type: 'router', cluster_sent: 'a', cluster_acked: 'a', route_sent: 'b', route_acked: '' },
];

const CONFIG_DUMP = {
  configs: [
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      dynamicActiveClusters: [
        { cluster: { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', type: 'EDS', connectTimeout: '10s' } },
        { cluster: { name: 'PassthroughCluster', type: 'ORIGINAL_DST' } },
        { cluster: { name: 'BlackHoleCluster' } },
      ],
    },
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      dynamicListeners: [
        {
          name: 'virtualOutbound',
          activeState: {
            listener: {
              name: 'virtualOutbound',
              address: { socketAddress: { address: '0.0.0.0', portValue: 15001 } },
              filterChains: [{}, {}],
            },
          },
        },
        // A field this build does not know (a newer Envoy's): tables skip it, -o json warns.
        { name: 'reviews:9080', activeState: { listener: { name: 'reviews:9080', apiListener: {}, futureField: 1 } } },
      ],
    },
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
      // Envoy's own admin output is snake_case: read the same.
      dynamic_route_configs: [
        {
          route_config: {
            name: '9080',
            virtual_hosts: [
              {
                name: 'reviews.default.svc.cluster.local:9080',
                domains: ['reviews.default.svc.cluster.local', 'reviews', 'reviews.default'],
                routes: [
                  {
                    match: { prefix: '/' },
                    route: {
                      weighted_clusters: {
                        clusters: [
                          { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 80 },
                          { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 20 },
                        ],
                      },
                    },
                    metadata: {
                      filter_metadata: {
                        istio: { config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews' },
                      },
                    },
                  },
                ],
              },
              {
                name: 'block_all',
                domains: ['*'],
                routes: [{ match: { path: '/' }, direct_response: { status: 502 } }],
              },
            ],
          },
        },
      ],
    },
    {
      '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
      dynamicEndpointConfigs: [
        {
          endpointConfig: {
            clusterName: 'outbound|9080|v1|reviews.default.svc.cluster.local',
            endpoints: [
              {
                locality: { region: 'us-east1', zone: 'us-east1-b' },
                lbEndpoints: [
                  { endpoint: { address: { socketAddress: { address: '10.1.0.1', portValue: 9080 } } } },
                  {
                    endpoint: { address: { socketAddress: { address: '10.1.0.2', portValue: 9080 } } },
                    healthStatus: 'UNHEALTHY',
                    loadBalancingWeight: 3,
                  },
                ],
              },
            ],
          },
        },
      ],
    },
  ],
};

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let server: Server;
let url: string;
const requested: string[] = [];

beforeAll(async () => {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npx nx build meshctl`);
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const target = new URL(req.url ?? '/', 'http://x');
    if (target.pathname === '/debug/syncz') return reply(200, SYNCZ);
    if (target.pathname === '/debug/config_dump') {
      const id = target.searchParams.get('proxyID');
      if (id === 'productpage-v1-abc.default') return reply(200, CONFIG_DUMP);
      return reply(404, { error: `no connected proxy "${id}" (see /debug/syncz)` });
    }
    return reply(404, { error: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('meshctl proxy-status', () => {
  it('prints SYNCED, STALE, NACK and NOT SENT per proxy and type, with NACK details on stderr', async () => {
    const result = await meshctl('proxy-status', '--istiod-debug', url);
    expect(result.stdout).toBe(
      [
        'NAME                                    CDS      LDS        EDS        RDS',
        'istio-ingressgateway-xyz.istio-system   SYNCED   NOT SENT   NOT SENT   STALE',
        'productpage-v1-abc.default              SYNCED   NACK       STALE      NOT SENT',
        '',
      ].join('\n'),
    );
    expect(result.stderr).toBe('productpage-v1-abc.default LDS NACK: bad filter\n');
    expect(result.status).toBe(0);
  });

  it('filters by proxy, and prints the syncz entries with -o json', async () => {
    const result = await meshctl('proxy-status', 'productpage-v1-abc.default', '-o', 'json', '--istiod-debug', url);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([SYNCZ[0]]);
    const missing = await meshctl('proxy-status', 'nobody.default', '--istiod-debug', url);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`meshctl: no proxy "nobody.default" is connected to ${url}\n`);
  });

  it('says which istiod it cannot reach (exit 1), and refuses a malformed URL (exit 2)', async () => {
    const closed = await closedPort();
    const down = await meshctl('proxy-status', '--istiod-debug', `http://127.0.0.1:${closed}`);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(
      new RegExp(`^meshctl: cannot reach istiod at http://127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`),
    );
    const bad = await meshctl('proxy-status', '--istiod-debug', 'localhost 8080');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--istiod-debug: "localhost 8080" is not a URL');
  });
});

describe('meshctl proxy-config', () => {
  const pc = (...args: string[]) => meshctl('proxy-config', ...args, '--istiod-debug', url);

  it('lists clusters by FQDN, port, subset and direction', async () => {
    const result = await pc('cluster', 'productpage-v1-abc.default');
    expect(result.stdout).toBe(
      [
        'SERVICE FQDN                        PORT   SUBSET   DIRECTION   TYPE',
        'reviews.default.svc.cluster.local   9080   v1       outbound    EDS',
        'PassthroughCluster                  -      -        -           ORIGINAL_DST',
        'BlackHoleCluster                    -      -        -           STATIC',
        '',
      ].join('\n'),
    );
    expect(result.status).toBe(0);
    expect(requested).toContain('/debug/config_dump?proxyID=productpage-v1-abc.default');
  });

  it('lists listeners, routes (snake_case input too) and endpoints', async () => {
    expect((await pc('listener', 'productpage-v1-abc.default')).stdout).toBe(
      [
        'NAME              ADDRESS   PORT    TYPE   FILTER CHAINS',
        'virtualOutbound   0.0.0.0   15001   TCP    2',
        'reviews:9080      -         -       API    -',
        '',
      ].join('\n'),
    );
    expect((await pc('routes', 'productpage-v1-abc.default')).stdout).toBe(
      [
        'NAME   VIRTUAL HOST                             DOMAINS                                     MATCH   ACTION                                                                                                         VIRTUAL SERVICE',
        '9080   reviews.default.svc.cluster.local:9080   reviews.default.svc.cluster.local +2 more   /*      outbound|9080|v1|reviews.default.svc.cluster.local 80, outbound|9080|v2|reviews.default.svc.cluster.local 20   reviews.default',
        '9080   block_all                                *                                           /       direct response 502                                                                                            -',
        '',
      ].join('\n'),
    );
    expect((await pc('endpoint', 'productpage-v1-abc.default')).stdout).toBe(
      [
        'ENDPOINT        STATUS      WEIGHT   LOCALITY              CLUSTER',
        '10.1.0.1:9080   HEALTHY     1        us-east1/us-east1-b   outbound|9080|v1|reviews.default.svc.cluster.local',
        '10.1.0.2:9080   UNHEALTHY   3        us-east1/us-east1-b   outbound|9080|v1|reviews.default.svc.cluster.local',
        '',
      ].join('\n'),
    );
  });

  it('prints the resources with -o json in canonical JSON with Envoy field names', async () => {
    const result = await pc('cluster', 'productpage-v1-abc.default', '-o', 'json');
    expect(result.stderr).toBe('');
    const cluster = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
    expect(JSON.parse(result.stdout)).toEqual([
      {
        '@type': cluster,
        name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
        type: 'EDS',
        connect_timeout: '10s',
      },
      { '@type': cluster, name: 'PassthroughCluster', type: 'ORIGINAL_DST' },
      { '@type': cluster, name: 'BlackHoleCluster' },
    ]);
  });

  it('prints a resource it cannot read as received, with a warning naming the field', async () => {
    const result = await pc('listener', 'productpage-v1-abc.default', '-o', 'json');
    expect(result.status).toBe(0);
    const listener = 'type.googleapis.com/envoy.config.listener.v3.Listener';
    expect(JSON.parse(result.stdout)).toEqual([
      {
        '@type': listener,
        name: 'virtualOutbound',
        address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
        filter_chains: [{}, {}],
      },
      { name: 'reviews:9080', apiListener: {}, futureField: 1 },
    ]);
    expect(result.stderr).toBe(
      'meshctl: warning: listener[1]: futureField: unknown field "futureField" in envoy.config.listener.v3.Listener (printed as received)\n',
    );
  });

  it('passes istiod’s error on for an unknown proxy (exit 1), and wants a type and a proxy (exit 2)', async () => {
    const unknown = await pc('cluster', 'nobody.default');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe(
      'meshctl: /debug/config_dump answered 404: no connected proxy "nobody.default" (see /debug/syncz)\n',
    );
    const noType = await pc('secrets', 'productpage-v1-abc.default');
    expect(noType.status).toBe(2);
    expect(noType.stderr).toContain('say what to show: cluster, listener, route or endpoint');
    const noProxy = await pc('cluster');
    expect(noProxy.status).toBe(2);
    expect(noProxy.stderr).toContain('give the proxy');
  });
});
