/**
 * The router's upstream side end to end: failures and their response flags, the route timeout,
 * keep-alive reuse of upstream connections, EDS updates, and configuration pushes while requests
 * are in flight.
 */
import { Agent } from 'node:http';
import { Cluster_LbPolicy } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { HealthStatus } from '@mesh/xds/generated/envoy/config/core/v3/health_check';
import { closedPort, EngineHarness, send, sleep, Upstream } from '../../testdata/engine-harness';
import {
  durationOf,
  edsCluster,
  httpListener,
  loadAssignment,
  prefixRoute,
  routes,
  staticCluster,
  virtualHost,
} from '../../testdata/engine-fixtures';

describe('engine: upstream side of the router', () => {
  let h: EngineHarness;
  let fast: Upstream;
  let other: Upstream;
  /** Answers after the delay given in the `x-delay-ms` request header. */
  let slow: Upstream;

  beforeAll(async () => {
    fast = await Upstream.start('fast');
    other = await Upstream.start('other');
    slow = await Upstream.start('slow', (req, res) => {
      const delay = Number(req.headers['x-delay-ms'] ?? 0);
      setTimeout(() => {
        res.writeHead(200, { 'x-upstream': 'slow' });
        res.end(JSON.stringify({ upstream: 'slow', url: req.url, headers: req.headers }));
      }, delay);
    });
    h = await EngineHarness.start();
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([fast.close(), other.close(), slow.close()]);
  });

  it('answers 503 UF when the endpoint refuses the connection, and counts the connect failure', async () => {
    const port = await closedPort();
    await h.configure({
      clusters: [staticCluster('dead', [port])],
      listeners: [httpListener('http', 'main')],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'dead')])])],
    });
    const reply = await send(h.url('http', '/x'));
    expect(reply.status).toBe(503);
    expect(reply.body).toMatch(
      /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/,
    );
    expect(reply.body).toContain('ECONNREFUSED');
    expect(h.accessLog.at(-1)).toMatch(/"GET \/x HTTP\/1\.1" 503 UF 0 \d+ \d+ - .* "127\.0\.0\.1:\d+"$/);
    expect(h.engine.stats.valueOf('cluster.dead.upstream_cx_connect_fail')).toBe(1);
  });

  it('answers 503 UH for a cluster without endpoints and 503 NC for a route to an unknown cluster', async () => {
    await h.configure({
      clusters: [staticCluster('empty', [])],
      listeners: [httpListener('http', 'main')],
      routes: [
        routes('main', [
          virtualHost('all', ['*'], [prefixRoute('/empty', 'empty'), prefixRoute('/unknown', 'no-such-cluster')]),
        ]),
      ],
    });
    const empty = await send(h.url('http', '/empty'));
    expect(empty.status).toBe(503);
    expect(empty.body).toBe('no healthy upstream');
    expect(h.accessLog.at(-1)).toMatch(/ 503 UH /);
    expect(h.engine.stats.valueOf('cluster.empty.upstream_cx_none_healthy')).toBe(1);
    const unknown = await send(h.url('http', '/unknown'));
    expect(unknown.status).toBe(503);
    expect(h.accessLog.at(-1)).toMatch(/ 503 NC /);
  });

  it('answers 504 UT when the upstream is slower than the route timeout', async () => {
    await h.configure({
      clusters: [staticCluster('slow', [slow.port])],
      listeners: [httpListener('http', 'main')],
      routes: [
        routes('main', [
          virtualHost('all', ['*'], [{ match: { prefix: '/' }, route: { cluster: 'slow', timeout: durationOf(150) } }]),
        ]),
      ],
    });
    const started = Date.now();
    const reply = await send(h.url('http', '/slow'), { headers: { 'x-delay-ms': '1500' } });
    expect(reply.status).toBe(504);
    expect(reply.body).toBe('upstream request timeout');
    expect(Date.now() - started).toBeLessThan(1200);
    expect(h.accessLog.at(-1)).toMatch(/"GET \/slow HTTP\/1\.1" 504 UT /);
    expect(h.engine.stats.valueOf('cluster.slow.upstream_rq_timeout')).toBe(1);
    // The upstream saw how long the proxy would wait.
    expect(slow.requests.at(-1)?.headers['x-envoy-expected-rq-timeout-ms']).toBe('150');
    const fine = await send(h.url('http', '/slow'), { headers: { 'x-delay-ms': '10' } });
    expect(fine.status).toBe(200);
  });

  it('answers 503 UC when the upstream resets the connection before answering', async () => {
    const resetting = await Upstream.start('resetting', (req) => req.socket.destroy());
    try {
      await h.configure({
        clusters: [staticCluster('resetting', [resetting.port])],
        listeners: [httpListener('http', 'main')],
        routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'resetting')])])],
      });
      const reply = await send(h.url('http', '/reset'));
      expect(reply.status).toBe(503);
      expect(reply.body).toBe(
        'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
      );
      expect(h.accessLog.at(-1)).toMatch(/"GET \/reset HTTP\/1\.1" 503 UC /);
    } finally {
      await resetting.close();
    }
  });

  it('cancels the upstream request when the client goes away (flag DC)', async () => {
    let upstreamClosed = false;
    const hanging = await Upstream.start('hanging', (req) => req.socket.once('close', () => (upstreamClosed = true)));
    try {
      await h.configure({
        clusters: [staticCluster('hanging', [hanging.port])],
        listeners: [httpListener('http', 'main')],
        routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'hanging')])])],
      });
      const aborted = send(h.url('http', '/abandon'), { timeoutMs: 100 });
      await expect(aborted).rejects.toThrow();
      await waitUntil(() => upstreamClosed);
      await waitUntil(() => / DC /.test(h.accessLog.at(-1) ?? ''));
      expect(h.accessLog.at(-1)).toMatch(/"GET \/abandon HTTP\/1\.1" 0 DC /);
      expect(h.engine.stats.valueOf('cluster.hanging.upstream_rq_active')).toBe(0);
    } finally {
      await hanging.close();
    }
  });

  it('reuses upstream connections across requests (keep-alive pool per host)', async () => {
    await h.configure({
      clusters: [staticCluster('fast', [fast.port])],
      listeners: [httpListener('http', 'main')],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'fast')])])],
    });
    const before = fast.connections;
    const beforeCx = h.engine.stats.valueOf('cluster.fast.upstream_cx_total') ?? 0;
    // Each downstream request on its own connection; upstream they share one.
    for (let i = 0; i < 20; i++) expect((await send(h.url('http', `/ka/${i}`))).status).toBe(200);
    expect(fast.connections - before).toBe(1);
    expect((h.engine.stats.valueOf('cluster.fast.upstream_cx_total') ?? 0) - beforeCx).toBe(1);
    expect(h.engine.stats.valueOf('cluster.fast.upstream_rq_total')).toBeGreaterThanOrEqual(20);
    expect(h.engine.stats.valueOf('cluster.fast.upstream_rq_200')).toBeGreaterThanOrEqual(20);
    // Concurrent requests open more connections, which are then kept too.
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => send(h.url('http', `/par/${i}`), { agent })));
    agent.destroy();
    expect(fast.connections - before).toBeLessThanOrEqual(5);
  });

  it('applies a route change to the next request while a slow request in flight completes on the old route', async () => {
    await h.configure({
      clusters: [staticCluster('slow', [slow.port]), staticCluster('fast', [fast.port])],
      listeners: [httpListener('http', 'main')],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'slow')])])],
    });
    const inFlight = send(h.url('http', '/long'), { headers: { 'x-delay-ms': '600' } });
    await waitUntil(() => slow.requests.some((r) => r.url === '/long'));
    await h.configure({ routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'fast')])])] });
    const next = await send(h.url('http', '/next'));
    expect(next.json().upstream).toBe('fast');
    const old = await inFlight;
    expect(old.status).toBe(200);
    expect(old.json().upstream).toBe('slow');
  });

  it('follows EDS: endpoints added, removed and marked unhealthy', async () => {
    await h.configure({
      clusters: [edsCluster('svc')],
      endpoints: [loadAssignment('svc', [fast.port])],
      listeners: [httpListener('http', 'main')],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'svc')])])],
    });
    expect((await send(h.url('http', '/'))).json().upstream).toBe('fast');
    await h.configure({ endpoints: [loadAssignment('svc', [fast.port, other.port])] });
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await send(h.url('http', '/'))).json().upstream);
    expect(seen).toEqual(new Set(['fast', 'other']));
    // Unhealthy endpoints get no traffic while at least half of the hosts are healthy.
    await h.configure({
      endpoints: [
        loadAssignment('svc', [
          { port: fast.port, health: HealthStatus.UNHEALTHY },
          { port: other.port, health: HealthStatus.HEALTHY },
        ]),
      ],
    });
    for (let i = 0; i < 4; i++) expect((await send(h.url('http', '/'))).json().upstream).toBe('other');
    // A lower priority takes over only when the first has no healthy host.
    await h.configure({
      endpoints: [
        loadAssignment('svc', [
          { port: fast.port, priority: 0 },
          { port: other.port, priority: 1 },
        ]),
      ],
    });
    for (let i = 0; i < 4; i++) expect((await send(h.url('http', '/'))).json().upstream).toBe('fast');
  });

  it('sends new requests to the less busy host under least request', async () => {
    await h.configure({
      clusters: [staticCluster('lr', [slow.port, fast.port], { lbPolicy: Cluster_LbPolicy.LEAST_REQUEST })],
      listeners: [httpListener('http', 'main')],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'lr')])])],
    });
    // Keep the slow host busy with one long request: a tie between two idle hosts goes either way,
    // so send until one lands there (each miss is answered at once by the fast host).
    const busy: Promise<unknown>[] = [];
    for (let attempt = 0; attempt < 30 && !slow.requests.some((r) => r.url === '/hold'); attempt++) {
      const seenBefore = slow.requests.length + fast.requests.length;
      busy.push(send(h.url('http', '/hold'), { headers: { 'x-delay-ms': '500' } }));
      await waitUntil(() => slow.requests.length + fast.requests.length > seenBefore);
    }
    await waitUntil(() => slow.requests.some((r) => r.url === '/hold'));
    // With two hosts, power of two choices compares both: every request avoids the busy one.
    for (let i = 0; i < 6; i++) expect((await send(h.url('http', '/lr'))).json().upstream).toBe('fast');
    await Promise.all(busy);
  });
});

/** Polls a condition every 10 ms, for at most 3 s. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (condition()) return;
    await sleep(10);
  }
  throw new Error('condition not met within 3 s');
}
