/**
 * Drives `clients/xds-echo-client.ts` (a @grpc/grpc-js-xds client) in a child process: its xDS
 * bootstrap goes in through GRPC_XDS_BOOTSTRAP_CONFIG of that process only; commands go as JSON
 * lines on its stdin and answers come back as JSON lines on its stdout, matched by `id`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { withDeadline } from './wait';

const CLIENT_SCRIPT = join(process.cwd(), 'e2e', 'local', 'clients', 'xds-echo-client.ts');

/** grpc-js-xds's bootstrap, as https://github.com/grpc/proposal/blob/master/A27-xds-global-load-balancing.md lays it out. */
export interface XdsBootstrap {
  xds_servers: { server_uri: string; channel_creds: { type: string }[]; server_features?: string[] }[];
  node: { id: string; metadata?: Record<string, string>; locality?: Record<string, string> };
}

export interface CallCounts {
  /** Answers per backend version. */
  readonly counts: Record<string, number>;
  readonly errorCount: number;
  /** The first few errors, `error:<code> <details>`. */
  readonly errors: string[];
}

export interface PollSample {
  /** Wall-clock milliseconds (Date.now() of the client, the same clock as the test's). */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly answer: string;
}

export interface PollResult {
  readonly samples: PollSample[];
  /** Whether the poll ended on `stableCalls` answers in a row from the awaited version. */
  readonly stable: boolean;
}

type Message = { id?: number; event?: string; error?: string } & Record<string, unknown>;

export class XdsClientProcess {
  private nextId = 1;
  private readonly waiting = new Map<string, (message: Message) => void>();
  private err = '';
  private readonly ready: Promise<Message>;

  private constructor(private readonly child: ChildProcess) {
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.err += text));
    let announceReady: (message: Message) => void = () => undefined;
    this.ready = new Promise((resolve) => (announceReady = resolve));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let message: Message;
      try {
        message = JSON.parse(line) as Message;
      } catch {
        this.err += `unexpected stdout: ${line}\n`;
        return;
      }
      if (message.event === 'ready') return announceReady(message);
      if (message.error !== undefined) {
        // A failed command settles everything still waiting for it.
        for (const [key, settle] of this.waiting) if (key.startsWith(`${message.id}:`)) settle(message);
        return;
      }
      const key = `${message.id}:${message.event ?? 'result'}`;
      this.waiting.get(key)?.(message);
      this.waiting.delete(key);
    });
  }

  /** Spawns the client for `target` (`host:port`) with this bootstrap; waits for it to be up. */
  static async start(target: string, bootstrap: XdsBootstrap): Promise<XdsClientProcess> {
    const env: NodeJS.ProcessEnv = { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) };
    delete env.GRPC_XDS_BOOTSTRAP; // a file bootstrap from the caller's shell must not win
    const child = spawn(process.execPath, [CLIENT_SCRIPT, target], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const client = new XdsClientProcess(child);
    await withDeadline(client.ready, 10_000, `the xDS client to start\n${client.err}`);
    return client;
  }

  /** The client's stderr so far (grpc-js logs, crashes). */
  get stderr(): string {
    return this.err;
  }

  /** `count` calls, `concurrency` at a time, with these request headers; answers per version. */
  async calls(count: number, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<CallCounts> {
    const id = this.nextId++;
    const result = this.expect(id, 'result', timeoutMs, `${count} calls`);
    this.send({ id, op: 'calls', count, headers, concurrency: 20 });
    const { counts, errorCount, errors } = (await result) as unknown as CallCounts;
    return { counts, errorCount, errors };
  }

  /**
   * Starts polling (one call every `intervalMs`) until `stableCalls` answers in a row come from
   * `until`; `onPolling` runs once the client has started (e.g. to change the config), and the
   * samples come back when the poll ends.
   */
  async poll(
    options: { intervalMs: number; until: string; stableCalls: number; timeoutMs: number },
    onPolling: () => void | Promise<void>,
  ): Promise<PollResult> {
    const id = this.nextId++;
    const polling = this.expect(id, 'polling', 5_000, 'the poll to start');
    const result = this.expect(id, 'result', options.timeoutMs + 10_000, 'the poll to end');
    void result.catch(() => undefined); // awaited below; a failed start must not leave it unhandled
    this.send({ id, op: 'poll', ...options });
    await polling;
    await onPolling();
    const { samples, stable } = (await result) as unknown as PollResult;
    return { samples, stable };
  }

  /** Asks the client to exit; kills it if it does not within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.end(`${JSON.stringify({ id: this.nextId++, op: 'exit' })}\n`);
    await withDeadline(exited, 5_000, 'the xDS client to exit').catch(() => this.kill());
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private send(command: object): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  private expect(id: number, event: string, timeoutMs: number, what: string): Promise<Message> {
    const answer = new Promise<Message>((resolve, reject) =>
      this.waiting.set(`${id}:${event}`, (message) =>
        message.error ? reject(new Error(`xDS client: ${message.error}`)) : resolve(message),
      ),
    );
    return withDeadline(answer, timeoutMs, `${what} (client stderr:\n${this.err})`);
  }
}
