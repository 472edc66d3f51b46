import { parseFlags } from '@mesh/platform';
import { TypeUrl } from '@mesh/xds';
import { DuplicateGeneratorError, GeneratorRegistry } from './generator';
import { shortTypeName, XdsMetricsRecorder } from './metrics';
import { grpcServerOptions, xdsServerFlags, xdsServerSettings } from './settings';

describe('xDS server settings', () => {
  it('reads its flags and turns them into gRPC server options', () => {
    const { flags } = parseFlags(xdsServerFlags, [
      '--push-throttle',
      '20',
      '--keepalive-interval-ms=15000',
      '--keepalive-max-server-connection-age-ms',
      '0',
    ]);
    const settings = xdsServerSettings(flags);

    expect(settings).toMatchObject({ pushConcurrency: 20, keepaliveTimeMs: 15_000, maxConnectionAgeMs: 0 });
    expect(grpcServerOptions(settings)).toEqual({
      'grpc.keepalive_time_ms': 15_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.max_concurrent_streams': 100_000,
    });
    expect(grpcServerOptions(xdsServerSettings())['grpc.max_connection_age_ms']).toBe(30 * 60_000);
  });

  it('names the flag of a value out of range', () => {
    expect(() => xdsServerSettings({ pushConcurrency: 0 })).toThrow('--push-throttle: must be an integer >= 1, got 0');
    expect(() => xdsServerSettings({ closeGraceMs: -1 })).toThrow('--xds-close-grace-ms');
  });
});

describe('GeneratorRegistry', () => {
  it('finds generators by proxy family and type URL, and refuses a second registration', () => {
    const generate = () => ({ resources: [] });
    const registry = new GeneratorRegistry().register('envoy', TypeUrl.Cluster, { generate });

    expect(registry.lookup('envoy', TypeUrl.Cluster)).toBeDefined();
    expect(registry.lookup('grpc', TypeUrl.Cluster)).toBeUndefined();
    expect(registry.typeUrls('envoy')).toEqual([TypeUrl.Cluster]);
    expect(() => registry.register('envoy', TypeUrl.Cluster, { generate })).toThrow(DuplicateGeneratorError);
  });
});

describe('XdsMetricsRecorder', () => {
  it("labels by Istio's short type names and keeps cumulative histogram buckets", () => {
    const metrics = new XdsMetricsRecorder();
    metrics.pushSent(TypeUrl.Cluster);
    metrics.pushSent(TypeUrl.Cluster);
    metrics.pushSent(TypeUrl.RouteConfiguration);
    metrics.pushTime(TypeUrl.Cluster, 0.05);
    metrics.pushTime(TypeUrl.Cluster, 2);

    const snapshot = metrics.snapshot();
    expect(snapshot.pushes).toEqual({ cds: 2, rds: 1 });
    expect(snapshot.pushTime.cds).toEqual({
      bounds: [0.01, 0.1, 1, 3, 5, 10, 20, 30],
      counts: [0, 1, 1, 2, 2, 2, 2, 2],
      count: 2,
      sum: 2.05,
    });
    expect(shortTypeName(TypeUrl.Secret)).toBe('sds');
    expect(shortTypeName('type.googleapis.com/example.v1.Thing')).toBe('example.v1.Thing');
  });
});
