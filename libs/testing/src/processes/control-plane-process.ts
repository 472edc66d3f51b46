/**
 * Test-only: a control-plane bundle (pilot or istiod) as a child process. Starts it, reads the
 * bound ports from its startup line, talks to its debug and monitoring ports, stops it with a
 * signal and reports the exit code. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { AggregatedDiscoveryServiceClient, type DiscoveryRequest, type DiscoveryResponse } from '@mesh/xds';

export interface Ports {
  readonly xds: number;
  readonly debug: number;
  readonly monitoring: number;
  readonly webhook?: number;
}

export class ControlPlaneProcess {
  private stdoutText = '';
  private stderrText = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.stdoutText += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderrText += text));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Spawns `node <bundle> ...args` and waits for the startup line (at most 10 s). */
  static async start(name: string, bundle: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    const child = spawn(process.execPath, [bundle, ...args], { env: { ...process.env, ...env } });
    const running = new ControlPlaneProcess(name, child);
    const ports = await running.startupPorts();
    return { process: running, ports };
  }

  /** The OS process ID (benchmarks read its CPU time and memory from /proc). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Sends `signal` and resolves with the exit code (rejects after 10 s). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return within(this.exited, 10_000, `${this.name} did not exit after ${signal}:\n${this.stderrText}`);
  }

  /** Ends the process whatever its state (afterAll cleanup). */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  private async startupPorts(): Promise<Ports> {
    const pattern = new RegExp(
      `^${this.name}: xds=127\\.0\\.0\\.1:(\\d+) debug=127\\.0\\.0\\.1:(\\d+) monitoring=127\\.0\\.0\\.1:(\\d+)(?: webhook=127\\.0\\.0\\.1:(\\d+))?$`,
      'm',
    );
    for (let waited = 0; waited < 10_000; waited += 20) {
      const match = pattern.exec(this.stdoutText);
      if (match) {
        const [, xds, debug, monitoring, webhook] = match;
        return { xds: +xds, debug: +debug, monitoring: +monitoring, ...(webhook ? { webhook: +webhook } : {}) };
      }
      if (this.child.exitCode !== null) break;
      await sleep(20);
    }
    this.kill();
    throw new Error(`${this.name} printed no startup line:\nstdout: ${this.stdoutText}\nstderr: ${this.stderrText}`);
  }
}

export async function httpGet(port: number, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, text: await response.text() };
}

/** Reads until `done` says yes (every 25 ms, at most 5 s); returns the last reading either way. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 200 && !done(value); i++) {
    await sleep(25);
    value = await read();
  }
  return value;
}

/** A real ADS client (grpc-js with the generated service definition) on a plaintext port. */
export class AdsStream {
  readonly responses: DiscoveryResponse[] = [];
  private taken = 0;
  readonly status: Promise<{ code: number; details: string }>;
  private readonly client: AggregatedDiscoveryServiceClient;
  private readonly call: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;

  constructor(port: number) {
    this.client = new AggregatedDiscoveryServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    this.call = this.client.streamAggregatedResources();
    this.call.on('data', (response: DiscoveryResponse) => this.responses.push(response));
    this.call.on('error', () => undefined); // the final status arrives as 'status' too
    this.status = new Promise((resolve) =>
      this.call.on('status', (s) => resolve({ code: s.code, details: s.details })),
    );
  }

  send(request: DiscoveryRequest): void {
    this.call.write(request);
  }

  /** The next response not yet taken (of `typeUrl`, when given; others are skipped); rejects after `timeoutMs`. */
  async next(typeUrl?: string, timeoutMs = 5_000): Promise<DiscoveryResponse> {
    for (let waited = 0; waited <= timeoutMs; waited += 10) {
      while (this.taken < this.responses.length) {
        const response = this.responses[this.taken++];
        if (typeUrl === undefined || response.typeUrl === typeUrl) return response;
      }
      await sleep(10);
    }
    throw new Error(`no ${typeUrl ?? 'xDS'} response within ${timeoutMs} ms`);
  }

  /** Acknowledges a response, as Envoy does. */
  ack(response: DiscoveryResponse, resourceNames: string[] = []): void {
    this.send({
      typeUrl: response.typeUrl,
      versionInfo: response.versionInfo,
      responseNonce: response.nonce,
      resourceNames,
    });
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves as `promise` does, or rejects with `message` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
