/**
 * The gateway process's wiring: an xDS client announcing a router identity, the proxy engine
 * serving what it accepts (Gateway listeners, routes, clusters), the admin endpoint and the
 * status port. Everything the control plane rejects or the engine cannot bind is logged with the
 * reason, because a gateway that silently serves nothing is the worst outcome.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import {
  EndpointStartError,
  ProxyEngine,
  XdsClient,
  type EngineEvent,
  type NodeIdentity,
  type XdsClientEvent,
} from '@mesh/dataplane';
import { startStatusServer, type StatusServer } from './status-server';

export interface GatewayOptions {
  readonly discoveryAddress: string;
  readonly mode: 'sotw' | 'delta';
  readonly node: NodeIdentity;
  readonly adminPort: number;
  readonly statusPort: number;
  /** Prometheus scrape endpoint on 0.0.0.0 (`/stats/prometheus`, Istio's 15090). */
  readonly prometheusPort: number;
  readonly accessLogFile?: string;
  /** Diagnostics (stderr in the app). */
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Machine-readable lines (stdout in the app): bound listeners. */
  readonly announce: (line: string) => void;
}

export interface RunningGateway {
  readonly adminPort: number;
  readonly statusPort: number;
  readonly prometheusPort: number;
  close(): Promise<void>;
}

function describeXdsEvent(event: XdsClientEvent): [level: 'info' | 'warn' | 'error', message: string] | undefined {
  const type = (url: string) => url.slice(url.lastIndexOf('.') + 1);
  switch (event.type) {
    case 'rejected':
      return ['error', `NACK ${type(event.typeUrl)} (nonce ${event.nonce}): ${event.message}`];
    case 'disconnected':
      return ['warn', `xDS stream down (${event.reason}); retrying in ${event.retryInMs} ms`];
    case 'accepted':
      return ['info', `ACK ${type(event.typeUrl)} version ${event.versionInfo}`];
    case 'listener-failed':
      return ['error', `snapshot listener failed: ${event.message}`];
    case 'snapshot':
      return undefined; // the engine's 'applied' event says the same once it is in force
  }
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { log, announce } = options;
  let accessLog: WriteStream | undefined;
  if (options.accessLogFile) {
    accessLog = createWriteStream(options.accessLogFile, { flags: 'a' });
    accessLog.on('error', (error) => log('error', `access log ${options.accessLogFile}: ${error.message}`));
  }
  let closing = false;
  const onEngineEvent = (event: EngineEvent) => {
    switch (event.type) {
      case 'listener-bound':
        announce(`listener ${event.name} on ${event.address.address}:${event.address.port}`);
        break;
      case 'listener-failed':
        log('error', `listener ${event.name}: ${event.message}`);
        break;
      case 'listener-skipped':
        log('warn', `listener ${event.name} skipped: ${event.reason}`);
        break;
      case 'applied':
        log('info', `configuration ${event.generation} in force`);
        break;
      case 'quit':
        log('info', 'POST /quitquitquit: shutting down');
        break;
    }
  };
  const engine = new ProxyEngine({
    admin: { port: options.adminPort },
    // The source_* labels of Istio's metrics come from the identity announced to the control plane.
    telemetry: { node: options.node },
    prometheus: { port: options.prometheusPort },
    accessLog: accessLog ? (line) => accessLog.write(`${line}\n`) : undefined,
    onEvent: onEngineEvent,
    onQuit: () => process.kill(process.pid, 'SIGTERM'),
  });
  try {
    await engine.start();
  } catch (error) {
    const flag =
      error instanceof EndpointStartError && error.endpoint === 'prometheus'
        ? `--prometheus-port ${options.prometheusPort}`
        : `--admin-port ${options.adminPort}`;
    throw new Error(`${flag}: cannot listen: ${(error as Error).message}`, { cause: error });
  }
  let status: StatusServer;
  try {
    status = await startStatusServer(options.statusPort, () => engine.ready && !closing);
  } catch (error) {
    await engine.close();
    throw new Error(`--status-port ${options.statusPort}: cannot listen: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const client = new XdsClient({
    serverAddress: options.discoveryAddress,
    node: options.node,
    mode: options.mode,
    onEvent: (event) => {
      const described = describeXdsEvent(event);
      if (described) log(...described);
    },
  });
  engine.attach(client);
  client.start();
  log('info', `node ${options.node.id}: xDS (${options.mode}) from ${options.discoveryAddress}`);

  return {
    adminPort: engine.adminAddress!.port,
    statusPort: status.port,
    prometheusPort: engine.prometheusAddress!.port,
    async close() {
      closing = true;
      client.close();
      await engine.close();
      await status.close();
      await new Promise<void>((resolve) => (accessLog ? accessLog.end(() => resolve()) : resolve()));
    },
  };
}
