/**
 * Settings of the ADS server and its gRPC listener, with their flags. Defaults follow istiod:
 * 100 pushes at once (PILOT_PUSH_THROTTLE), keepalive pings every 30 s with a 10 s timeout,
 * connections recycled after 30 min so proxies spread over replicas, 100,000 streams per connection.
 */
import { intFlag, type FlagValues } from '@mesh/platform';
import type { ChannelOptions } from '@grpc/grpc-js';

export interface XdsServerSettings {
  /** Pushes (one proxy each) running at once. */
  readonly pushConcurrency: number;
  /** How long one response may wait for a slow client before the stream is ended. */
  readonly sendTimeoutMs: number;
  /** Server keepalive ping interval on idle connections. */
  readonly keepaliveTimeMs: number;
  /** Time a keepalive ping may go unanswered before the connection is dropped. */
  readonly keepaliveTimeoutMs: number;
  /** Connection age after which the server sends GOAWAY so the client reconnects (0 = never). */
  readonly maxConnectionAgeMs: number;
  /** HTTP/2 streams one client connection may open at once. */
  readonly maxConcurrentStreams: number;
  /** On close(), how long in-flight pushes may finish before streams are ended. */
  readonly closeGraceMs: number;
  /** Response bytes written to streams and not yet sent to the network, all connections together. */
  readonly sendBudgetBytes: number;
}

export const DEFAULT_XDS_SERVER_SETTINGS: XdsServerSettings = {
  pushConcurrency: 100,
  sendTimeoutMs: 10_000,
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  maxConnectionAgeMs: 30 * 60_000,
  maxConcurrentStreams: 100_000,
  closeGraceMs: 1_000,
  sendBudgetBytes: 64 * 1024 * 1024,
};

/** The flags an app adds to its spec to configure the ADS server. */
export const xdsServerFlags = {
  pushConcurrency: intFlag(
    'push-throttle',
    DEFAULT_XDS_SERVER_SETTINGS.pushConcurrency,
    'xDS pushes (one proxy each) running at once',
  ),
  sendTimeoutMs: intFlag(
    'xds-send-timeout-ms',
    DEFAULT_XDS_SERVER_SETTINGS.sendTimeoutMs,
    'ms one xDS response may wait for a slow client before its stream is ended',
  ),
  keepaliveTimeMs: intFlag(
    'keepalive-interval-ms',
    DEFAULT_XDS_SERVER_SETTINGS.keepaliveTimeMs,
    'ms between gRPC keepalive pings to xDS clients',
  ),
  keepaliveTimeoutMs: intFlag(
    'keepalive-timeout-ms',
    DEFAULT_XDS_SERVER_SETTINGS.keepaliveTimeoutMs,
    'ms a gRPC keepalive ping may go unanswered before the connection is closed',
  ),
  maxConnectionAgeMs: intFlag(
    'keepalive-max-server-connection-age-ms',
    DEFAULT_XDS_SERVER_SETTINGS.maxConnectionAgeMs,
    'ms after which a client connection is asked to reconnect (0 = never), spreading proxies over replicas',
  ),
  maxConcurrentStreams: intFlag(
    'grpc-max-streams',
    DEFAULT_XDS_SERVER_SETTINGS.maxConcurrentStreams,
    'HTTP/2 streams one client connection may open at once',
  ),
  closeGraceMs: intFlag(
    'xds-close-grace-ms',
    DEFAULT_XDS_SERVER_SETTINGS.closeGraceMs,
    'ms in-flight pushes may finish on shutdown before streams end with UNAVAILABLE',
  ),
  sendBudgetBytes: intFlag(
    'xds-send-budget-bytes',
    DEFAULT_XDS_SERVER_SETTINGS.sendBudgetBytes,
    'response bytes queued for sending to all xDS clients at once; writers wait beyond it (bounds memory)',
  ),
};

export type XdsServerFlagValues = FlagValues<typeof xdsServerFlags>;

/** Checks settings (flag values or overrides) and fills in defaults; throws naming the flag. */
export function xdsServerSettings(overrides: Partial<XdsServerSettings> = {}): XdsServerSettings {
  const settings = { ...DEFAULT_XDS_SERVER_SETTINGS, ...overrides };
  const minimum: Record<keyof XdsServerSettings, number> = {
    pushConcurrency: 1,
    sendTimeoutMs: 1,
    keepaliveTimeMs: 1,
    keepaliveTimeoutMs: 1,
    maxConnectionAgeMs: 0,
    maxConcurrentStreams: 1,
    closeGraceMs: 0,
    sendBudgetBytes: 1,
  };
  for (const key of Object.keys(minimum) as Array<keyof XdsServerSettings>) {
    const value = settings[key];
    if (!Number.isInteger(value) || value < minimum[key]) {
      throw new RangeError(`--${xdsServerFlags[key].name}: must be an integer >= ${minimum[key]}, got ${value}`);
    }
  }
  return settings;
}

/** Options for the gRPC server that carries ADS (and, in istiod, the CA service on the same port). */
export function grpcServerOptions(settings: XdsServerSettings): ChannelOptions {
  const options: ChannelOptions = {
    'grpc.keepalive_time_ms': settings.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': settings.keepaliveTimeoutMs,
    'grpc.max_concurrent_streams': settings.maxConcurrentStreams,
  };
  if (settings.maxConnectionAgeMs > 0) options['grpc.max_connection_age_ms'] = settings.maxConnectionAgeMs;
  return options;
}
