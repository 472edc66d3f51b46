/**
 * The wiring of a discovery process (pilot, and the pilot half of istiod), so that the apps stay
 * flags → startControlPlane → serveUntilSignal:
 *
 *   config store (directory | Kubernetes, validated) ─► DiscoveryController ─► DiscoveryServer (gRPC xDS)
 *   debug server (8080) and monitoring server (15014, prom-client registry) read both.
 */
import { hostname } from 'node:os';
import { formatIssue, type MeshConfig } from '@mesh/config-model';
import type { ConfigStore } from '@mesh/config-store';
import type { PushContext } from '@mesh/mesh-model';
import { FlagError, meshVersion, optionalStringFlag, stringFlag, type FlagValues } from '@mesh/platform';
import type { Registry } from 'prom-client';
import { registerAllGenerators } from '../generators-registration';
import {
  DiscoveryServer,
  GeneratorRegistry,
  xdsServerFlags,
  xdsServerSettings,
  type XdsLogger,
  type XdsServerSettings,
} from '../xds-server';
import { openConfigStore, readMeshConfig } from './config-sources';
import { createDebugServer } from './debug-server';
import { DiscoveryController } from './discovery-controller';
import type { HttpEndpoint } from './http-endpoint';
import { formatHostPort, parseListenAddress, type ListenAddress } from './listen-address';
import { componentLogger, isLogLevel, LOG_LEVELS } from './logging';
import { createMonitoringServer } from './monitoring-server';
import { createMetricsRegistry, PrometheusControllerMetrics, PrometheusXdsMetrics } from './prometheus-metrics';
import { ProxyDirectory } from './proxy-directory';
import { debounceFlags, debounceSettings, type Environment } from './settings';

/** Istio's ports: 15010 plaintext xDS, 8080 debug, 15014 monitoring. */
export const DEFAULT_GRPC_ADDR = ':15010';
export const DEFAULT_HTTP_ADDR = ':8080';
export const DEFAULT_MONITORING_ADDR = ':15014';

/** The flags of a discovery process; debounce defaults read PILOT_DEBOUNCE_* from `env`. */
export function controlPlaneFlags(env: Environment = process.env) {
  return {
    configDir: optionalStringFlag(
      'config-dir',
      'directory of YAML/JSON config (Istio objects, ServiceEntry, WorkloadEntry, Kubernetes Services...), watched; no Kubernetes needed',
    ),
    kubeconfig: optionalStringFlag('kubeconfig', 'kubeconfig file: read config and service discovery from Kubernetes'),
    meshConfig: optionalStringFlag('mesh-config', "MeshConfig YAML file (default: Istio's defaults)"),
    grpcAddr: stringFlag('grpc-addr', DEFAULT_GRPC_ADDR, 'plaintext xDS (gRPC ADS) listen address, host:port or :port'),
    httpAddr: stringFlag(
      'http-addr',
      DEFAULT_HTTP_ADDR,
      'debug listen address (/ready, /debug/syncz, /debug/config_dump)',
    ),
    monitoringAddr: stringFlag('monitoring-addr', DEFAULT_MONITORING_ADDR, 'monitoring listen address (/metrics)'),
    domain: stringFlag('domain', 'cluster.local', 'DNS domain suffix of Kubernetes service hostnames'),
    logLevel: stringFlag('log-level', 'info', `log level: ${LOG_LEVELS.join(', ')}`),
    ...debounceFlags(env),
    ...xdsServerFlags,
  };
}

export type ControlPlaneFlags = ReturnType<typeof controlPlaneFlags>;
export type ControlPlaneFlagValues = FlagValues<ControlPlaneFlags>;

export interface ControlPlaneOptions {
  /** Process name for logs and the xDS control_plane identifier: `pilot` or `istiod`. */
  readonly name: string;
  readonly flags: ControlPlaneFlagValues;
  readonly env?: Environment;
  /** Default: every generator of this build (registerAllGenerators). */
  readonly generators?: GeneratorRegistry<PushContext>;
}

// A type alias (not an interface) so that it fits `Record<string, ListenAddress>` (startupLine).
export type ControlPlaneAddresses = {
  readonly xds: ListenAddress;
  readonly debug: ListenAddress;
  readonly monitoring: ListenAddress;
};

export interface ControlPlane {
  readonly addresses: ControlPlaneAddresses;
  readonly controller: DiscoveryController;
  readonly server: DiscoveryServer<PushContext>;
  readonly store: ConfigStore;
  readonly mesh: MeshConfig;
  readonly metrics: Registry;
  readonly logger: XdsLogger;
  /** Resolves once the store is loaded and the first PushContext is served; rejects if the store cannot load. */
  readonly ready: Promise<void>;
  /** Graceful: stop pushing, close the ADS streams (UNAVAILABLE, clients reconnect), the HTTP ports, the store. */
  close(): Promise<void>;
}

/**
 * Checks the flags, opens the store, listens on the three ports and starts the controller. Flag
 * mistakes throw FlagError; a port that cannot be bound throws naming its flag. Everything opened
 * before a failure is closed again.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { flags, name } = options;
  const env = options.env ?? process.env;
  const listen = {
    xds: parseListenAddress('grpc-addr', flags.grpcAddr),
    debug: parseListenAddress('http-addr', flags.httpAddr),
    monitoring: parseListenAddress('monitoring-addr', flags.monitoringAddr),
  };
  if (!isLogLevel(flags.logLevel)) {
    throw new FlagError(`--log-level: "${flags.logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  if (flags.domain === '') throw new FlagError('--domain: must not be empty');
  const logger = componentLogger(name, flags.logLevel);
  const debounce = debounceSettings(flags, env);
  const settings = xdsServerSettings(pickXdsSettings(flags));
  const mesh = readMeshConfig(flags.meshConfig, logger);
  const { store, description } = openConfigStore({ configDir: flags.configDir, kubeconfig: flags.kubeconfig, env });

  const metrics = createMetricsRegistry();
  const generators =
    options.generators ??
    registerAllGenerators(new GeneratorRegistry<PushContext>(), {
      onSkippedCluster: (proxy, reason) => logger.debug('cluster left out', { proxy: proxy.id, reason }),
      onRefusedSecret: (proxy, resource, reason) =>
        logger.warn('SDS resource not served', { proxy: proxy.id, resource, reason }),
    });
  const proxies = new ProxyDirectory();
  const server = new DiscoveryServer<PushContext>({
    generators: proxies.observe(generators),
    settings,
    metrics: new PrometheusXdsMetrics(metrics),
    logger: componentLogger('ads', flags.logLevel),
    controlPlaneId: `${name} ${meshVersion()} on ${hostname()}`,
  });
  proxies.attach(() => server.connections().map((connection) => connection.proxyId));
  const controller = new DiscoveryController({
    store,
    mesh,
    generators,
    server,
    domainSuffix: flags.domain,
    debounce,
    metrics: new PrometheusControllerMetrics(metrics),
    logger,
  });
  const debugServer = createDebugServer({ controller, server, store, proxies, logger });
  const monitoringServer = createMonitoringServer(metrics, logger);

  const opened: Array<() => Promise<void>> = [() => store.close()];
  const closeAll = async () => {
    for (const close of opened.reverse()) await close().catch(() => undefined);
  };
  let addresses: ControlPlaneAddresses;
  try {
    const xdsPort = await bindOrExplain('grpc-addr', listen.xds, () =>
      server.listen(formatHostPort(listen.xds.host, listen.xds.port)),
    );
    opened.push(() => server.close());
    const debug = await bindHttp('http-addr', listen.debug, debugServer, opened);
    const monitoring = await bindHttp('monitoring-addr', listen.monitoring, monitoringServer, opened);
    addresses = { xds: { host: listen.xds.host, port: xdsPort }, debug, monitoring };
  } catch (error) {
    await closeAll();
    throw error;
  }
  logger.info('reading config', { source: description, domain: flags.domain });

  const ready = controller.start().then(() => {
    const rejected = store.rejected();
    if (rejected.length > 0) {
      logger.warn(
        `${rejected.length} config objects refused (invalid, unparseable or conflicting); they are not served`,
      );
      for (const issue of rejected) logger.warn(`refused: ${formatIssue(issue)}`);
    }
    logger.info('ready', { version: controller.pushContext?.version });
  });
  // The caller awaits `ready`; until then a failure must not be an unhandled rejection.
  ready.catch(() => undefined);

  let closing: Promise<void> | undefined;
  return {
    addresses,
    controller,
    server,
    store,
    mesh,
    metrics,
    logger,
    ready,
    close() {
      closing ??= (async () => {
        controller.stop();
        await server.close();
        await debugServer.close().catch(() => undefined);
        await monitoringServer.close().catch(() => undefined);
        await store.close();
      })();
      return closing;
    },
  };
}

function pickXdsSettings(flags: ControlPlaneFlagValues): Partial<XdsServerSettings> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(xdsServerFlags) as Array<keyof XdsServerSettings>) out[key] = flags[key];
  return out as Partial<XdsServerSettings>;
}

async function bindOrExplain<T>(flag: string, address: ListenAddress, bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (error) {
    const where = formatHostPort(address.host, address.port);
    throw new Error(`--${flag} ${where}: cannot listen: ${(error as Error).message}`, { cause: error });
  }
}

async function bindHttp(
  flag: string,
  address: ListenAddress,
  endpoint: HttpEndpoint,
  opened: Array<() => Promise<void>>,
): Promise<ListenAddress> {
  const bound = await bindOrExplain(flag, address, () => endpoint.listen(address));
  opened.push(() => endpoint.close());
  return bound;
}

/** `pilot: xds=127.0.0.1:15010 debug=127.0.0.1:8080 monitoring=127.0.0.1:15014` (tests read the ports from it). */
export function startupLine(name: string, addresses: Readonly<Record<string, ListenAddress>>): string {
  const parts = Object.entries(addresses).map(
    ([key, address]) => `${key}=${formatHostPort(address.host, address.port)}`,
  );
  return `${name}: ${parts.join(' ')}`;
}
