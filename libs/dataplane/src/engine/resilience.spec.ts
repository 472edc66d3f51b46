/**
 * Resilience end to end, over real sockets and a real xDS stream from the StubControlPlane:
 * route retry policies, cluster circuit breakers and outlier detection, with the stats, response
 * flags and /clusters lines Envoy shows for them.
 */
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Cluster } from '@mesh/xds';
import type { RetryPolicy } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { closedPort, EngineHarness, send, sleep, Upstream } from '../../testdata/engine-harness';
import {
  durationOf,
  httpListener,
  prefixRoute,
  routes,
  staticCluster,
  virtualHost,
} from '../../testdata/engine-fixtures';

const PREVIOUS_HOSTS = {
  name: 'envoy.retry_host_predicates.previous_hosts',
  typedConfig: {
    typeUrl: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
    value: Buffer.alloc(0),
  },
};

/** Answers with the status in `x-fail-times` (as `x-fail-status`, default 503) that many times per `x-key`, then 200. */
function flakyHandler(counts: Map<string, number>) {
  return (req: IncomingMessage, res: ServerResponse, body: string) => {
    const key = String(req.headers['x-key'] ?? '');
    const seen = counts.get(key) ?? 0;
    counts.set(key, seen + 1);
    if (seen < Number(req.headers['x-fail-times'] ?? 0)) {
      const extra: Record<string, string> = {};
      if (req.headers['x-fail-grpc'] !== undefined) extra['grpc-status'] = String(req.headers['x-fail-grpc']);
      res.writeHead(Number(req.headers['x-fail-status'] ?? 503), extra);
      res.end('failed');
      return;
    }
    // Slow for the first `x-slow-times` tries (all of them without the header).
    const slow = seen < Number(req.headers['x-slow-times'] ?? Infinity);
    const delay = slow ? Number(req.headers['x-delay-ms'] ?? 0) : 0;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ attempt: seen + 1, body, bodyLength: body.length }));
    }, delay);
  };
}

describe('engine: route retries', () => {
  let h: EngineHarness;
  let flaky: Upstream;
  let other: Upstream;
  const counts = new Map<string, number>();
  let key = 0;
  const nextKey = () => `k${++key}`;
  const stat = (name: string) => h.engine.stats.valueOf(`cluster.${name}`) ?? 0;

  beforeAll(async () => {
    flaky = await Upstream.start('flaky', flakyHandler(counts));
    other = await Upstream.start('other');
    h = await EngineHarness.start();
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([flaky.close(), other.close()]);
  });

  async function withRetryPolicy(policy: RetryPolicy, cluster: Cluster = staticCluster('flaky', [flaky.port])) {
    await h.configure({
      clusters: [cluster],
      listeners: [httpListener('http', 'main')],
      routes: [
        routes('main', [
          virtualHost(
            'all',
            ['*'],
            [prefixRoute('/', cluster.name!, { route: { cluster: cluster.name, retryPolicy: policy } })],
          ),
        ]),
      ],
    });
  }

  it('retries a 5xx under retry_on 5xx and counts upstream_rq_retry and upstream_rq_retry_success', async () => {
    await withRetryPolicy({ retryOn: '5xx', numRetries: 2, retryBackOff: { baseInterval: durationOf(1) } });
    const before = { retry: stat('flaky.upstream_rq_retry'), success: stat('flaky.upstream_rq_retry_success') };
    const reply = await send(h.url('http', '/a'), { headers: { 'x-key': nextKey(), 'x-fail-times': '2' } });
    expect(reply.status).toBe(200);
    expect(reply.json<{ attempt: number }>().attempt).toBe(3);
    expect(stat('flaky.upstream_rq_retry') - before.retry).toBe(2);
    expect(stat('flaky.upstream_rq_retry_success') - before.success).toBe(1);
    expect(stat('flaky.upstream_rq_503')).toBeGreaterThanOrEqual(2);
  });

  it('answers the last failure with flag URX once num_retries are spent', async () => {
    await withRetryPolicy({ retryOn: 'gateway-error', numRetries: 1, retryBackOff: { baseInterval: durationOf(1) } });
    const before = stat('flaky.upstream_rq_retry_limit_exceeded');
    const reply = await send(h.url('http', '/b'), { headers: { 'x-key': nextKey(), 'x-fail-times': '5' } });
    expect(reply.status).toBe(503);
    expect(reply.body).toBe('failed');
    expect(h.accessLog.at(-1)).toMatch(/"GET \/b HTTP\/1\.1" 503 URX /);
    expect(stat('flaky.upstream_rq_retry_limit_exceeded') - before).toBe(1);
  });

  it('retries only what the conditions name: 500 is not a gateway error, 409 is retriable-4xx, listed codes', async () => {
    await withRetryPolicy({
      retryOn: 'gateway-error,retriable-4xx,retriable-status-codes',
      retriableStatusCodes: [418],
      numRetries: 1,
      retryBackOff: { baseInterval: durationOf(1) },
    });
    const status = async (failStatus: number) =>
      (
        await send(h.url('http', '/c'), {
          headers: { 'x-key': nextKey(), 'x-fail-times': '1', 'x-fail-status': String(failStatus) },
        })
      ).status;
    expect(await status(500)).toBe(500);
    expect(await status(409)).toBe(200);
    expect(await status(418)).toBe(200);
    expect(await status(429)).toBe(429);
  });

  it("retries gRPC statuses named in retry_on (Istio's default unavailable, cancelled)", async () => {
    await withRetryPolicy({
      retryOn: 'unavailable,cancelled',
      numRetries: 1,
      retryBackOff: { baseInterval: durationOf(1) },
    });
    const grpc = async (code: number) =>
      (
        await send(h.url('http', '/g'), {
          headers: { 'x-key': nextKey(), 'x-fail-times': '1', 'x-fail-status': '200', 'x-fail-grpc': String(code) },
        })
      ).body;
    expect(await grpc(14)).toContain('"attempt":2');
    expect(await grpc(1)).toContain('"attempt":2');
    expect(await grpc(13)).toBe('failed');
  });

  it('retries a connect failure on another host with previous_hosts', async () => {
    const dead = await closedPort();
    const cluster = staticCluster('mixed', [dead, other.port]);
    await withRetryPolicy(
      {
        retryOn: 'connect-failure',
        numRetries: 1,
        retryHostPredicate: [PREVIOUS_HOSTS],
        hostSelectionRetryMaxAttempts: 5,
        retryBackOff: { baseInterval: durationOf(1) },
      },
      cluster,
    );
    // Round robin alternates: every other request starts on the dead host and must be retried on the live one.
    const replies = await Promise.all(Array.from({ length: 6 }, () => send(h.url('http', '/d'))));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // Each request that met the dead host first was retried once, on the live one.
    expect(stat('mixed.upstream_rq_retry')).toBeGreaterThan(0);
    expect(stat('mixed.upstream_rq_retry')).toBe(stat('mixed.upstream_cx_connect_fail'));
  });

  it('retries a try that outlives per_try_timeout (a reset), and answers 504 UT when the last one does too', async () => {
    await withRetryPolicy({
      retryOn: 'reset',
      numRetries: 1,
      perTryTimeout: durationOf(150),
      retryBackOff: { baseInterval: durationOf(1) },
    });
    const before = stat('flaky.upstream_rq_per_try_timeout');
    const once = await send(h.url('http', '/e'), {
      headers: { 'x-key': nextKey(), 'x-delay-ms': '400', 'x-slow-times': '1' },
    });
    expect(once.status).toBe(200);
    expect(once.json<{ attempt: number }>().attempt).toBe(2);
    expect(stat('flaky.upstream_rq_per_try_timeout') - before).toBe(1);

    const always = await send(h.url('http', '/e2'), { headers: { 'x-key': nextKey(), 'x-delay-ms': '400' } });
    expect(always.status).toBe(504);
    expect(always.body).toBe('upstream request timeout');
    expect(stat('flaky.upstream_rq_per_try_timeout') - before).toBe(3);
    expect(h.accessLog.at(-1)).toMatch(/"GET \/e2 HTTP\/1\.1" 504 URX,UT /);
  });

  it('sends x-envoy-expected-rq-timeout-ms as the per-try timeout when it is shorter', async () => {
    await withRetryPolicy({ retryOn: '5xx', perTryTimeout: durationOf(700) }, staticCluster('other', [other.port]));
    const reply = await send(h.url('http', '/f'));
    expect(reply.json().headers['x-envoy-expected-rq-timeout-ms']).toBe('700');
  });

  it('replays the request body on a retry', async () => {
    await withRetryPolicy({ retryOn: '5xx', numRetries: 1, retryBackOff: { baseInterval: durationOf(1) } });
    const body = 'x'.repeat(200_000);
    const reply = await send(h.url('http', '/h'), {
      method: 'POST',
      body,
      headers: { 'x-key': nextKey(), 'x-fail-times': '1' },
    });
    expect(reply.status).toBe(200);
    expect(reply.json<{ attempt: number; bodyLength: number }>()).toEqual({ attempt: 2, body, bodyLength: 200_000 });
  });

  it('does not retry a request whose body outgrew the retry buffer (1 MiB)', async () => {
    await withRetryPolicy({ retryOn: '5xx', numRetries: 1, retryBackOff: { baseInterval: durationOf(1) } });
    const before = stat('flaky.upstream_rq_retry');
    const reply = await send(h.url('http', '/i'), {
      method: 'POST',
      body: 'y'.repeat(1024 * 1024 + 1),
      headers: { 'x-key': nextKey(), 'x-fail-times': '1' },
    });
    expect(reply.status).toBe(503);
    expect(stat('flaky.upstream_rq_retry') - before).toBe(0);
  });

  it('waits a jittered exponential back-off between tries (base_interval, capped by max_interval)', async () => {
    await withRetryPolicy({
      retryOn: '5xx',
      numRetries: 3,
      retryBackOff: { baseInterval: durationOf(100), maxInterval: durationOf(150) },
    });
    // Uniform in [0, 100), [0, 150), [0, 150): at most 400 ms of waiting over three retries.
    const started = Date.now();
    const reply = await send(h.url('http', '/j'), { headers: { 'x-key': nextKey(), 'x-fail-times': '3' } });
    expect(reply.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('counts upstream_rq_retry_overflow and answers without retrying when max_retries is reached', async () => {
    const cluster: Cluster = {
      ...staticCluster('capped', [flaky.port]),
      circuitBreakers: { thresholds: [{ maxRetries: 0 }] },
    };
    await withRetryPolicy({ retryOn: '5xx', numRetries: 3 }, cluster);
    const reply = await send(h.url('http', '/k'), { headers: { 'x-key': nextKey(), 'x-fail-times': '1' } });
    expect(reply.status).toBe(503);
    expect(stat('capped.upstream_rq_retry_overflow')).toBe(1);
    expect(stat('capped.upstream_rq_retry')).toBe(0);
  });
});

describe('engine: back-off timing', () => {
  it('spreads retries over [0, (2^n - 1) x base): with the random source pinned high, the waits add up', async () => {
    const counts = new Map<string, number>();
    const flaky = await Upstream.start('flaky', flakyHandler(counts));
    const h = await EngineHarness.start({ random: () => 0.99 });
    try {
      await h.configure({
        clusters: [staticCluster('flaky', [flaky.port])],
        listeners: [httpListener('http', 'main')],
        routes: [
          routes('main', [
            virtualHost(
              'all',
              ['*'],
              [
                prefixRoute('/', 'flaky', {
                  route: {
                    cluster: 'flaky',
                    retryPolicy: { retryOn: '5xx', numRetries: 2, retryBackOff: { baseInterval: durationOf(100) } },
                  },
                }),
              ],
            ),
          ]),
        ],
      });
      const started = Date.now();
      const reply = await send(h.url('http', '/'), { headers: { 'x-key': 'a', 'x-fail-times': '2' } });
      expect(reply.status).toBe(200);
      // 0.99 x 100 + 0.99 x 300 = 396 ms of back-off at least.
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    } finally {
      await h.stop();
      await flaky.close();
    }
  });
});

describe('engine: circuit breakers', () => {
  let h: EngineHarness;
  let slow: Upstream;

  beforeAll(async () => {
    slow = await Upstream.start('slow', (req, res) => {
      setTimeout(() => res.end('done'), Number(req.headers['x-delay-ms'] ?? 0));
    });
    h = await EngineHarness.start();
  });
  afterAll(async () => {
    await h.stop();
    await slow.close();
  });

  const configure = (thresholds: NonNullable<Cluster['circuitBreakers']>['thresholds']) =>
    h.configure({
      clusters: [{ ...staticCluster('slow', [slow.port]), circuitBreakers: { thresholds } }],
      listeners: [httpListener('http', 'main')],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'slow')])])],
    });

  it('queues past max_connections up to max_pending_requests, and answers the rest 503 UO with x-envoy-overloaded', async () => {
    await configure([{ maxConnections: 1, maxPendingRequests: 1 }]);
    const replies = await Promise.all(
      [0, 1, 2].map((i) =>
        sleep(i * 30).then(() => send(h.url('http', `/q${i}`), { headers: { 'x-delay-ms': '200' } })),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 503]);
    expect(replies[2].headers['x-envoy-overloaded']).toBe('true');
    expect(replies[2].body).toBe('upstream connect error or disconnect/reset before headers. reset reason: overflow');
    expect(h.accessLog.find((l) => l.includes('/q2'))).toMatch(/ 503 UO /);
    const v = (n: string) => h.engine.stats.valueOf(`cluster.slow.${n}`);
    expect(v('upstream_rq_pending_overflow')).toBe(1);
    expect(v('upstream_cx_overflow')).toBe(2);
    expect(v('upstream_rq_pending_total')).toBe(1);
    // One connection carried both accepted requests, one after the other.
    expect(v('upstream_cx_total')).toBe(1);
  });

  it('refuses requests over max_requests', async () => {
    await configure([{ maxRequests: 1 }]);
    const before = h.engine.stats.valueOf('cluster.slow.upstream_rq_pending_overflow') ?? 0;
    const replies = await Promise.all([
      send(h.url('http', '/r0'), { headers: { 'x-delay-ms': '200' } }),
      sleep(50).then(() => send(h.url('http', '/r1'))),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 503]);
    expect((h.engine.stats.valueOf('cluster.slow.upstream_rq_pending_overflow') ?? 0) - before).toBe(1);
  });

  it('shows the configured thresholds in /clusters', async () => {
    await configure([{ maxConnections: 7, maxPendingRequests: 8, maxRequests: 9, maxRetries: 10 }]);
    const clusters = (await send(h.adminUrl('/clusters'))).body;
    expect(clusters).toContain('slow::default_priority::max_connections::7\n');
    expect(clusters).toContain('slow::default_priority::max_pending_requests::8\n');
    expect(clusters).toContain('slow::default_priority::max_requests::9\n');
    expect(clusters).toContain('slow::default_priority::max_retries::10\n');
  });
});

describe('engine: outlier detection', () => {
  let h: EngineHarness;
  let good: Upstream;
  let bad: Upstream;
  const agent = new Agent({ keepAlive: true });

  beforeAll(async () => {
    good = await Upstream.start('good');
    bad = await Upstream.start('bad', (req, res) => {
      res.writeHead(Number(req.headers['x-status'] ?? 500));
      res.end('broken');
    });
    h = await EngineHarness.start();
  });
  afterAll(async () => {
    agent.destroy();
    await h.stop();
    await Promise.all([good.close(), bad.close()]);
  });

  let clusterName = 'pair';
  const configure = (outlier: NonNullable<Cluster['outlierDetection']>) =>
    h.configure({
      clusters: [
        {
          ...staticCluster(clusterName, [good.port, bad.port]),
          outlierDetection: { enforcingSuccessRate: 0, ...outlier },
          commonLbConfig: { healthyPanicThreshold: { value: 0 } },
        },
      ],
      listeners: [httpListener('http', 'main')],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', clusterName)])])],
    });
  const stat = (n: string) => h.engine.stats.valueOf(`cluster.${clusterName}.outlier_detection.${n}`) ?? 0;
  const statuses = async (n: number, headers: Record<string, string> = {}) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await send(h.url('http', '/'), { agent, headers })).status);
    return out;
  };

  it('ejects a host after consecutive_5xx, skips it, shows it in /clusters, and brings it back, later each time', async () => {
    await configure({
      consecutive5xx: 2,
      interval: durationOf(50),
      baseEjectionTime: durationOf(250),
      maxEjectionPercent: 50,
    });
    // Round robin: the bad host answers every other request until its second 500.
    const first = await statuses(6);
    expect(first.filter((s) => s === 500)).toHaveLength(2);
    expect(first.slice(-2)).toEqual([200, 200]);
    expect(stat('ejections_enforced_total')).toBe(1);
    expect(stat('ejections_detected_consecutive_5xx')).toBe(1);
    expect(stat('ejections_active')).toBe(1);
    expect(await statuses(4)).toEqual([200, 200, 200, 200]);
    const clusters = (await send(h.adminUrl('/clusters'))).body;
    expect(clusters).toContain(`pair::127.0.0.1:${bad.port}::health_flags::/failed_outlier_check\n`);
    expect(clusters).toContain(`pair::127.0.0.1:${good.port}::health_flags::healthy\n`);

    // Back after base_ejection_time, at the next interval tick.
    const ejectedAt = Date.now();
    while (stat('ejections_active') === 1 && Date.now() - ejectedAt < 2000) await sleep(5);
    expect(stat('ejections_active')).toBe(0);
    expect(Date.now() - ejectedAt).toBeGreaterThanOrEqual(150);
    // Ejected again at once: the second ejection lasts twice as long (500 ms).
    await statuses(6);
    expect(stat('ejections_enforced_total')).toBe(2);
    await sleep(300);
    expect(stat('ejections_active')).toBe(1);
    await sleep(300);
    expect(stat('ejections_active')).toBe(0);
  });

  it('detects consecutive gateway failures (502-504 only), ejecting only when enforced', async () => {
    const outlier = {
      consecutive5xx: 0,
      consecutiveGatewayFailure: 2,
      interval: durationOf(5000),
      maxEjectionPercent: 50,
    };
    await configure(outlier);
    const detected = () => stat('ejections_detected_consecutive_gateway_failure');
    const enforced = () => stat('ejections_enforced_consecutive_gateway_failure');
    const before = { detected: detected(), enforced: enforced() };
    // 500 is not a gateway failure.
    await statuses(4);
    expect(detected() - before.detected).toBe(0);
    // 503s are, but Envoy's enforcing_consecutive_gateway_failure defaults to 0: detected, not ejected.
    expect((await statuses(4, { 'x-status': '503' })).filter((s) => s === 503)).toHaveLength(2);
    expect(detected() - before.detected).toBe(1);
    expect(enforced() - before.enforced).toBe(0);

    await configure({ ...outlier, enforcingConsecutiveGatewayFailure: 100 });
    await statuses(4, { 'x-status': '503' });
    expect(enforced() - before.enforced).toBe(1);
    expect(await statuses(4, { 'x-status': '503' })).toEqual([200, 200, 200, 200]);
  });

  it('counts ejections_overflow instead of ejecting past max_ejection_percent (Envoy default 10%)', async () => {
    clusterName = 'fresh';
    await configure({ consecutive5xx: 1, interval: durationOf(1000) });
    const before = stat('ejections_overflow');
    const replies = await statuses(4);
    expect(replies.filter((s) => s === 500)).toHaveLength(2);
    expect(stat('ejections_overflow') - before).toBe(2);
  });
});
