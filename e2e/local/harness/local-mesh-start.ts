/**
 * `npm start` as a user runs it (`node tools/scripts/start.ts`), on a copy of the example config
 * (deploy/examples/local-mesh) whose loopback ports are moved to free ones, so the test neither
 * edits the repository nor depends on 8080/9181/9182 being free. Every port of istiod and the
 * gateway is `0`; the launcher's output says what they became.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request, type Agent } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { isMap, isSeq, parseAllDocuments, type Document } from 'yaml';
import { sleep, withDeadline } from './wait';

export const EXAMPLE_DIR = join(process.cwd(), 'deploy', 'examples', 'local-mesh');
const START_SCRIPT = join(process.cwd(), 'tools', 'scripts', 'start.ts');

/** Distinct ports free right now (all held open until every one is chosen). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '0.0.0.0', port: 0 }, () => resolve());
      });
      servers.push(server);
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

export interface ExamplePorts {
  readonly ingress: number;
  /** By endpoint version label. */
  readonly upstreams: Readonly<Record<string, number>>;
}

/**
 * Copies the example's YAML files into `dir`, with the Gateway server port and the ServiceEntry
 * endpoint ports replaced (structurally, comments kept). Fails if the example changed shape.
 */
export function copyExample(dir: string, ports: ExamplePorts): void {
  let gateways = 0;
  const moved = new Set<string>();
  for (const file of readdirSync(EXAMPLE_DIR).filter((f) => /\.ya?ml$/.test(f))) {
    const docs = parseAllDocuments(readFileSync(join(EXAMPLE_DIR, file), 'utf8')) as Document[];
    for (const doc of docs) {
      const kind = doc.get('kind');
      if (kind === 'Gateway') {
        const servers = doc.getIn(['spec', 'servers']);
        if (!isSeq(servers)) throw new Error(`${file}: Gateway without spec.servers`);
        servers.items.forEach((_, i) => doc.setIn(['spec', 'servers', i, 'port', 'number'], ports.ingress));
        gateways++;
      }
      if (kind === 'ServiceEntry') {
        const endpoints = doc.getIn(['spec', 'endpoints']);
        if (!isSeq(endpoints)) throw new Error(`${file}: ServiceEntry without spec.endpoints`);
        endpoints.items.forEach((endpoint, i) => {
          if (!isMap(endpoint)) return;
          const version = String(doc.getIn(['spec', 'endpoints', i, 'labels', 'version']));
          const port = ports.upstreams[version];
          if (port === undefined)
            throw new Error(`${file}: endpoint ${i} has version "${version}", not one of the test's`);
          doc.setIn(['spec', 'endpoints', i, 'ports', 'http'], port);
          moved.add(version);
        });
      }
    }
    writeFileSync(join(dir, file), docs.map((d) => d.toString()).join('---\n'));
  }
  if (gateways !== 1 || moved.size !== Object.keys(ports.upstreams).length) {
    throw new Error(`the example changed shape: ${gateways} Gateway(s), endpoints moved for ${[...moved].join(', ')}`);
  }
}

export interface StartedMesh {
  readonly ingressUrl: string;
  readonly debugPort: number;
  readonly adminPort: number;
  /** Every child the launcher says it started, by name. */
  readonly children: ReadonlyMap<string, number>;
}

/** `node tools/scripts/start.ts ...` with its output collected; the launcher itself is not detached. */
export class StartProcess {
  private out = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.out += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.out += text));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static spawn(args: readonly string[]): StartProcess {
    return new StartProcess(spawn(process.execPath, [START_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get output(): string {
    return this.out;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Pids of the children announced so far (`started <name> (pid N)`). */
  children(): Map<string, number> {
    return new Map([...this.out.matchAll(/^started (\S+) \(pid (\d+)\)$/gm)].map((m) => [m[1], Number(m[2])]));
  }

  /** Waits for the `ingress: http://127.0.0.1:<port>` line and the watch URLs printed with it. */
  async ready(timeoutMs: number): Promise<StartedMesh> {
    const deadline = Date.now() + timeoutMs;
    let ingress: RegExpExecArray | null = null;
    while (!(ingress = /^ingress: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(this.out))) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `npm start exited (${this.child.exitCode ?? this.child.signalCode}) before the ingress line:\n${this.out}`,
        );
      }
      // The launcher gave up waiting for the gateway's listener (e.g. its configuration was NACKed).
      if (/^The ingress gateway has not bound port/m.test(this.out)) {
        throw new Error(`the ingress gateway never served the ingress port; npm start printed:\n${this.out}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `no "ingress: http://127.0.0.1:<port>" line within ${timeoutMs} ms; npm start printed:\n${this.out}`,
        );
      }
      await sleep(50);
    }
    const debug = /http:\/\/127\.0\.0\.1:(\d+)\/debug\/syncz/.exec(this.out);
    const admin = /gateway\s+http:\/\/127\.0\.0\.1:(\d+)\/stats/.exec(this.out);
    if (!debug || !admin) throw new Error(`the watch URLs are missing:\n${this.out}`);
    return { ingressUrl: ingress[1], debugPort: +debug[1], adminPort: +admin[1], children: this.children() };
  }

  /** Sends `signal` to the launcher only (as a user's `kill -INT` would) and waits for its exit. */
  async stop(signal: NodeJS.Signals, timeoutMs: number) {
    this.child.kill(signal);
    return withDeadline(this.exited, timeoutMs, `npm start to exit after ${signal}`);
  }

  /** Cleanup after a failure: the launcher and every child it announced (their own process groups). */
  killEverything(): void {
    for (const pid of this.children().values()) killGroup(pid);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** True while a process with this pid exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Answer {
  readonly status: number;
  /** The demo upstream's `version`, or undefined when the body was not its JSON (a proxy's own reply). */
  readonly version?: string;
  /** When the answer arrived (ms since the epoch). */
  readonly at: number;
}

/** One GET through the gateway on a shared keep-alive agent. */
export function get(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        let version: string | undefined;
        try {
          version = (JSON.parse(body) as { version?: string }).version;
        } catch {
          version = undefined;
        }
        resolve({ status: res.statusCode ?? 0, version, at: Date.now() });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** `count` GETs, `concurrency` at a time; answers in completion order. */
export async function getMany(url: string, count: number, concurrency: number, agent: Agent): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      answers.push(await get(url, agent));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}

/** Share of each version among the answers, in percent. */
export function shares(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers)
    counts[a.version ?? `status ${a.status}`] = (counts[a.version ?? `status ${a.status}`] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, (100 * n) / answers.length]));
}
