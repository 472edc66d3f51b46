/**
 * A proxyless gRPC client built on `@grpc/grpc-js-xds`, the xDS client nobody here wrote. It runs
 * as its own process (Node strips the types; it imports only npm packages) so that its bootstrap,
 * read from GRPC_XDS_BOOTSTRAP_CONFIG once per process, never leaks into the test process.
 *
 *   node e2e/local/clients/xds-echo-client.ts <host:port>
 *
 * It opens ONE channel to `xds:///<host:port>` and keeps it for its whole life, so a config change
 * reaches a live client. Commands arrive as JSON lines on stdin, answers leave as JSON lines on
 * stdout (each carrying the command's `id`):
 *
 *   {"id":1,"op":"calls","count":1000,"headers":{"x-route":"canary"},"concurrency":20}
 *     → {"id":1,"counts":{"v1":803,"v2":197},"errorCount":0,"errors":[]}
 *   {"id":2,"op":"poll","intervalMs":20,"until":"v3","stableCalls":25,"timeoutMs":5000}
 *     → {"id":2,"event":"polling"} at once, then {"id":2,"samples":[{"startedAt","endedAt","answer"}],"stable":true}
 *   {"id":3,"op":"exit"}
 *
 * The backends answer each call with their version name (the reply's bytes); an error is recorded
 * as `error:<code> <details>`.
 */
import { createInterface } from 'node:readline';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';

const ECHO_METHOD = '/mesh.e2e.Echo/Echo';
const CALL_DEADLINE_MS = 2_000;
const MAX_CALLS = 10_000;
const MAX_POLL_MS = 30_000;

interface CallsCommand {
  id: number;
  op: 'calls';
  count: number;
  headers?: Record<string, string>;
  concurrency?: number;
}

interface PollCommand {
  id: number;
  op: 'poll';
  intervalMs: number;
  until: string;
  stableCalls: number;
  timeoutMs: number;
  headers?: Record<string, string>;
}

interface ExitCommand {
  id: number;
  op: 'exit';
}

type Command = CallsCommand | PollCommand | ExitCommand;

interface Sample {
  startedAt: number;
  endedAt: number;
  answer: string;
}

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: xds-echo-client.ts <host:port>\n');
  process.exit(2);
}
if (!process.env.GRPC_XDS_BOOTSTRAP_CONFIG) {
  process.stderr.write('GRPC_XDS_BOOTSTRAP_CONFIG is not set\n');
  process.exit(2);
}

grpcXds.register();
const client = new Client(`xds:///${target}`, credentials.createInsecure());

function send(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const identity = (bytes: Buffer): Buffer => bytes;

/** One unary call; resolves with the backend's version name or `error:<code> <details>`. */
function call(headers: Record<string, string> = {}): Promise<string> {
  const metadata = new Metadata();
  for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      ECHO_METHOD,
      identity,
      identity,
      Buffer.from('ping'),
      metadata,
      { deadline: Date.now() + CALL_DEADLINE_MS },
      (error: ServiceError | null, reply?: Buffer) =>
        resolve(error ? `error:${error.code} ${error.details}` : (reply?.toString('utf8') ?? 'error:empty reply')),
    ),
  );
}

async function runCalls(command: CallsCommand): Promise<object> {
  const total = Math.min(Math.max(0, command.count), MAX_CALLS);
  const concurrency = Math.min(Math.max(1, command.concurrency ?? 20), 100);
  const counts: Record<string, number> = {};
  const errors: string[] = [];
  let errorCount = 0;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      const answer = await call(command.headers);
      if (answer.startsWith('error:')) {
        errorCount++;
        if (errors.length < 5) errors.push(answer);
      } else {
        counts[answer] = (counts[answer] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { id: command.id, counts, errorCount, errors };
}

/**
 * Calls every `intervalMs` (one at a time) until the last `stableCalls` answers all came from
 * `until`, or `timeoutMs` passes; answers every call's wall-clock start, end and answer.
 */
async function poll(command: PollCommand): Promise<object> {
  send({ id: command.id, event: 'polling' });
  const deadline = Date.now() + Math.min(command.timeoutMs, MAX_POLL_MS);
  const samples: Sample[] = [];
  let run = 0;
  while (Date.now() < deadline) {
    const startedAt = Date.now();
    const answer = await call(command.headers);
    samples.push({ startedAt, endedAt: Date.now(), answer });
    run = answer === command.until ? run + 1 : 0;
    if (run >= command.stableCalls) return { id: command.id, samples, stable: true };
    const wait = startedAt + command.intervalMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { id: command.id, samples, stable: false };
}

async function handle(command: Command): Promise<void> {
  switch (command.op) {
    case 'calls':
      send(await runCalls(command));
      return;
    case 'poll':
      send(await poll(command));
      return;
    case 'exit':
      client.close();
      send({ id: command.id, exited: true });
      process.exit(0);
  }
}

// Commands run one after another, in the order they arrive.
let queue: Promise<void> = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return;
  let command: Command;
  try {
    command = JSON.parse(line) as Command;
  } catch {
    send({ error: `not JSON: ${line}` });
    return;
  }
  queue = queue.then(() => handle(command).catch((error: unknown) => send({ id: command.id, error: String(error) })));
});
// The parent closing stdin (or dying) ends this process too.
process.stdin.on('end', () => {
  client.close();
  process.exit(0);
});
send({ event: 'ready', target });
