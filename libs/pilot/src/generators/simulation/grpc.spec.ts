/**
 * A proxyless gRPC client resolving `xds:///greeter.grpc.svc.cluster.local:50051`: the listener
 * it asks for, the route configuration that listener names, and where calls go.
 */
import { scenarioNamed } from '../testing/listener-scenarios';
import { simulationFor } from '../testing/simulate';
import type { Simulation } from './simulator';

const target = 'greeter.grpc.svc.cluster.local:50051';
const cluster = (subset: string) => `outbound|50051|${subset}|greeter.grpc.svc.cluster.local`;
const method = '/helloworld.Greeter/SayHello';

describe('proxyless gRPC', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('proxyless-grpc'));
  });

  it('serves an API listener of the requested name, routing by RDS of the same name, router last', () => {
    expect(sim.run({ port: 50051 }).error).toBe('no-listener'); // API listeners take no connections
    const result = sim.runGrpc(target, { path: method });
    expect(result).toMatchObject({
      listener: target,
      routeConfiguration: target,
      virtualHost: target,
      httpFilters: ['envoy.filters.http.fault', 'envoy.filters.http.router'],
    });
  });

  it('sends the canary header to v2', () => {
    expect(sim.runGrpc(target, { path: method, headers: { 'x-canary': 'true' } }).clusters).toEqual([
      { name: cluster('v2'), weight: 1 },
    ]);
  });

  it('splits other calls 80/20 with the rule timeout and retries', () => {
    const result = sim.runGrpc(target, { path: method });
    expect(result).toMatchObject({
      route: 'split',
      clusters: [
        { name: cluster('v1'), weight: 80 },
        { name: cluster('v2'), weight: 20 },
      ],
      timeoutMs: 2000,
      retryPolicy: { numRetries: 3, retryOn: 'unavailable' },
    });
  });

  it('injects the abort for the test header', () => {
    const result = sim.runGrpc(target, { path: method, headers: { 'x-fault': 'abort' } });
    expect(result.fault?.abort).toMatchObject({ grpcStatus: 14, percentage: { numerator: 1_000_000 } });
  });

  it('leaves out the redirect rule, which gRPC would reject', () => {
    expect(sim.runGrpc(target, { path: '/legacy.Greeter/SayHello' }).route).toBe('split');
  });

  it('has no listener for a name the client did not ask for', () => {
    expect(sim.runGrpc('greeter:50051', { path: method }).error).toBe('no-listener');
  });
});
