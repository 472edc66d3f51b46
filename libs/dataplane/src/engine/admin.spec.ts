/**
 * The admin endpoint over real HTTP: readiness before and after the first snapshot, the config
 * dump, /clusters and /stats in Envoy's text forms, /listeners and /quitquitquit.
 */
import { Bootstrap } from '@mesh/xds';
import { adminOptionsFromBootstrap } from './admin/admin-bootstrap';
import { EngineHarness, send, Upstream } from '../../testdata/engine-harness';
import { httpListener, prefixRoute, routes, staticCluster, virtualHost } from '../../testdata/engine-fixtures';

describe('engine: admin endpoint', () => {
  let h: EngineHarness;
  let upstream: Upstream;
  let quits = 0;

  beforeAll(async () => {
    upstream = await Upstream.start('up');
    h = await EngineHarness.start({ onQuit: () => quits++ });
  });
  afterAll(async () => {
    await h.stop();
    await upstream.close();
  });

  it('is not ready before the first snapshot, then LIVE', async () => {
    const before = await send(h.adminUrl('/ready'));
    expect(before.status).toBe(503);
    expect(before.body).toBe('PRE_INITIALIZING\n');
    expect(h.engine.adminAddress?.address).toBe('127.0.0.1');

    await h.configure({
      clusters: [staticCluster('up', [upstream.port])],
      listeners: [httpListener('web', 'web-routes')],
      routes: [routes('web-routes', [virtualHost('all', ['*'], [prefixRoute('/', 'up')])])],
    });
    const after = await send(h.adminUrl('/ready'));
    expect(after.status).toBe(200);
    expect(after.body).toBe('LIVE\n');
  });

  it('counts requests in /stats and /clusters with Envoy names and formats', async () => {
    for (let i = 0; i < 3; i++) expect((await send(h.url('web', `/s/${i}`))).status).toBe(200);
    expect((await send(h.url('web', '/s/x'), { headers: { host: 'nowhere' } })).status).toBe(200);

    const stats = (await send(h.adminUrl('/stats'))).body;
    const lines = stats.trimEnd().split('\n');
    expect(lines.every((l) => /^[\w.|:-]+: -?\d+$/.test(l))).toBe(true);
    expect([...lines].sort()).toEqual(lines); // sorted by name
    expect(lines).toContain('cluster.up.upstream_rq_total: 4');
    expect(lines).toContain('cluster.up.upstream_rq_2xx: 4');
    expect(lines).toContain('cluster.up.upstream_rq_200: 4');
    expect(lines).toContain('cluster.up.upstream_cx_total: 1');
    expect(lines).toContain('cluster.up.membership_total: 1');
    expect(lines).toContain('http.web.downstream_rq_total: 4');
    expect(lines).toContain('http.web.downstream_rq_2xx: 4');
    expect(lines).toContain('server.live: 1');
    expect(lines).toContain('listener_manager.total_listeners_active: 1');

    const filtered = (await send(h.adminUrl('/stats?filter=^cluster\\.up\\.upstream_rq_'))).body.trimEnd().split('\n');
    expect(filtered.length).toBeGreaterThan(2);
    expect(filtered.every((l) => l.startsWith('cluster.up.upstream_rq_'))).toBe(true);
    const json = (await send(h.adminUrl('/stats?format=json'))).json<{ stats: { name: string; value: number }[] }>();
    expect(json.stats).toContainEqual({ name: 'http.web.downstream_rq_total', value: 4 });

    const clusters = (await send(h.adminUrl('/clusters'))).body;
    const host = `up::127.0.0.1:${upstream.port}`;
    expect(clusters).toContain('up::observability_name::up\n');
    expect(clusters).toContain(`${host}::rq_total::4\n`);
    expect(clusters).toContain(`${host}::rq_success::4\n`);
    expect(clusters).toContain(`${host}::cx_total::1\n`);
    expect(clusters).toContain(`${host}::health_flags::healthy\n`);
    expect(clusters).toContain(`${host}::zone::z1\n`);
  });

  it('dumps the active configuration as Envoy-style JSON', async () => {
    const dump = (await send(h.adminUrl('/config_dump'))).json<{ configs: Record<string, unknown>[] }>();
    const byType = new Map(dump.configs.map((c) => [String(c['@type']).split('.').pop(), c]));
    expect([...byType.keys()]).toEqual([
      'ClustersConfigDump',
      'EndpointsConfigDump',
      'ListenersConfigDump',
      'RoutesConfigDump',
      'SecretsConfigDump',
    ]);
    expect(byType.get('ClustersConfigDump')).toMatchObject({
      version_info: h.stub.versionOf('type.googleapis.com/envoy.config.cluster.v3.Cluster'),
      dynamic_active_clusters: [
        {
          cluster: {
            '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
            name: 'up',
            lb_policy: 'round_robin',
          },
        },
      ],
    });
    expect(byType.get('ListenersConfigDump')).toMatchObject({
      dynamic_listeners: [{ name: 'web', active_state: { listener: { name: 'web', bind_to_port: true } } }],
    });
    expect(byType.get('RoutesConfigDump')).toMatchObject({
      dynamic_route_configs: [
        { route_config: { name: 'web-routes', virtual_hosts: [{ name: 'all', domains: ['*'] }] } },
      ],
    });
  });

  it('lists listeners with their bound addresses', async () => {
    const body = (await send(h.adminUrl('/listeners'))).body;
    expect(body).toBe(`web::127.0.0.1:${h.port('web')}\n`);
    expect((await send(h.adminUrl('/nope'))).status).toBe(404);
  });

  it('quits on POST /quitquitquit only', async () => {
    expect((await send(h.adminUrl('/quitquitquit'))).status).toBe(405);
    expect(quits).toBe(0);
    const reply = await send(h.adminUrl('/quitquitquit'), { method: 'POST' });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('OK\n');
    await h.events.waitFor((e) => e.type === 'quit');
    expect(quits).toBe(1);
  });

  it('reads its address from a bootstrap', () => {
    expect(
      adminOptionsFromBootstrap(
        Bootstrap.fromPartial({ admin: { address: { socketAddress: { address: '127.0.0.1', portValue: 15000 } } } }),
      ),
    ).toEqual({ address: '127.0.0.1', port: 15000 });
    expect(adminOptionsFromBootstrap(Bootstrap.fromPartial({}))).toBeUndefined();
    expect(() =>
      adminOptionsFromBootstrap(Bootstrap.fromPartial({ admin: { address: { pipe: { path: '/tmp/admin' } } } })),
    ).toThrow('bootstrap admin.address: only socket_address is supported by this proxy');
  });
});
