/**
 * The debug port (Istio: 8080): readiness and the views operators and meshctl read.
 *
 *   GET /ready                 200 once the store is loaded and the first PushContext is built, else 503
 *   GET /debug                 this list
 *   GET /debug/syncz           per connected proxy and type: sent / acked nonce and version, last NACK
 *   GET /debug/config_dump?proxyID=<node ID or pod.namespace>   what that proxy would get now (Envoy admin shape)
 *   GET /debug/registryz       services of the current PushContext
 *   GET /debug/endpointz       endpoints per service port of the current PushContext
 *   GET /debug/configz         objects served by the config store (Secret data redacted)
 *   GET /debug/push_status     the controller: version, last push, pending events
 *   GET /debug/connections     connected proxies
 */
import { apiVersionOf, schemas, type Config } from '@mesh/config-model';
import type { ConfigStore } from '@mesh/config-store';
import { NodeIdError, proxyFromNode, type Proxy, type PushContext } from '@mesh/mesh-model';
import type { FastifyReply } from 'fastify';
import {
  shortTypeName,
  type ConnectionStatus,
  type DiscoveryServer,
  type WatchedResource,
  type XdsLogger,
} from '../xds-server';
import { buildConfigDump } from './config-dump';
import type { DiscoveryController } from './discovery-controller';
import { createHttpEndpoint, prettyJson, type HttpEndpoint } from './http-endpoint';
import type { ProxyDirectory } from './proxy-directory';
import { syncStatusOf } from './syncz';

export interface DebugServerOptions {
  readonly controller: DiscoveryController;
  readonly server: Pick<DiscoveryServer<PushContext>, 'syncz' | 'connections'>;
  readonly store: ConfigStore;
  readonly proxies: ProxyDirectory;
  readonly logger: XdsLogger;
}

const ENDPOINTS: Readonly<Record<string, string>> = {
  '/ready': '200 once the config is loaded and the first PushContext is built',
  '/debug/syncz': 'per connected proxy and type: sent and acked nonce and version, last NACK',
  '/debug/config_dump?proxyID=<id>': 'what a connected proxy would get now, as an Envoy admin config dump',
  '/debug/registryz': 'services of the current PushContext',
  '/debug/endpointz': 'endpoints per service port of the current PushContext',
  '/debug/configz': 'objects served by the config store',
  '/debug/push_status': 'current PushContext version, last push, events waiting in the debounce',
  '/debug/connections': 'connected proxies',
};

export function createDebugServer(options: DebugServerOptions): HttpEndpoint {
  const { controller, server, store, proxies } = options;
  const endpoint = createHttpEndpoint('debug', options.logger);
  const app = endpoint.server;
  const json = (reply: FastifyReply, value: unknown, status = 200) =>
    reply.code(status).type('application/json').send(prettyJson(value));

  app.get('/ready', async (_request, reply) =>
    controller.ready
      ? reply.code(200).type('text/plain').send('ready\n')
      : reply
          .code(503)
          .type('text/plain')
          .send('not ready: the config is loading or the first PushContext is not built\n'),
  );
  app.get('/debug', async (_request, reply) => json(reply, ENDPOINTS));
  app.get('/debug/syncz', async (_request, reply) => json(reply, server.syncz().map(syncStatusOf)));
  app.get('/debug/connections', async (_request, reply) => json(reply, server.connections()));
  app.get('/debug/push_status', async (_request, reply) => json(reply, controller.status()));

  app.get('/debug/registryz', async (_request, reply) => {
    const push = controller.pushContext;
    if (!push) return json(reply, { error: 'not ready' }, 503);
    return json(reply, push.services());
  });

  app.get('/debug/endpointz', async (_request, reply) => {
    const push = controller.pushContext;
    if (!push) return json(reply, { error: 'not ready' }, 503);
    const out = push.services().flatMap((service) =>
      service.ports.map((port) => ({
        service: service.hostname,
        namespace: service.namespace,
        port: port.port,
        portName: port.name,
        endpoints: push.endpointsFor(service.hostname, port.name, service.namespace),
      })),
    );
    return json(reply, out);
  });

  app.get('/debug/configz', async (_request, reply) =>
    json(
      reply,
      schemas.flatMap((schema) => store.list(schema.kind).map(configzEntry)),
    ),
  );

  app.get<{ Querystring: { proxyID?: string } }>('/debug/config_dump', async (request, reply) => {
    const id = request.query.proxyID;
    if (!id) return json(reply, { error: 'give the proxy: ?proxyID=<node ID or pod.namespace>' }, 400);
    const push = controller.pushContext;
    if (!push) return json(reply, { error: 'not ready' }, 503);
    const connection = findConnection(server.syncz(), id);
    if (!connection) return json(reply, { error: `no connected proxy "${id}" (see /debug/syncz)` }, 404);
    const proxy = proxies.lookup(connection.proxyId) ?? proxyWithoutMetadata(connection.proxyId);
    if (!proxy) return json(reply, { error: `cannot read proxy ID "${connection.proxyId}"` }, 500);
    const watched = new Map<string, WatchedResource>(
      connection.types.map((t) => [
        t.typeUrl,
        { typeUrl: t.typeUrl, resourceNames: new Set(t.wildcard ? [] : t.resourceNames) },
      ]),
    );
    const generated = await controller.generateFor(proxy, watched);
    const failed = generated.find((g) => g.error !== undefined);
    if (failed) {
      return json(
        reply,
        { error: `${shortTypeName(failed.typeUrl)} generator failed for ${proxy.id}: ${failed.error}` },
        500,
      );
    }
    const sentAt = new Map(connection.types.flatMap((t) => (t.sentAt ? [[t.typeUrl, t.sentAt] as const] : [])));
    return json(reply, buildConfigDump(push.version, generated, sentAt));
  });

  return endpoint;
}

/**
 * The connection of a proxy named by its full node ID or by `pod.namespace` (Istio's proxy ID);
 * the newest when it has reconnected and the old stream is still open.
 */
export function findConnection(statuses: readonly ConnectionStatus[], id: string): ConnectionStatus | undefined {
  const matching = statuses.filter((s) => s.proxyId === id || workloadIdOf(s.proxyId) === id);
  return matching.sort((a, b) => (a.connectedAt < b.connectedAt ? 1 : -1))[0];
}

/** `pod.namespace` from `sidecar~ip~pod.namespace~domain`. */
export function workloadIdOf(nodeId: string): string {
  return nodeId.split('~')[2] ?? nodeId;
}

/** A Proxy from the node ID alone, for a proxy the generators have not seen yet (no labels or metadata). */
function proxyWithoutMetadata(nodeId: string): Proxy | undefined {
  try {
    return proxyFromNode(nodeId, {});
  } catch (error) {
    if (error instanceof NodeIdError) return undefined;
    throw error;
  }
}

/** A served object as Kubernetes would show it; Secret values replaced. */
function configzEntry(config: Config): Record<string, unknown> {
  const extra = config.kind === 'Secret' ? redactSecret(config.extra ?? {}) : config.extra;
  return {
    apiVersion: apiVersionOf(config.group, config.version),
    kind: config.kind,
    metadata: {
      name: config.name,
      ...(config.namespace ? { namespace: config.namespace } : {}),
      resourceVersion: config.resourceVersion,
      ...(Object.keys(config.labels).length > 0 ? { labels: config.labels } : {}),
      ...(Object.keys(config.annotations).length > 0 ? { annotations: config.annotations } : {}),
      ...(config.creationTimestamp ? { creationTimestamp: config.creationTimestamp } : {}),
    },
    spec: config.spec,
    ...extra,
    ...(config.source ? { source: `${config.source.file}:${config.source.line}` } : {}),
  };
}

function redactSecret(extra: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extra };
  for (const field of ['data', 'stringData']) {
    const values = extra[field];
    if (typeof values === 'object' && values !== null) {
      out[field] = Object.fromEntries(Object.keys(values).map((key) => [key, '[redacted]']));
    }
  }
  return out;
}
