/**
 * HTTP routing end to end: a StubControlPlane serves Envoy resources, the XdsClient feeds the
 * engine, real HTTP clients (Node's and curl) talk to real upstream servers through it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedirectAction_RedirectResponseCode } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { HeaderValueOption_HeaderAppendAction } from '@mesh/xds/generated/envoy/config/core/v3/base';
import { EngineHarness, send, Upstream } from '../../testdata/engine-harness';
import { httpListener, prefixRoute, routes, staticCluster, virtualHost } from '../../testdata/engine-fixtures';

const execFileAsync = promisify(execFile);

describe('engine: HTTP routing', () => {
  let h: EngineHarness;
  let a: Upstream;
  let b: Upstream;
  let c: Upstream;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([Upstream.start('a'), Upstream.start('b'), Upstream.start('c')]);
    h = await EngineHarness.start();
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  async function serveRoutes(...vhs: Parameters<typeof routes>[1]): Promise<void> {
    await h.configure({
      clusters: [
        staticCluster('a', [a.port]),
        staticCluster('b', [b.port]),
        staticCluster('c', [c.port]),
        staticCluster('ab', [a.port, b.port]),
      ],
      listeners: [httpListener('http', 'main')],
      routes: [routes('main', vhs)],
    });
  }

  it('alternates between the two endpoints of a round-robin cluster', async () => {
    await serveRoutes(virtualHost('all', ['*'], [prefixRoute('/', 'ab')]));
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push((await send(h.url('http', `/rr/${i}`))).json().upstream);
    // Whichever comes first, the two take turns.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
    expect(new Set(seen)).toEqual(new Set(['a', 'b']));
  });

  it('splits a weighted route 80/20 within ±5% over 1,000 requests', async () => {
    await serveRoutes(
      virtualHost(
        'all',
        ['*'],
        [
          {
            match: { prefix: '/' },
            route: {
              weightedClusters: {
                clusters: [
                  { name: 'a', weight: 80 },
                  { name: 'b', weight: 20 },
                ],
              },
            },
          },
        ],
      ),
    );
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 16 });
    const counts = { a: 0, b: 0 };
    const batch = 50;
    for (let sent = 0; sent < 1000; sent += batch) {
      const replies = await Promise.all(Array.from({ length: batch }, () => send(h.url('http', '/w'), { agent })));
      for (const r of replies) counts[r.json().upstream as 'a' | 'b']++;
    }
    agent.destroy();
    expect(counts.a + counts.b).toBe(1000);
    expect(counts.a).toBeGreaterThanOrEqual(750);
    expect(counts.a).toBeLessThanOrEqual(850);
  });

  it('matches virtual hosts by Envoy domain rules and routes by path, header and query, first match winning', async () => {
    await serveRoutes(
      virtualHost('exact', ['api.example.com'], [prefixRoute('/', 'a')]),
      virtualHost('suffix', ['*.example.com'], [prefixRoute('/', 'b')]),
      virtualHost('prefix', ['api.*'], [prefixRoute('/', 'c')]),
      virtualHost(
        'default',
        ['*'],
        [
          { match: { path: '/exact' }, route: { cluster: 'a' } },
          { match: { safeRegex: { regex: '/items/[0-9]+' } }, route: { cluster: 'b' } },
          {
            match: { prefix: '/h', headers: [{ name: 'x-version', stringMatch: { exact: 'v2' } }] },
            route: { cluster: 'b' },
          },
          {
            match: { prefix: '/h', headers: [{ name: ':method', stringMatch: { exact: 'POST' } }] },
            route: { cluster: 'c' },
          },
          {
            match: { prefix: '/q', queryParameters: [{ name: 'canary', stringMatch: { exact: 'yes' } }] },
            route: { cluster: 'c' },
          },
          { match: { prefix: '/CASE', caseSensitive: false }, route: { cluster: 'c' } },
          prefixRoute('/', 'a'),
        ],
      ),
    );
    const upstreamOf = async (path: string, headers: Record<string, string> = {}, method = 'GET') =>
      (await send(h.url('http', path), { headers, method })).json().upstream;

    expect(await upstreamOf('/', { host: 'api.example.com' })).toBe('a');
    expect(await upstreamOf('/', { host: 'www.example.com' })).toBe('b');
    expect(await upstreamOf('/', { host: 'api.internal' })).toBe('c');
    expect(await upstreamOf('/', { host: 'other' })).toBe('a');

    expect(await upstreamOf('/exact')).toBe('a');
    expect(await upstreamOf('/items/42')).toBe('b');
    expect(await upstreamOf('/items/42/more')).toBe('a'); // regexes match the whole path
    expect(await upstreamOf('/items/x')).toBe('a');
    expect(await upstreamOf('/h', { 'x-version': 'v2' })).toBe('b');
    expect(await upstreamOf('/h', {}, 'POST')).toBe('c');
    expect(await upstreamOf('/h')).toBe('a');
    expect(await upstreamOf('/q?canary=yes')).toBe('c');
    expect(await upstreamOf('/q?canary=no')).toBe('a');
    expect(await upstreamOf('/case/x')).toBe('c');
  });

  it('answers 404 with flag NR when no route matches, and logs it', async () => {
    await serveRoutes(virtualHost('only', ['only.example.com'], [prefixRoute('/api', 'a')]));
    expect((await send(h.url('http', '/api'), { headers: { host: 'elsewhere' } })).status).toBe(404);
    const reply = await send(h.url('http', '/nope'), { headers: { host: 'only.example.com' } });
    expect(reply.status).toBe(404);
    expect(h.accessLog.at(-1)).toMatch(
      /"GET \/nope HTTP\/1\.1" 404 NR 0 0 \d+ - "-" "-" "[0-9a-f-]{36}" "only\.example\.com" "-"$/,
    );
    expect(h.engine.stats.valueOf('http.http.no_route')).toBeGreaterThanOrEqual(2);
  });

  it('rewrites the path by prefix and by regex and the host, keeping the query and the original path', async () => {
    await serveRoutes(
      virtualHost(
        'all',
        ['*'],
        [
          {
            match: { prefix: '/old/' },
            route: { cluster: 'a', prefixRewrite: '/new/', hostRewriteLiteral: 'upstream.internal' },
          },
          {
            match: { prefix: '/service/' },
            route: {
              cluster: 'a',
              regexRewrite: { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' },
            },
          },
        ],
      ),
    );
    const prefixed = (await send(h.url('http', '/old/thing?x=1'))).json();
    expect(prefixed.url).toBe('/new/thing?x=1');
    expect(prefixed.headers.host).toBe('upstream.internal');
    expect(prefixed.headers['x-envoy-original-path']).toBe('/old/thing?x=1');
    const regexed = (await send(h.url('http', '/service/foo/v1/api?y=2'))).json();
    expect(regexed.url).toBe('/v1/api/instance/foo?y=2');
  });

  it('redirects with Envoy semantics and answers direct responses', async () => {
    await serveRoutes(
      virtualHost(
        'all',
        ['*'],
        [
          {
            match: { prefix: '/to-https' },
            redirect: { httpsRedirect: true, responseCode: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT },
          },
          { match: { prefix: '/moved/' }, redirect: { prefixRewrite: '/here/', hostRedirect: 'new.example.com' } },
          {
            match: { prefix: '/drop' },
            redirect: {
              pathRedirect: '/landing',
              stripQuery: true,
              responseCode: RedirectAction_RedirectResponseCode.FOUND,
            },
          },
          { match: { path: '/health' }, directResponse: { status: 200, body: { inlineString: 'ok\n' } } },
          { match: { path: '/gone' }, directResponse: { status: 410 } },
        ],
      ),
    );
    const https = await send(h.url('http', '/to-https/x?q=1'), { headers: { host: 'shop.example.com:80' } });
    expect(https.status).toBe(308);
    expect(https.headers.location).toBe('https://shop.example.com/to-https/x?q=1');
    const moved = await send(h.url('http', '/moved/page'), { headers: { host: 'old.example.com:8080' } });
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('http://new.example.com/here/page');
    const dropped = await send(h.url('http', '/drop?secret=1'), { headers: { host: 'x.example.com' } });
    expect(dropped.status).toBe(302);
    expect(dropped.headers.location).toBe('http://x.example.com/landing');

    const health = await send(h.url('http', '/health'));
    expect(health.status).toBe(200);
    expect(health.body).toBe('ok\n');
    expect(health.headers['content-type']).toBe('text/plain');
    const gone = await send(h.url('http', '/gone'));
    expect(gone.status).toBe(410);
    expect(gone.body).toBe('');
    expect(a.requests.some((r) => r.url.startsWith('/health'))).toBe(false);
  });

  it('adds, overwrites and removes headers at route, virtual host and route configuration level', async () => {
    const add = (key: string, value: string, appendAction?: HeaderValueOption_HeaderAppendAction) => ({
      header: { key, value },
      appendAction,
    });
    await h.configure({
      clusters: [staticCluster('a', [a.port])],
      listeners: [httpListener('http', 'main')],
      routes: [
        routes(
          'main',
          [
            virtualHost(
              'all',
              ['*'],
              [
                {
                  match: { prefix: '/' },
                  route: { cluster: 'a' },
                  requestHeadersToAdd: [
                    add('x-route', 'r'),
                    add('x-overwritten', 'by-route', HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
                    add('x-if-absent', 'route', HeaderValueOption_HeaderAppendAction.ADD_IF_ABSENT),
                    add('x-percent', '100%%'),
                  ],
                  requestHeadersToRemove: ['x-secret'],
                  responseHeadersToAdd: [add('x-route-response', 'yes')],
                  responseHeadersToRemove: ['x-upstream'],
                },
              ],
              { requestHeadersToAdd: [add('x-vhost', 'v')], responseHeadersToAdd: [add('x-vhost-response', 'v')] },
            ),
          ],
          {
            requestHeadersToAdd: [add('x-config', 'c')],
            // Applied after the route's (least specific last), so it wins by default.
            responseHeadersToAdd: [
              add('x-route-response', 'config', HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
            ],
          },
        ),
      ],
    });
    const reply = await send(h.url('http', '/hdr'), {
      headers: { 'x-secret': 'token', 'x-overwritten': 'client', 'x-if-absent': 'client' },
    });
    const seen = reply.json().headers;
    expect(seen['x-route']).toBe('r');
    expect(seen['x-vhost']).toBe('v');
    expect(seen['x-config']).toBe('c');
    expect(seen['x-overwritten']).toBe('by-route');
    expect(seen['x-if-absent']).toBe('client');
    expect(seen['x-percent']).toBe('100%');
    expect(seen['x-secret']).toBeUndefined();
    expect(reply.headers['x-route-response']).toBe('config');
    expect(reply.headers['x-vhost-response']).toBe('v');
    expect(reply.headers['x-upstream']).toBeUndefined();
    expect(reply.headers['x-envoy-upstream-service-time']).toMatch(/^\d+$/);
  });

  it('applies a weighted cluster’s own header changes and host rewrite, and the most specific level last when asked', async () => {
    const add = (key: string, value: string) => ({
      header: { key, value },
      appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
    });
    await h.configure({
      clusters: [staticCluster('a', [a.port])],
      listeners: [httpListener('http', 'main')],
      routes: [
        routes(
          'main',
          [
            virtualHost(
              'all',
              ['*'],
              [
                {
                  match: { prefix: '/' },
                  route: {
                    weightedClusters: {
                      clusters: [
                        {
                          name: 'a',
                          weight: 1,
                          requestHeadersToAdd: [add('x-level', 'cluster')],
                          hostRewriteLiteral: 'a.internal',
                        },
                      ],
                    },
                  },
                  requestHeadersToAdd: [add('x-level', 'route')],
                },
              ],
            ),
          ],
          { mostSpecificHeaderMutationsWins: true },
        ),
      ],
    });
    const seen = (await send(h.url('http', '/w'))).json().headers;
    expect(seen['x-level']).toBe('cluster');
    expect(seen.host).toBe('a.internal');
  });

  it('generates an x-request-id when absent, propagates a given one, and echoes it when configured', async () => {
    await h.configure({
      clusters: [staticCluster('a', [a.port])],
      listeners: [httpListener('http', 'main', { alwaysSetRequestIdInResponse: true })],
      routes: [routes('main', [virtualHost('all', ['*'], [prefixRoute('/', 'a')])])],
    });
    const generated = await send(h.url('http', '/id'));
    const id = generated.json().headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(generated.headers['x-request-id']).toBe(id);
    expect(h.accessLog.at(-1)).toContain(`"${id}"`);
    const given = await send(h.url('http', '/id'), { headers: { 'x-request-id': 'abc-123' } });
    expect(given.json().headers['x-request-id']).toBe('abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
  });

  it('refuses upgrade requests (WebSocket) with 403, as Envoy does without upgrade_configs', async () => {
    await serveRoutes(virtualHost('all', ['*'], [prefixRoute('/', 'a')]));
    const before = a.requests.length;
    const reply = await send(h.url('http', '/ws'), { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
    expect(reply.status).toBe(403);
    expect(a.requests.length).toBe(before);
  });

  it('serves curl: a POST body goes through and the reply comes back', async () => {
    await serveRoutes(virtualHost('all', ['*'], [prefixRoute('/', 'c')]));
    const { stdout } = await execFileAsync('curl', [
      '-sS',
      '-o',
      '-',
      '-w',
      '\n%{http_code}',
      '-H',
      'content-type: text/plain',
      '--data-binary',
      'hello from curl',
      h.url('http', '/curl'),
    ]);
    const [body, status] = stdout.split('\n');
    expect(status).toBe('200');
    expect(JSON.parse(body)).toMatchObject({ upstream: 'c', method: 'POST', url: '/curl', body: 'hello from curl' });
    expect(h.accessLog.at(-1)).toMatch(
      /"POST \/curl HTTP\/1\.1" 200 - 15 \d+ \d+ \d+ "-" "curl\/[^"]+" "[0-9a-f-]{36}" "127\.0\.0\.1:\d+" "127\.0\.0\.1:\d+"$/,
    );
  });
});
