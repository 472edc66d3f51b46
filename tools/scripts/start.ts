/**
 * `npm start`: the local mesh on loopback, from ordinary Istio YAML.
 *
 *   npm start [-- --config-dir DIR] [--verbose] [--rebuild | --no-build] [--<component>-port N]
 *
 * 1. Reads the config directory (default deploy/examples/local-mesh, used in place and watched by
 *    istiod: editing its VirtualService shifts traffic live): the Gateway ports the ingress gateway
 *    will serve, and the loopback endpoints of its ServiceEntries/WorkloadEntries, each of which
 *    gets a demo upstream (tools/scripts/demo-upstream.ts) answering with its `version` label.
 * 2. Builds the istiod and ingress-gateway bundles if they are missing or stale.
 * 3. Starts the demo upstreams, istiod (--config-dir) and the ingress gateway, and prints
 *    `ingress: http://127.0.0.1:<port>` once the gateway serves it, then where to watch.
 * 4. Ctrl-C (SIGINT) or SIGTERM stops every process it started and exits 0; if one of them dies
 *    on its own, it says which and stops the rest (exit 1).
 *
 * istiod's debug port, 8080 by default, is the port Istio's ingress gateway listens on, so here
 * debug defaults to 15080. Every port is a preference: when taken, a free one is used and printed.
 */
import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../xds-gen/sources.ts';
import { bundlePath, ensureBundles } from './local-mesh/bundles.ts';
import { readLocalMeshConfig, type LocalMeshConfig } from './local-mesh/example-config.ts';
import { choosePort, portIsFree } from './local-mesh/ports.ts';
import { describeExit, Supervisor } from './local-mesh/supervisor.ts';

const GATEWAY_LABELS = { istio: 'ingressgateway' };
const DEFAULT_CONFIG_DIR = join(repoRoot, 'deploy', 'examples', 'local-mesh');
const PREFERRED = {
  xds: 15010,
  debug: 15080,
  monitoring: 15014,
  admin: 15000,
  status: 15021,
  prometheus: 15090,
} as const;
type PortName = keyof typeof PREFERRED;
/** How long the gateway may take to get its configuration and bind the ingress port. */
const INGRESS_DEADLINE_MS = 20_000;
const START_DEADLINE_MS = 15_000;

const USAGE = `npm start [-- flags]: runs the local mesh (istiod, demo upstreams, the ingress gateway)

  --config-dir DIR     Istio YAML to serve, watched (default deploy/examples/local-mesh)
  --xds-port N         istiod xDS (default ${PREFERRED.xds})         --debug-port N    istiod debug (default ${PREFERRED.debug})
  --monitoring-port N  istiod /metrics (default ${PREFERRED.monitoring})   --admin-port N    gateway admin (default ${PREFERRED.admin})
  --status-port N      gateway /healthz/ready (default ${PREFERRED.status})
  --prometheus-port N  gateway /stats/prometheus (default ${PREFERRED.prometheus})
                       (a default port that is taken is replaced by a free one; 0 = any)
  --log-dir DIR        where each process's output goes (default a new temp dir)
  --verbose            show every line the processes print, not only warnings and errors
  --rebuild            rebuild the bundles even when up to date     --no-build   never build
`;

function portOption(values: Record<string, unknown>, name: PortName): number | undefined {
  const text = values[`${name}-port`];
  if (text === undefined) return undefined;
  const port = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--${name}-port: "${String(text)}" is not a port`);
  }
  return port;
}

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'config-dir': { type: 'string' },
      'log-dir': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      rebuild: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...Object.fromEntries(Object.keys(PREFERRED).map((name) => [`${name}-port`, { type: 'string' as const }])),
    },
  });
  const ports = Object.fromEntries(
    (Object.keys(PREFERRED) as PortName[]).map((name) => [name, portOption(values, name)]),
  ) as Record<PortName, number | undefined>;
  const configDir = values['config-dir'] ? resolve(values['config-dir']) : DEFAULT_CONFIG_DIR;
  return { values, ports, configDir };
}

const print = (line: string) => process.stdout.write(`${line}\n`);

function shown(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}

/** Ports the config needs (ingress, demo upstreams) must be free: they are not ours to move. */
async function checkConfigPorts(config: LocalMeshConfig): Promise<void> {
  const problems: string[] = [];
  for (const server of config.ingress) {
    if (!(await portIsFree(server.port))) {
      problems.push(`port ${server.port} of Gateway ${server.gateway} (${server.file}) is in use`);
    }
  }
  for (const endpoint of config.demoEndpoints) {
    if (!(await portIsFree(endpoint.port, endpoint.address))) {
      problems.push(`port ${endpoint.port} of ${endpoint.name} (${endpoint.file}) is in use on ${endpoint.address}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `${problems.join('\n')}\nStop what uses it, or copy the config folder, change the port and pass --config-dir.`,
    );
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, ports: explicit, configDir } = parse(argv);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!existsSync(configDir) || !statSync(configDir).isDirectory()) {
    throw new UsageError(`--config-dir: ${configDir} is not a directory`);
  }
  const config = readLocalMeshConfig(configDir, GATEWAY_LABELS);
  const httpIngress = config.ingress.find((server) => server.protocol.toUpperCase() === 'HTTP');
  if (!httpIngress) {
    throw new Error(`${shown(configDir)}: no Gateway selecting istio=ingressgateway has an HTTP server`);
  }
  if (config.demoEndpoints.length === 0) {
    print(`note: ${shown(configDir)} has no loopback endpoints, so no demo upstream is started`);
  }
  await checkConfigPorts(config);
  const apps = ['istiod', 'ingress-gateway'];
  if (!values['no-build']) ensureBundles(repoRoot, apps, { force: values.rebuild, print });
  const missing = apps.map((app) => bundlePath(repoRoot, app)).filter((bundle) => !existsSync(bundle));
  if (missing.length > 0) throw new Error(`${missing.map(shown).join(', ')} missing: run without --no-build`);

  const logDir = values['log-dir'] ? resolve(values['log-dir']) : mkdtempSync(join(tmpdir(), 'mesh-local-'));
  mkdirSync(logDir, { recursive: true });
  const supervisor = new Supervisor({ logDir, verbose: values.verbose, print });
  let finished: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finished = resolve));
  let stopping = false;
  const stopEverything = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    print(`${why}: stopping every process ...`);
    const exits = await supervisor.stopAll();
    for (const exit of exits) print(`  ${exit.name} (pid ${exit.pid}) ended: ${describeExit(exit)}`);
    finished(code);
  };
  process.on('SIGINT', () => void stopEverything('SIGINT', 0));
  process.on('SIGTERM', () => void stopEverything('SIGTERM', 0));
  process.on('SIGHUP', () => void stopEverything('SIGHUP', 0));
  process.on('exit', () => supervisor.killAllNow());
  supervisor.onUnexpectedExit((exit, tail) => {
    print(`${exit.name} (pid ${exit.pid}) exited on its own (${describeExit(exit)}); its last lines:`);
    for (const line of tail.slice(-10)) print(`  | ${line}`);
    void stopEverything(`${exit.name} died`, 1);
  });

  const started = (name: string, pid: number) => print(`started ${name} (pid ${pid})`);
  try {
    // 1. The demo upstreams, so that the first requests through the gateway find them.
    for (const endpoint of config.demoEndpoints) {
      const name = `demo-${endpoint.version}-${endpoint.port}`;
      const script = join(repoRoot, 'tools', 'scripts', 'demo-upstream.ts');
      const args = [script, '--host', endpoint.address, '--port', String(endpoint.port), '--version', endpoint.version];
      started(name, supervisor.start(name, args));
      await supervisor.waitForLine(name, /^demo-upstream \S+: listening on /, START_DEADLINE_MS);
    }

    // 2. istiod on the config directory.
    const istiodPorts = {
      xds: await choosePort(explicit.xds, PREFERRED.xds),
      debug: await choosePort(explicit.debug, PREFERRED.debug),
      monitoring: await choosePort(explicit.monitoring, PREFERRED.monitoring),
    };
    started(
      'istiod',
      supervisor.start('istiod', [
        bundlePath(repoRoot, 'istiod'),
        '--config-dir',
        configDir,
        '--grpc-addr',
        `127.0.0.1:${istiodPorts.xds}`,
        '--http-addr',
        `127.0.0.1:${istiodPorts.debug}`,
        '--monitoring-addr',
        `127.0.0.1:${istiodPorts.monitoring}`,
      ]),
    );
    const istiod = await supervisor.waitForLine(
      'istiod',
      /^istiod: xds=127\.0\.0\.1:(\d+) debug=127\.0\.0\.1:(\d+) monitoring=127\.0\.0\.1:(\d+)/,
      START_DEADLINE_MS,
    );
    const [xdsPort, debugPort, monitoringPort] = [istiod[1], istiod[2], istiod[3]];

    // 3. The ingress gateway, a router that istiod programs from the Gateway and VirtualService.
    const gatewayArgs = [
      bundlePath(repoRoot, 'ingress-gateway'),
      '--discovery-address',
      `127.0.0.1:${xdsPort}`,
      '--labels',
      Object.entries(GATEWAY_LABELS)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      '--admin-port',
      String(await choosePort(explicit.admin, PREFERRED.admin)),
      '--status-port',
      String(await choosePort(explicit.status, PREFERRED.status)),
      '--prometheus-port',
      String(await choosePort(explicit.prometheus, PREFERRED.prometheus)),
    ];
    started('ingress-gateway', supervisor.start('ingress-gateway', gatewayArgs));
    // Watched from the start (lines arrive asynchronously, none is missed); awaited after the startup line.
    const listenerBound = supervisor.waitForLine(
      'ingress-gateway',
      new RegExp(`^ingress-gateway: listener \\S+ on [\\d.:]+:${httpIngress.port}$`),
      INGRESS_DEADLINE_MS,
    );
    listenerBound.catch(() => undefined); // must not be an unhandled rejection before it is awaited
    const gateway = await supervisor.waitForLine(
      'ingress-gateway',
      /^ingress-gateway: admin=127\.0\.0\.1:(\d+) status=[\d.]+:(\d+) prometheus=[\d.]+:(\d+)/,
      START_DEADLINE_MS,
    );
    const [adminPort, statusPort, prometheusPort] = [gateway[1], gateway[2], gateway[3]];
    const watch = [
      'watch it:',
      `  istiod   http://127.0.0.1:${debugPort}/debug/syncz     what each proxy was sent, its ACKs and NACKs`,
      `           http://127.0.0.1:${monitoringPort}/metrics`,
      `  gateway  http://127.0.0.1:${adminPort}/stats           (also /clusters, /listeners, /config_dump)`,
      `           http://127.0.0.1:${statusPort}/healthz/ready
           http://127.0.0.1:${prometheusPort}/stats/prometheus   (Istio's istio_requests_total, ...)`,
      `  logs     ${logDir}`,
    ];
    try {
      await listenerBound;
    } catch {
      // The gateway exiting is handled by onUnexpectedExit; what is left is the deadline.
      if (stopping) return await done;
      const complaints = supervisor.recentLines('ingress-gateway').filter((l) => / (warn|error) /.test(l));
      print(
        [
          `The ingress gateway has not bound port ${httpIngress.port} within ${INGRESS_DEADLINE_MS / 1000} s, so there is no ingress yet.`,
          ...(complaints.length > 0 ? ['It said:', ...complaints.map((l) => `  | ${l}`)] : []),
          ...watch,
          'Still running (Ctrl-C stops everything).',
        ].join('\n'),
      );
      return await done;
    }
    print(
      [
        '',
        `ingress: http://127.0.0.1:${httpIngress.port}`,
        `  try    curl -s http://127.0.0.1:${httpIngress.port}/   (answers with the version that served it)`,
        `  edit   the weights in ${config.virtualServiceFiles.join(', ') || shown(configDir)} and the split follows live`,
        ...watch,
        'Ctrl-C stops everything.',
      ].join('\n'),
    );
  } catch (error) {
    if (!stopping) {
      print(`start-up failed: ${(error as Error).message}`);
      await stopEverything('start-up failed', 1);
    }
  }
  return done;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`npm start: ${message}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(USAGE);
      process.exit(2);
    }
    process.exit(1);
  },
);
