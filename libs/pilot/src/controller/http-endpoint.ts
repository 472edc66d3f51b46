/**
 * A plain-HTTP fastify server as the control plane's debug (8080) and monitoring (15014) ports
 * use it: JSON errors for unknown routes and failures (one log line each, never a crash), bound
 * address read back after listen (port 0 works), close waits for requests in flight.
 */
import fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { XdsLogger } from '../xds-server';
import type { ListenAddress } from './listen-address';

export interface HttpEndpoint {
  readonly server: FastifyInstance;
  /** Starts listening; resolves with the bound host and port. */
  listen(address: ListenAddress): Promise<ListenAddress>;
  close(): Promise<void>;
}

export function createHttpEndpoint(name: string, logger: XdsLogger): HttpEndpoint {
  const server = fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  server.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]} on the ${name} port` }),
  );
  server.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) logger.error(`${name} ${request.method} ${request.url} failed`, { error: error.message });
    return reply.code(status).send({ error: status >= 500 ? `internal error: ${error.message}` : error.message });
  });
  return {
    server,
    async listen(address) {
      await server.listen({ host: address.host, port: address.port });
      const bound = server.server.address() as AddressInfo;
      return { host: bound.address, port: bound.port };
    },
    close: () => server.close(),
  };
}

/** JSON for people reading it in a terminal, as Istio's debug handlers indent theirs. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
