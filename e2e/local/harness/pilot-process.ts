/**
 * The real pilot bundle (`dist/apps/pilot/main.js`, built by the e2e target's dependency) as a
 * child process on loopback with port 0 everywhere: the bound ports are read from its startup
 * line `pilot: xds=127.0.0.1:P debug=127.0.0.1:P monitoring=127.0.0.1:P`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, withDeadline } from './wait';

export const PILOT_BUNDLE = join(process.cwd(), 'dist', 'apps', 'pilot', 'main.js');

export interface PilotPorts {
  readonly xds: number;
  readonly debug: number;
  readonly monitoring: number;
}

const STARTUP_LINE = /^pilot: xds=127\.0\.0\.1:(\d+) debug=127\.0\.0\.1:(\d+) monitoring=127\.0\.0\.1:(\d+)$/m;

export class PilotProcess {
  private out = '';
  private err = '';
  private readonly exited: Promise<number | null>;
  private boundPorts?: PilotPorts;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.out += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.err += text));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts pilot over `configDir` and waits (at most 15 s) for its startup line. */
  static async start(configDir: string, extraArgs: readonly string[] = []): Promise<PilotProcess> {
    if (!existsSync(PILOT_BUNDLE)) throw new Error(`${PILOT_BUNDLE} is missing: run \`npx nx run pilot:build\``);
    const args = [
      PILOT_BUNDLE,
      '--config-dir',
      configDir,
      '--grpc-addr',
      '127.0.0.1:0',
      '--http-addr',
      '127.0.0.1:0',
      '--monitoring-addr',
      '127.0.0.1:0',
      ...extraArgs,
    ];
    const pilot = new PilotProcess(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    const deadline = Date.now() + 15_000;
    let match: RegExpExecArray | null = null;
    while (!(match = STARTUP_LINE.exec(pilot.out)) && pilot.child.exitCode === null && Date.now() < deadline) {
      await sleep(20);
    }
    if (!match) {
      pilot.kill();
      throw new Error(`pilot printed no startup line (exit ${pilot.child.exitCode}):\n${pilot.out}\n${pilot.err}`);
    }
    pilot.boundPorts = { xds: +match[1], debug: +match[2], monitoring: +match[3] };
    return pilot;
  }

  get ports(): PilotPorts {
    if (!this.boundPorts) throw new Error('pilot has not started');
    return this.boundPorts;
  }

  get stdout(): string {
    return this.out;
  }

  /** pilot logs (JSON lines) go to stderr. */
  get stderr(): string {
    return this.err;
  }

  /** GET on the debug port; parses JSON. */
  async debugJson<T>(path: string): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.ports.debug}${path}`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** SIGTERM and wait for the exit code (at most 10 s; then SIGKILL). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    try {
      return await withDeadline(this.exited, 10_000, 'pilot to exit after SIGTERM');
    } catch (error) {
      this.child.kill('SIGKILL');
      throw error;
    }
  }

  /** Ends the process whatever its state (cleanup after a failure). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
