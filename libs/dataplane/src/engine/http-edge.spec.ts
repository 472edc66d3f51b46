/**
 * What Istio sets on every HTTP connection manager and cluster, end to end over real sockets:
 * WebSocket upgrades (`upgrade_configs`), `normalize_path`, `server_name`, `use_remote_address`,
 * `forward_client_cert_details`, the (empty) fault and CORS filters, `grpc-timeout` under
 * `max_grpc_timeout`, and on clusters the upstream idle timeout and bind address.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { packAny } from '@mesh/xds';
import type { Cluster } from '@mesh/xds';
import { Cluster_LbPolicy } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { HttpConnectionManager_ForwardClientCertDetails } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { Cors, CorsPolicy } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import { HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';
import { HttpProtocolOptions } from '@mesh/xds/generated/envoy/extensions/upstreams/http/v3/http_protocol_options';
import { EngineHarness, send, sleep, Upstream } from '../../testdata/engine-harness';
import {
  durationOf,
  httpListener,
  prefixRoute,
  routes,
  staticCluster,
  virtualHost,
} from '../../testdata/engine-fixtures';
import { routerFilter } from '../../testdata/envoy-fixtures';

/** An upstream that accepts WebSocket-style upgrades and echoes every byte back in upper case. */
async function echoUpgradeServer(): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('upgrade required');
  });
  server.on('upgrade', (req, socket: Socket) => {
    sockets.add(socket);
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `x-seen-path: ${req.url}\r\n\r\n`,
    );
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString('utf8').toUpperCase()));
    socket.on('end', () => socket.end());
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Opens an upgrade through the proxy; resolves with the 101's headers and a function to exchange a message. */
function openUpgrade(url: string, type = 'websocket') {
  return new Promise<{
    status: number;
    headers: Record<string, unknown>;
    say(text: string): Promise<string>;
    socket?: Socket;
  }>((resolve, reject) => {
    const req = request(url, { headers: { connection: 'Upgrade', upgrade: type }, agent: false });
    req.on('upgrade', (res, socket: Socket) => {
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        socket,
        say: (text) =>
          new Promise((answer) => {
            socket.once('data', (chunk: Buffer) => answer(chunk.toString('utf8')));
            socket.write(text);
          }),
      });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        say: () => Promise.reject(new Error('no upgrade')),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('engine: what Istio sets on HTTP connection managers', () => {
  let h: EngineHarness;
  let echo: Upstream;
  let admin: Upstream;
  let ws: Awaited<ReturnType<typeof echoUpgradeServer>>;

  beforeAll(async () => {
    echo = await Upstream.start('echo');
    admin = await Upstream.start('admin');
    ws = await echoUpgradeServer();
    h = await EngineHarness.start();
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([echo.close(), admin.close(), ws.close()]);
  });

  it('proxies a WebSocket upgrade when upgrade_configs allow it, both ways, and logs 101', async () => {
    await h.configure({
      clusters: [staticCluster('ws', [ws.port])],
      listeners: [httpListener('http', 'main', { upgradeConfigs: [{ upgradeType: 'websocket' }] })],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'ws')])])],
    });
    const upgrade = await openUpgrade(h.url('http', '/chat'));
    expect(upgrade.status).toBe(101);
    expect(upgrade.headers['x-seen-path']).toBe('/chat');
    expect(await upgrade.say('hello')).toBe('HELLO');
    expect(await upgrade.say('again')).toBe('AGAIN');
    upgrade.socket?.end();
    for (let i = 0; i < 100 && !h.accessLog.some((l) => l.includes('/chat')); i++) await sleep(10);
    expect(h.accessLog.at(-1)).toMatch(/"GET \/chat HTTP\/1\.1" 101 - 10 10 /);
    expect(h.engine.stats.valueOf('cluster.ws.upstream_rq_101')).toBe(1);
  });

  it('answers 403 to an upgrade type the configuration does not name, and passes on a refusal from the host', async () => {
    const refused = await openUpgrade(h.url('http', '/chat'), 'something-else');
    expect(refused.status).toBe(403);
    // The host answers a plain request to its upgrade endpoint with 426; the proxy passes that on.
    await h.configure({
      clusters: [staticCluster('plain', [echo.port]), staticCluster('ws', [ws.port])],
      listeners: [httpListener('http', 'main', { upgradeConfigs: [{ upgradeType: 'websocket' }] })],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/plain', 'plain'), prefixRoute('/', 'ws')])])],
    });
    const noUpgrade = await openUpgrade(h.url('http', '/plain'));
    // The echo upstream is an ordinary HTTP server: it answers 200 without switching protocols.
    expect(noUpgrade.status).toBe(200);
  });

  it('normalizes the path before routing and forwarding when normalize_path is set; refuses bad escapes with 400', async () => {
    const serve = (normalizePath: boolean) =>
      h.configure({
        clusters: [staticCluster('echo', [echo.port]), staticCluster('admin', [admin.port])],
        listeners: [httpListener('http', 'main', { normalizePath })],
        routes: [
          routes('main', [virtualHost('all', ['*'], [prefixRoute('/admin', 'admin'), prefixRoute('/', 'echo')])]),
        ],
      });
    // Node's client would normalize a URL itself: the path goes as written.
    const sendPath = (path: string) => send(`http://127.0.0.1:${h.port('http')}`, { path });
    await serve(true);
    const normalized = await sendPath('/public/../%61dmin/./x?q=/../y');
    expect(normalized.json()).toMatchObject({ upstream: 'admin', url: '/admin/x?q=/../y' });
    expect((await sendPath('/bad%zz')).status).toBe(400);
    await serve(false);
    const raw = await sendPath('/public/../admin/x');
    expect(raw.json()).toMatchObject({ upstream: 'echo', url: '/public/../admin/x' });
  });

  it('sets the server header from server_name (Envoy: "envoy" by default) on proxied and local replies', async () => {
    await h.configure({
      clusters: [staticCluster('echo', [echo.port])],
      listeners: [httpListener('http', 'main', { serverName: 'istio-envoy' })],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/x', 'echo')])])],
    });
    expect((await send(h.url('http', '/x'))).headers.server).toBe('istio-envoy');
    expect((await send(h.url('http', '/nothing-here'))).headers.server).toBe('istio-envoy');
    await h.configure({ listeners: [httpListener('http', 'main')] });
    expect((await send(h.url('http', '/x'))).headers.server).toBe('envoy');
  });

  it('appends the peer to x-forwarded-for and sets x-forwarded-proto with use_remote_address; leaves them alone without', async () => {
    await h.configure({
      clusters: [staticCluster('echo', [echo.port])],
      listeners: [httpListener('http', 'main', { useRemoteAddress: true })],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'echo')])])],
    });
    const headers = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' };
    const seen = (await send(h.url('http', '/'), { headers })).json().headers;
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    // 127.0.0.1 is internal: no x-envoy-external-address.
    expect(seen['x-envoy-external-address']).toBeUndefined();
    await h.configure({ listeners: [httpListener('http', 'main')] });
    const untouched = (await send(h.url('http', '/'), { headers })).json().headers;
    expect(untouched['x-forwarded-for']).toBe('203.0.113.9');
    expect(untouched['x-forwarded-proto']).toBe('https');
  });

  it('drops x-forwarded-client-cert from plaintext connections unless ALWAYS_FORWARD_ONLY', async () => {
    const xfcc = { 'x-forwarded-client-cert': 'By=spiffe://cluster.local/ns/default/sa/fake' };
    for (const [mode, kept] of [
      [HttpConnectionManager_ForwardClientCertDetails.SANITIZE, false],
      [HttpConnectionManager_ForwardClientCertDetails.APPEND_FORWARD, false],
      [HttpConnectionManager_ForwardClientCertDetails.SANITIZE_SET, false],
      [HttpConnectionManager_ForwardClientCertDetails.ALWAYS_FORWARD_ONLY, true],
    ] as const) {
      await h.configure({
        clusters: [staticCluster('echo', [echo.port])],
        listeners: [
          httpListener('http', 'main', {
            forwardClientCertDetails: mode,
            setCurrentClientCertDetails: { subject: true, uri: true, dns: true },
          }),
        ],
        routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'echo')])])],
      });
      const seen = (await send(h.url('http', '/'), { headers: xfcc })).json().headers;
      expect([mode, seen['x-forwarded-client-cert'] !== undefined]).toEqual([mode, kept]);
    }
  });

  it("serves through Istio's filter chain (empty fault and CORS filters before the router)", async () => {
    await h.configure({
      clusters: [staticCluster('echo', [echo.port])],
      listeners: [
        httpListener('http', 'main', {
          httpFilters: [
            { name: 'envoy.filters.http.fault', typedConfig: packAny(HTTPFault, {}) },
            { name: 'envoy.filters.http.cors', typedConfig: packAny(Cors, {}) },
            routerFilter,
          ],
        }),
      ],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'echo')])])],
    });
    expect((await send(h.url('http', '/f'))).json()).toMatchObject({ upstream: 'echo', url: '/f' });
  });

  it('injects route faults through the fault filter: delays (DI) and aborts (FI), by percentage', async () => {
    const faultFilter = { name: 'envoy.filters.http.fault', typedConfig: packAny(HTTPFault, {}) };
    const faultRoute = (prefix: string, fault: HTTPFault) =>
      prefixRoute(prefix, 'echo', {
        typedPerFilterConfig: { 'envoy.filters.http.fault': packAny(HTTPFault, fault) },
      });
    const all = { numerator: 100 };
    const serve = (filters: boolean) =>
      h.configure({
        clusters: [staticCluster('echo', [echo.port])],
        listeners: [httpListener('http', 'main', filters ? { httpFilters: [faultFilter, routerFilter] } : {})],
        routes: [
          routes('main', [
            virtualHost(
              'all',
              ['*'],
              [
                faultRoute('/abort', { abort: { httpStatus: 555, percentage: all } }),
                faultRoute('/grpc-abort', { abort: { grpcStatus: 14, percentage: all } }),
                faultRoute('/delay', { delay: { fixedDelay: durationOf(250), percentage: all } }),
                faultRoute('/never', { abort: { httpStatus: 555, percentage: { numerator: 0 } } }),
              ],
            ),
          ]),
        ],
      });
    await serve(true);
    const aborted = await send(h.url('http', '/abort'));
    expect([aborted.status, aborted.body]).toEqual([555, 'fault filter abort']);
    expect(h.accessLog.at(-1)).toMatch(/"GET \/abort HTTP\/1\.1" 555 FI /);
    const grpc = await send(h.url('http', '/grpc-abort'));
    expect([grpc.status, grpc.headers['grpc-status']]).toEqual([200, '14']);
    const started = Date.now();
    const delayed = await send(h.url('http', '/delay'));
    expect(delayed.json().upstream).toBe('echo');
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(h.accessLog.at(-1)).toMatch(/"GET \/delay HTTP\/1\.1" 200 DI /);
    expect((await send(h.url('http', '/never'))).status).toBe(200);
    expect(h.engine.stats.valueOf('http.http.fault.aborts_injected')).toBe(2);
    expect(h.engine.stats.valueOf('http.http.fault.delays_injected')).toBe(1);
    // Without a fault filter in the chain, the per-route config has nothing to configure.
    await serve(false);
    expect((await send(h.url('http', '/abort'))).status).toBe(200);
  });

  it('applies route CORS policies through the CORS filter: preflights answered, simple requests annotated', async () => {
    const corsRoute = (prefix: string, policy: CorsPolicy) =>
      prefixRoute(prefix, 'echo', { typedPerFilterConfig: { 'envoy.filters.http.cors': packAny(CorsPolicy, policy) } });
    const policy: CorsPolicy = {
      allowOriginStringMatch: [{ exact: 'https://app.example' }, { suffix: '.trusted.example' }],
      allowMethods: 'GET,POST',
      allowHeaders: 'x-custom',
      exposeHeaders: 'x-upstream',
      maxAge: '600',
      allowCredentials: true,
    };
    await h.configure({
      clusters: [staticCluster('echo', [echo.port])],
      listeners: [
        httpListener('http', 'main', {
          httpFilters: [{ name: 'envoy.filters.http.cors', typedConfig: packAny(Cors, {}) }, routerFilter],
        }),
      ],
      routes: [
        routes('main', [
          virtualHost(
            'all',
            ['*'],
            [corsRoute('/strict', { ...policy, forwardNotMatchingPreflights: false }), corsRoute('/', policy)],
          ),
        ]),
      ],
    });
    const upstreamCalls = echo.requests.length;
    const preflight = (path: string, origin: string) =>
      send(h.url('http', path), {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('/api', 'https://app.example');
    expect(allowed.status).toBe(200);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'x-custom',
      'access-control-max-age': '600',
      'access-control-allow-credentials': 'true',
    });
    expect(echo.requests.length).toBe(upstreamCalls);
    // Not an allowed origin: forwarded upstream (Envoy's default), or answered bare.
    const forwarded = await preflight('/api', 'https://evil.example');
    expect(forwarded.json().upstream).toBe('echo');
    expect(forwarded.headers['access-control-allow-origin']).toBeUndefined();
    const bare = await preflight('/strict', 'https://evil.example');
    expect([bare.status, bare.body, bare.headers['access-control-allow-origin']]).toEqual([200, '', undefined]);

    const simple = await send(h.url('http', '/api'), { headers: { origin: 'https://x.trusted.example' } });
    expect(simple.json().upstream).toBe('echo');
    expect(simple.headers).toMatchObject({
      'access-control-allow-origin': 'https://x.trusted.example',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'x-upstream',
    });
    const other = await send(h.url('http', '/api'), { headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('mirrors requests (with their body) to the mirror cluster, host suffixed -shadow, answers dropped', async () => {
    await h.configure({
      clusters: [staticCluster('echo', [echo.port]), staticCluster('admin', [admin.port])],
      listeners: [httpListener('http', 'main')],
      routes: [
        routes('main', [
          virtualHost(
            'all',
            ['*'],
            [
              prefixRoute('/none', 'echo', {
                route: {
                  cluster: 'echo',
                  requestMirrorPolicies: [{ cluster: 'admin', runtimeFraction: { defaultValue: { numerator: 0 } } }],
                },
              }),
              prefixRoute('/', 'echo', {
                route: {
                  cluster: 'echo',
                  requestMirrorPolicies: [{ cluster: 'admin' }, { cluster: 'no-such-cluster' }],
                },
              }),
            ],
          ),
        ]),
      ],
    });
    const before = admin.requests.length;
    const reply = await send(h.url('http', '/m'), {
      method: 'POST',
      body: 'mirror me',
      headers: { host: 'reviews:9080' },
    });
    expect(reply.json()).toMatchObject({ upstream: 'echo', body: 'mirror me' });
    for (let i = 0; i < 100 && admin.requests.length === before; i++) await sleep(10);
    expect(admin.requests.slice(before)).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/m',
        body: 'mirror me',
        headers: expect.objectContaining({ host: 'reviews-shadow:9080' }),
      }),
    ]);
    await send(h.url('http', '/none'));
    await sleep(50);
    expect(admin.requests.length).toBe(before + 1);
  });

  it('takes the timeout of a gRPC request from grpc-timeout under max_grpc_timeout', async () => {
    const slow = await Upstream.start('slow', (_req, res) => setTimeout(() => res.end('late'), 600));
    try {
      await h.configure({
        clusters: [staticCluster('slow', [slow.port])],
        listeners: [httpListener('http', 'main')],
        routes: [
          routes('main', [
            virtualHost(
              'all',
              ['*'],
              [
                prefixRoute('/', 'slow', {
                  route: { cluster: 'slow', timeout: durationOf(0), maxGrpcTimeout: durationOf(0) },
                }),
              ],
            ),
          ]),
        ],
      });
      const started = Date.now();
      const reply = await send(h.url('http', '/svc/Method'), {
        method: 'POST',
        headers: { 'content-type': 'application/grpc', 'grpc-timeout': '150m' },
        body: '',
      });
      expect(reply.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(500);
      // Not gRPC: the route's own timeout (none) applies.
      expect((await send(h.url('http', '/plain'), { headers: { 'grpc-timeout': '150m' } })).body).toBe('late');
    } finally {
      await slow.close();
    }
  });
});

describe('engine: what Istio sets on clusters', () => {
  let h: EngineHarness;
  let peer: Upstream;

  beforeAll(async () => {
    peer = await Upstream.start('peer', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ from: req.socket.remoteAddress }));
    });
    h = await EngineHarness.start();
  });
  afterAll(async () => {
    await h.stop();
    await peer.close();
  });

  const withOptions = (extra: Partial<Cluster>) =>
    h.configure({
      clusters: [{ ...staticCluster('peer', [peer.port]), ...extra }],
      listeners: [httpListener('http', 'main')],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'peer')])])],
    });

  it('connects from upstream_bind_config source address (Istio binds inbound passthrough to 127.0.0.6)', async () => {
    await withOptions({ upstreamBindConfig: { sourceAddress: { address: '127.0.0.6', portValue: 0 } } });
    expect((await send(h.url('http', '/'))).json()).toEqual({ from: '127.0.0.6' });
  });

  it('closes upstream connections idle longer than the protocol options idle_timeout', async () => {
    await withOptions({
      typedExtensionProtocolOptions: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': packAny(HttpProtocolOptions, {
          commonHttpProtocolOptions: { idleTimeout: durationOf(150) },
          useDownstreamProtocolConfig: {},
        }),
      },
    });
    const active = () => h.engine.stats.valueOf('cluster.peer.upstream_cx_active');
    await send(h.url('http', '/'));
    expect(active()).toBe(1);
    await sleep(400);
    expect(active()).toBe(0);
  });

  it('closes an upstream connection after max_requests_per_connection requests', async () => {
    await withOptions({
      typedExtensionProtocolOptions: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': packAny(HttpProtocolOptions, {
          commonHttpProtocolOptions: { maxRequestsPerConnection: 2 },
        }),
      },
    });
    const total = () => h.engine.stats.valueOf('cluster.peer.upstream_cx_total') ?? 0;
    const before = total();
    for (let i = 0; i < 5; i++) expect((await send(h.url('http', '/'))).status).toBe(200);
    // 2 + 2 + 1 requests.
    expect(total() - before).toBe(3);
  });
});

describe('engine: consistent hashing (ring hash and maglev with route hash policies)', () => {
  let h: EngineHarness;
  const upstreams: Upstream[] = [];

  beforeAll(async () => {
    for (const name of ['u1', 'u2', 'u3']) upstreams.push(await Upstream.start(name));
    h = await EngineHarness.start();
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all(upstreams.map((u) => u.close()));
  });

  it.each([
    ['RING_HASH', Cluster_LbPolicy.RING_HASH],
    ['MAGLEV', Cluster_LbPolicy.MAGLEV],
  ])('%s: a header key keeps its host, keys spread over hosts; a generated cookie sticks', async (_name, lbPolicy) => {
    await h.configure({
      clusters: [
        staticCluster(
          'sticky',
          upstreams.map((u) => u.port),
          { lbPolicy },
        ),
      ],
      listeners: [httpListener('http', 'main')],
      routes: [
        routes('main', [
          virtualHost(
            'all',
            ['*'],
            [
              prefixRoute('/cookie', 'sticky', {
                route: { cluster: 'sticky', hashPolicy: [{ cookie: { name: 'sticky', ttl: durationOf(60_000) } }] },
              }),
              prefixRoute('/', 'sticky', {
                route: { cluster: 'sticky', hashPolicy: [{ header: { headerName: 'x-user' } }] },
              }),
            ],
          ),
        ]),
      ],
    });
    const seen = new Map<string, Set<string>>();
    for (let user = 0; user < 12; user++) {
      for (let i = 0; i < 3; i++) {
        const reply = await send(h.url('http', '/'), { headers: { 'x-user': `user-${user}` } });
        const set = seen.get(`user-${user}`) ?? new Set<string>();
        set.add(reply.json().upstream);
        seen.set(`user-${user}`, set);
      }
    }
    for (const hosts of seen.values()) expect(hosts.size).toBe(1);
    expect(new Set([...seen.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);

    const first = await send(h.url('http', '/cookie'));
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^sticky="[0-9a-f]+"; Max-Age=60; HttpOnly$/);
    const value = cookie.split(';')[0];
    const again = await Promise.all(
      Array.from({ length: 5 }, () => send(h.url('http', '/cookie'), { headers: { cookie: value } })),
    );
    expect(new Set(again.map((r) => r.json().upstream)).size).toBe(1);
    expect(again[0].headers['set-cookie']).toBeUndefined();
  });
});
