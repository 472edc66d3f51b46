/**
 * One real kube-apiserver + etcd for a spec file: runs tools/envtest/start.sh as a child process,
 * waits (bounded) for its READY line, and reads the kubeconfig and the env file it writes.
 *
 * Nothing is left behind: stop() sends SIGTERM and waits for start.sh to exit (it stops both
 * servers and removes its temp dir), then SIGKILLs the whole process group if it has not; and
 * start.sh is told our pid (MESH_ENVTEST_PARENT_PID) so it stops itself if this process dies
 * without calling stop() (a crashed or killed Jest).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const startScript = join(workspaceRoot, 'tools', 'envtest', 'start.sh');

/** What start.sh's env file says (paths are absolute). */
export interface EnvtestEnv {
  readonly dir: string;
  readonly server: string;
  readonly token: string;
  readonly caFile: string;
  readonly webhookCertFile: string;
  readonly webhookKeyFile: string;
  readonly kubeconfigFile: string;
}

export interface EnvtestOptions {
  /** How long start.sh may take to print READY (default 60 s: ~5 s here, more on a loaded machine). */
  readonly readyTimeoutMs?: number;
}

/** How long start.sh may take to stop both servers after SIGTERM (it SIGKILLs each after 5 s). */
const STOP_TIMEOUT_MS = 20_000;
/** kube-apiserver alone: SIGUSR1 stops it (≤ 5 s), SIGUSR2 starts it (~3 s to /readyz). */
const API_SERVER_STOP_TIMEOUT_MS = 15_000;
const API_SERVER_START_TIMEOUT_MS = 60_000;
/** Lines of start.sh's stderr kept for error messages. */
const STDERR_LINES = 40;

export class Envtest {
  private readonly stdoutLines: string[] = [];
  private readonly stderrLines: string[] = [];
  private readonly lineWaiters = new Set<() => void>();
  private readonly exited: Promise<void>;
  private exitStatus?: string;
  private connection?: { readonly env: EnvtestEnv; readonly kubeConfig: KubeConfig };

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.stdoutLines.push(line);
      this.notify();
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderrLines.push(line);
      if (this.stderrLines.length > STDERR_LINES) this.stderrLines.shift();
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitStatus = signal ? `killed by ${signal}` : `exit code ${code}`;
        this.notify();
        resolve();
      });
    });
  }

  /** Starts a fresh kube-apiserver + etcd and resolves once the API server answers /readyz. */
  static async start(options: EnvtestOptions = {}): Promise<Envtest> {
    const child = spawn('bash', [startScript], {
      cwd: workspaceRoot,
      env: { ...process.env, MESH_ENVTEST_PARENT_PID: String(process.pid) },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a last-resort SIGKILL reaches etcd and kube-apiserver too.
      detached: true,
    });
    const envtest = new Envtest(child);
    try {
      await envtest.waitForLine('READY', options.readyTimeoutMs ?? 60_000);
      const envFile = envtest.valueOf('MESH_ENVTEST_ENV');
      const env = readEnvFile(envFile);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(env.kubeconfigFile);
      envtest.connection = { env, kubeConfig };
      return envtest;
    } catch (error) {
      await envtest.stop();
      throw error;
    }
  }

  /** Paths and credentials from start.sh's env file. */
  get env(): EnvtestEnv {
    return this.connected().env;
  }

  /** Admin (system:masters) access to the API server. */
  get kubeConfig(): KubeConfig {
    return this.connected().kubeConfig;
  }

  /** start.sh's pid, which is also the process group of etcd and kube-apiserver. */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error('start.sh was not started');
    return this.child.pid;
  }

  /** The CA that signed the API server's and the webhook's certificates (PEM). */
  caPem(): string {
    return readFileSync(this.env.caFile, 'utf8');
  }

  /** Stops kube-apiserver only; etcd and everything stored stay. */
  async stopApiServer(): Promise<void> {
    const seen = this.count('APISERVER_STOPPED');
    this.signal('SIGUSR1');
    await this.waitForLine('APISERVER_STOPPED', API_SERVER_STOP_TIMEOUT_MS, seen);
  }

  /** Starts kube-apiserver again on the same address, with the same certificates and tokens. */
  async startApiServer(): Promise<void> {
    const seen = this.count('APISERVER_READY');
    this.signal('SIGUSR2');
    await this.waitForLine('APISERVER_READY', API_SERVER_START_TIMEOUT_MS, seen);
  }

  /**
   * SIGTERM, and wait for start.sh to stop both servers and exit; SIGKILL the process group if it
   * does not, and in any case whatever of the group outlived start.sh (if start.sh itself was
   * killed, its servers would otherwise keep running).
   */
  async stop(): Promise<void> {
    if (this.exitStatus === undefined) {
      this.signal('SIGTERM');
      const stopped = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_TIMEOUT_MS).unref()),
      ]);
      if (!stopped) this.killGroup();
      await this.exited;
    }
    this.killGroup();
  }

  /** The last lines start.sh wrote to stderr (its log, and the server logs' tails on failure). */
  stderrTail(): string {
    return this.stderrLines.join('\n');
  }

  private connected(): NonNullable<Envtest['connection']> {
    if (!this.connection) throw new Error('envtest is not started');
    return this.connection;
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.exitStatus !== undefined || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, signal);
    } catch {
      // already gone
    }
  }

  private killGroup(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // no process left in the group (ESRCH): the normal case
    }
  }

  private count(line: string): number {
    return this.stdoutLines.filter((l) => l === line).length;
  }

  /** The value of the first `NAME=value` line start.sh printed. */
  private valueOf(name: string): string {
    const line = this.stdoutLines.find((l) => l.startsWith(`${name}=`));
    if (line === undefined) throw new Error(`start.sh printed no ${name}= line`);
    return line.slice(name.length + 1);
  }

  /** Waits until `line` has been printed more than `alreadySeen` times; fails early if start.sh exits. */
  private async waitForLine(line: string, timeoutMs: number, alreadySeen = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(line) <= alreadySeen) {
      if (this.exitStatus !== undefined) {
        throw new Error(`start.sh exited (${this.exitStatus}) before printing ${line}:\n${this.stderrTail()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`start.sh did not print ${line} within ${timeoutMs} ms:\n${this.stderrTail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.lineWaiters.add(done);
      });
    }
  }

  private notify(): void {
    const waiters = [...this.lineWaiters];
    this.lineWaiters.clear();
    for (const wake of waiters) wake();
  }
}

function readEnvFile(file: string): EnvtestEnv {
  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const get = (name: string): string => {
    const value = values.get(name);
    if (!value) throw new Error(`${file} has no ${name}`);
    return value;
  };
  return {
    dir: get('MESH_ENVTEST_DIR'),
    server: get('MESH_ENVTEST_SERVER'),
    token: get('MESH_ENVTEST_TOKEN'),
    caFile: get('MESH_ENVTEST_CA'),
    webhookCertFile: get('MESH_ENVTEST_WEBHOOK_CERT'),
    webhookKeyFile: get('MESH_ENVTEST_WEBHOOK_KEY'),
    kubeconfigFile: get('KUBECONFIG'),
  };
}
