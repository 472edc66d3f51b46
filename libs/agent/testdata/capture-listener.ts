/**
 * Test fixture run by the capture specs inside a network namespace, with Node's type stripping:
 *
 *   node capture-listener.ts '[{"role":"capture","host":"::","port":15001}, ...]'
 *
 * Each listener answers every connection at once with a one-line JSON body in a minimal HTTP/1.1
 * response (so curl and raw sockets can both read it) and closes:
 *   role "capture": { role, listener, original: {address, port, family} } or { role, listener, error }
 *                   — what originalDestination() says about the accepted socket;
 *   role "server" / "app": { role, listener } — the connection reached the real destination.
 * Prints `ready` once every listener is bound, and each capture answer as a JSON line.
 */
import { createServer, type Socket } from 'node:net';
import type * as OriginalDst from '../src/capture/original-dst';

interface ListenerSpec {
  role: 'capture' | 'server' | 'app';
  host: string;
  port: number;
}

type OriginalDstModule = typeof OriginalDst;
// Loaded by a computed specifier: Node needs the `.ts` extension, which tsc (bundler resolution)
// refuses in a static import. The type-only import above is erased by type stripping.
const originalDstUrl = new URL('../src/capture/original-dst.ts', import.meta.url).href;
const { originalDestination } = (await import(originalDstUrl)) as OriginalDstModule;

function answer(spec: ListenerSpec, socket: Socket): Record<string, unknown> {
  const base = { role: spec.role, listener: spec.port };
  if (spec.role !== 'capture') return base;
  try {
    return { ...base, original: originalDestination(socket) };
  } catch (error) {
    return { ...base, error: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
}

function reply(socket: Socket, body: Record<string, unknown>): void {
  const json = JSON.stringify(body);
  socket.on('error', () => undefined);
  // Keep reading whatever the client sends, so closing never resets the connection.
  socket.resume();
  socket.end(
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json) + 1}\r\n` +
      `Connection: close\r\n\r\n${json}\n`,
  );
}

const specs = JSON.parse(process.argv[2] ?? '[]') as ListenerSpec[];
await Promise.all(
  specs.map(
    (spec) =>
      new Promise<void>((resolve, reject) => {
        const server = createServer((socket) => {
          const body = answer(spec, socket);
          if (spec.role === 'capture') process.stdout.write(JSON.stringify(body) + '\n');
          reply(socket, body);
        });
        server.once('error', reject);
        server.listen({ host: spec.host, port: spec.port, ipv6Only: false }, () => resolve());
      }),
  ),
);
process.stdout.write('ready\n');
// The spec owns this process: when it closes our stdin (or dies), stop.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
