/**
 * A tiny demo workload for the local mesh: an HTTP server that answers every request with its
 * version and what it received (method, path, headers), as JSON, so that a split or a header
 * added by the gateway is visible with curl.
 *
 *   node tools/scripts/demo-upstream.ts --port 9181 --version v1 [--host 127.0.0.1]
 *
 * Prints `demo-upstream v1: listening on 127.0.0.1:9181` once bound (port 0 picks a free one).
 * SIGTERM or SIGINT closes it (exit 0). `npm start` runs one per loopback endpoint of the example
 * configuration; it imports only Node built-ins, so Node runs this file directly.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    version: { type: 'string', default: 'v1' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const port = Number(values.port);
if (values.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('usage: node tools/scripts/demo-upstream.ts --port <0-65535> [--version v1] [--host 127.0.0.1]');
  process.exit(2);
}
const version = values.version;

const server = createServer((req, res) => {
  // The request body is drained (not echoed) so keep-alive connections stay usable.
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify({ version, method: req.method, path: req.url, headers: req.headers }, null, 2);
    res.writeHead(200, { 'content-type': 'application/json', 'x-demo-version': version });
    res.end(`${body}\n`);
  });
});
server.keepAliveTimeout = 60_000;

server.once('error', (error) => {
  console.error(`demo-upstream ${version}: cannot listen on ${values.host}:${port}: ${error.message}`);
  process.exit(1);
});
server.listen({ host: values.host, port }, () => {
  const bound = server.address() as AddressInfo;
  console.log(`demo-upstream ${version}: listening on ${bound.address}:${bound.port}`);
});

function stop(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
