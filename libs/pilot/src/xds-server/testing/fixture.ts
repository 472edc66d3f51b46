/**
 * Test-only: a DiscoveryServer on 127.0.0.1 with fake generators, a recording logger and metrics,
 * plus clients that are all closed by `stop()`. Not exported.
 */
import { performance } from 'node:perf_hooks';
import { pushRequest, type PushRequest } from '@mesh/mesh-model';
import { DiscoveryServer } from '../discovery-server';
import type { LogFields, XdsLogger } from '../logger';
import { XdsMetricsRecorder } from '../metrics';
import type { XdsServerSettings } from '../settings';
import { TestAdsClient } from './ads-test-client';
import { cluster, endpoints, FakeGenerators, listener, route, type TestPushContext } from './fake-generators';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields;
}

export class RecordingLogger implements XdsLogger {
  readonly entries: LogEntry[] = [];
  debug(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'debug', message, fields });
  }
  info(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'error', message, fields });
  }
  at(level: LogEntry['level']): LogEntry[] {
    return this.entries.filter((e) => e.level === level);
  }
}

export interface FixtureOptions {
  readonly settings?: Partial<XdsServerSettings>;
  /** Start without a PushContext (the server is not ready). */
  readonly withoutPushContext?: boolean;
  /** Listen on this port (a restart on the same address). */
  readonly port?: number;
  /** Reuse these generators (a restarted server serving the same config). */
  readonly generators?: FakeGenerators;
}

export class XdsFixture {
  private readonly clients: TestAdsClient[] = [];

  private constructor(
    readonly server: DiscoveryServer<TestPushContext>,
    readonly generators: FakeGenerators,
    readonly logger: RecordingLogger,
    readonly metrics: XdsMetricsRecorder,
    readonly address: string,
  ) {}

  static async start(options: FixtureOptions = {}): Promise<XdsFixture> {
    const generators = options.generators ?? bookinfoLikeGenerators();
    const logger = new RecordingLogger();
    const metrics = new XdsMetricsRecorder();
    const server = new DiscoveryServer<TestPushContext>({
      generators: generators.registry(),
      pushContext: options.withoutPushContext ? undefined : { version: 'v1' },
      settings: options.settings,
      logger,
      metrics,
      controlPlaneId: 'istiod-test',
    });
    const port = await server.listen(`127.0.0.1:${options.port ?? 0}`);
    return new XdsFixture(server, generators, logger, metrics, `127.0.0.1:${port}`);
  }

  client(): TestAdsClient {
    const client = new TestAdsClient(this.address);
    this.clients.push(client);
    return client;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    await this.server.close();
  }
}

/** Two clusters with endpoints, one listener, one route: enough to see order and deltas. */
export function bookinfoLikeGenerators(): FakeGenerators {
  const generators = new FakeGenerators();
  generators.clusters.set(
    'outbound|9080||reviews.default.svc.cluster.local',
    cluster('outbound|9080||reviews.default.svc.cluster.local'),
  );
  generators.clusters.set(
    'outbound|9080||ratings.default.svc.cluster.local',
    cluster('outbound|9080||ratings.default.svc.cluster.local'),
  );
  generators.endpoints.set(
    'outbound|9080||reviews.default.svc.cluster.local',
    endpoints('outbound|9080||reviews.default.svc.cluster.local', '10.1.0.1', '10.1.0.2'),
  );
  generators.endpoints.set(
    'outbound|9080||ratings.default.svc.cluster.local',
    endpoints('outbound|9080||ratings.default.svc.cluster.local', '10.2.0.1'),
  );
  generators.listeners.set('0.0.0.0_9080', listener('0.0.0.0_9080', 9080));
  generators.routes.set('9080', route('9080', 'outbound|9080||reviews.default.svc.cluster.local'));
  return generators;
}

export function fullPush(reason: 'config' | 'service' = 'config'): PushRequest {
  return pushRequest({ full: true, reason, start: performance.now() });
}

export function endpointPush(...hosts: string[]): PushRequest {
  return pushRequest({ full: false, reason: 'endpoint', edsHosts: new Set(hosts), start: performance.now() });
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(check: () => T | undefined, timeoutMs = 3_000, what = 'condition'): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
