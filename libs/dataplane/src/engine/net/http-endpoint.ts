/**
 * Binding and closing the engine's own small HTTP endpoints (admin, Prometheus): listen and report
 * a failed bind, ignore errors after it, report the bound address, close with open connections.
 */
import type { Server } from 'node:http';
import type { XdsSocketAddress } from '../../xds/model';

/** Binds `server`; rejects when the bind fails (e.g. the port is taken). */
export async function listenHttp(server: Server, host: string, port: number): Promise<XdsSocketAddress> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.removeListener('error', reject);
      server.on('error', () => undefined); // accept failures after the bind: nothing to do
      resolve();
    });
  });
  return boundAddress(server)!;
}

export function boundAddress(server: Server): XdsSocketAddress | undefined {
  const address = server.address();
  return address && typeof address === 'object' ? { address: address.address, port: address.port } : undefined;
}

/** Stops listening and ends every open connection. */
export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
