/**
 * `npm start` end to end: the launcher (tools/scripts/start.ts) on a copy of the example config
 * starts istiod, the two demo upstreams and the ingress gateway; real HTTP requests go through
 * the gateway, split by the example's VirtualService; edits of that file re-route live; SIGINT
 * stops every process it started.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replaceFile } from './harness/mesh-config';
import {
  copyExample,
  freePorts,
  get,
  getMany,
  isRunning,
  shares,
  StartProcess,
  type Answer,
  type StartedMesh,
} from './harness/local-mesh-start';
import { sleep, withDeadline } from './harness/wait';

const ROUTES_FILE = 'hello-routes.yaml';
const HOST = 'hello.mesh.test';

/** The example's VirtualService with other weights (subset → percent). */
function routesYaml(weights: Readonly<Record<string, number>>): string {
  const destinations = Object.entries(weights).map(
    ([subset, weight]) => `        - destination:
            host: ${HOST}
            subset: ${subset}
          weight: ${weight}`,
  );
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: hello
  namespace: default
spec:
  hosts:
    - '*'
  gateways:
    - demo-gateway
  http:
    - name: split
      route:
${destinations.join('\n')}
`;
}

interface SyncStatus {
  proxy: string;
  proxy_type: string;
  types: Array<{ type: string; sent_version: string; acked_version: string; nack?: { message: string } }>;
}

describe('npm start: the local mesh on the example config', () => {
  let work: string;
  let configDir: string;
  let start: StartProcess;
  let mesh: StartedMesh;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'e2e-local-mesh-'));
    configDir = join(work, 'config');
    mkdirSync(configDir);
    const [ingress, v1, v2] = await freePorts(3);
    copyExample(configDir, { ingress, upstreams: { v1, v2 } });
    start = StartProcess.spawn([
      '--config-dir',
      configDir,
      '--log-dir',
      join(work, 'logs'),
      ...['xds', 'debug', 'monitoring', 'admin', 'status'].flatMap((name) => [`--${name}-port`, '0']),
    ]);
    // The launcher may first bundle istiod and the gateway (a few seconds each on 2 cores).
    mesh = await start.ready(150_000);
  }, 170_000);

  afterAll(() => {
    agent.destroy();
    start?.killEverything();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('starts istiod, one demo upstream per version and the gateway, and says so', () => {
    expect([...mesh.children.keys()].sort()).toEqual(
      expect.arrayContaining([
        'istiod',
        'ingress-gateway',
        expect.stringMatching(/^demo-v1-/),
        expect.stringMatching(/^demo-v2-/),
      ]),
    );
    expect(mesh.children.size).toBe(4);
    expect(mesh.ingressUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('splits 1,000 requests 80/20 between v1 and v2 (±5 points), as the example VirtualService says', async () => {
    const answers = await getMany(`${mesh.ingressUrl}/`, 1_000, 8, agent);
    const split = shares(answers);
    console.log(`split of 1,000 requests through the gateway: ${JSON.stringify(split)}`);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(Object.keys(split).sort()).toEqual(['v1', 'v2']);
    expect(Math.abs(split.v1 - 80)).toBeLessThanOrEqual(5);
    expect(Math.abs(split.v2 - 20)).toBeLessThanOrEqual(5);

    // The gateway's own counters agree with what the clients saw, per subset cluster.
    const stats = await (await fetch(`http://127.0.0.1:${mesh.adminPort}/stats?format=json`)).text();
    for (const version of ['v1', 'v2']) {
      const name = `cluster.outbound|80|${version}|${HOST}.upstream_rq_200`;
      const seen = answers.filter((a) => a.version === version).length;
      expect({ name, value: statValue(stats, name) }).toEqual({ name, value: seen });
    }
  }, 60_000);

  it('istiod shows the gateway with CDS, EDS, LDS and RDS acknowledged and no NACK', async () => {
    const syncz = (await (await fetch(`http://127.0.0.1:${mesh.debugPort}/debug/syncz`)).json()) as SyncStatus[];
    const router = syncz.filter((s) => s.proxy_type === 'router');
    expect(router).toHaveLength(1);
    const types = Object.fromEntries(router[0].types.map((t) => [t.type, t]));
    for (const type of ['cds', 'eds', 'lds', 'rds']) {
      expect({ type, nack: types[type]?.nack?.message }).toEqual({ type, nack: undefined });
      expect(types[type]?.acked_version).toBe(types[type]?.sent_version);
    }
  });

  it('re-routes live when the VirtualService file changes: all to v2 within 2 s, then 50/50', async () => {
    const written = Date.now();
    replaceFile(configDir, ROUTES_FILE, routesYaml({ v2: 100 }));
    // One request at a time until 50 answers in a row come from v2 (at 80/20, 0.2^50: never by chance).
    const answers: Answer[] = [];
    let run = 0;
    while (run < 50 && Date.now() - written < 10_000) {
      const answer = await get(`${mesh.ingressUrl}/`, agent);
      answers.push(answer);
      run = answer.version === 'v2' ? run + 1 : 0;
    }
    expect(run).toBe(50);
    const shiftedAt = answers[answers.length - 50].at;
    console.log(`re-routed to v2 ${shiftedAt - written} ms after the VirtualService was written`);
    expect(shiftedAt - written).toBeLessThan(2_000);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]); // no request failed during the change

    replaceFile(configDir, ROUTES_FILE, routesYaml({ v1: 50, v2: 50 }));
    const rewritten = Date.now();
    let sawV1 = false;
    while (!sawV1 && Date.now() - rewritten < 10_000)
      sawV1 = (await get(`${mesh.ingressUrl}/`, agent)).version === 'v1';
    expect(sawV1).toBe(true);
    await sleep(200); // past the moment of the switch: every request below sees the new split
    const split = shares(await getMany(`${mesh.ingressUrl}/`, 1_000, 8, agent));
    console.log(`split after the edit to 50/50: ${JSON.stringify(split)}`);
    expect(Math.abs(split.v1 - 50)).toBeLessThanOrEqual(5);
    expect(Math.abs(split.v2 - 50)).toBeLessThanOrEqual(5);
  }, 60_000);

  it('stops every process it started on SIGINT and exits 0', async () => {
    agent.destroy();
    const children = [...mesh.children.values()];
    const exit = await start.stop('SIGINT', 40_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(children.filter(isRunning)).toEqual([]);
    expect(start.output).toMatch(/^SIGINT: stopping every process/m);
  }, 45_000);
});

/** A counter from the admin `/stats?format=json` ({"stats":[{name,value}]}), 0 when absent. */
function statValue(json: string, name: string): number {
  const stats = (JSON.parse(json) as { stats: Array<{ name: string; value: number }> }).stats;
  return stats.find((s) => s.name === name)?.value ?? 0;
}

describe('npm start: when one of its processes dies', () => {
  let work: string;
  let start: StartProcess;

  afterAll(() => {
    start?.killEverything();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('says which one, stops the others and exits 1', async () => {
    work = mkdtempSync(join(tmpdir(), 'e2e-local-mesh-'));
    const configDir = join(work, 'config');
    mkdirSync(configDir);
    const [ingress, v1, v2] = await freePorts(3);
    copyExample(configDir, { ingress, upstreams: { v1, v2 } });
    start = StartProcess.spawn([
      '--config-dir',
      configDir,
      '--log-dir',
      join(work, 'logs'),
      ...['xds', 'debug', 'monitoring', 'admin', 'status'].flatMap((name) => [`--${name}-port`, '0']),
    ]);
    const mesh = await start.ready(150_000);
    const istiod = mesh.children.get('istiod')!;
    process.kill(istiod, 'SIGKILL');

    const exit = await withDeadline(start.exited, 40_000, 'npm start to exit after istiod died');
    expect(exit).toEqual({ code: 1, signal: null });
    expect(start.output).toContain(`istiod (pid ${istiod}) exited on its own (signal SIGKILL)`);
    expect([...mesh.children.values()].filter(isRunning)).toEqual([]);
  }, 200_000);
});
