/**
 * The monitoring port (Istio: 15014): `GET /metrics` in Prometheus' text format from the given
 * registry (pilot_* metrics and Node's process metrics).
 */
import type { Registry } from 'prom-client';
import type { XdsLogger } from '../xds-server';
import { createHttpEndpoint, type HttpEndpoint } from './http-endpoint';

export function createMonitoringServer(registry: Registry, logger: XdsLogger): HttpEndpoint {
  const endpoint = createHttpEndpoint('monitoring', logger);
  endpoint.server.get('/metrics', async (_request, reply) =>
    reply
      .code(200)
      .type(registry.contentType)
      .send(await registry.metrics()),
  );
  return endpoint;
}
