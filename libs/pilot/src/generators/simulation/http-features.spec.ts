/**
 * VirtualService HTTP features, simulated from the productpage sidecar calling ratings: matches
 * the proxy can and cannot see, rewrites, redirects, direct responses, header operations,
 * retries, timeouts, mirroring, CORS, faults and consistent hashing.
 */
import { HeaderValueOption_HeaderAppendAction } from '@mesh/xds/generated/envoy/config/core/v3/base';
import { FractionalPercent_DenominatorType } from '@mesh/xds/generated/envoy/type/v3/percent';
import { scenarioNamed } from '../testing/listener-scenarios';
import { simulationFor } from '../testing/simulate';
import type { Simulation } from './simulator';

const v1 = 'outbound|9080|v1|ratings.default.svc.cluster.local';
const call = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  ({ port: 9080, capture: 'outbound', authority: 'ratings:9080', path, headers, method }) as const;

describe('ratings features from productpage', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulationFor(scenarioNamed('http-features'));
  });

  it('leaves out a rule whose sourceLabels do not match this proxy', () => {
    expect(sim.run(call('/internal/stats')).route).toBe('default');
  });

  it('redirects with the rule code, host and path', () => {
    const result = sim.run(call('/old-ratings'));
    expect(result.clusters).toBeUndefined();
    expect(result).toMatchObject({
      route: 'legacy-redirect',
      redirect: { responseCode: 302, host: 'ratings.default.svc.cluster.local', path: '/ratings' },
    });
  });

  it('answers directly with status and body', () => {
    expect(sim.run(call('/maintenance/now'))).toMatchObject({
      route: 'maintenance',
      directResponse: { status: 503, body: 'down for maintenance' },
    });
  });

  it('matches URI regex + method + header, rewrites, retries, times out and mutates headers', () => {
    const result = sim.run(call('/api/v2/ratings/42', { 'x-api-version': '2' }));
    expect(result).toMatchObject({
      route: 'v2-api',
      clusters: [{ name: v1, weight: 1 }],
      prefixRewrite: '/ratings',
      hostRewrite: 'ratings-v2.internal',
      timeoutMs: 3000,
      retryPolicy: {
        numRetries: 5,
        retryOn: 'gateway-error,connect-failure,retriable-status-codes',
        retriableStatusCodes: [503],
        perTryTimeout: { seconds: 0, nanos: 500_000_000 },
      },
      hashPolicy: [{ header: { headerName: 'x-user' } }],
    });
    expect(result.requestHeadersToAdd).toEqual([
      expect.objectContaining({
        header: expect.objectContaining({ key: 'x-routed-by', value: 'mesh' }),
        appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
      }),
      expect.objectContaining({
        header: expect.objectContaining({ key: 'x-trace', value: 'yes' }),
        appendAction: HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD,
      }),
    ]);
  });

  it('does not take the regex rule when one condition fails', () => {
    expect(sim.run(call('/api/v2/ratings/42', { 'x-api-version': '2' }, 'POST')).route).toBe('default');
    expect(sim.run(call('/api/v2/ratings/abc', { 'x-api-version': '2' })).route).toBe('default');
    expect(sim.run(call('/api/v2/ratings/42')).route).toBe('default');
  });

  it('takes the same rule by its second match (query parameter)', () => {
    expect(sim.run(call('/anything?version=2', {}, 'POST')).route).toBe('v2-api');
    expect(sim.run(call('/anything?version=3')).route).toBe('default');
  });

  it('honours withoutHeaders: mirrors and applies CORS only when x-debug is not 1', () => {
    const stable = sim.run(call('/stable/x'));
    expect(stable).toMatchObject({ route: 'no-debug', mirrors: [v1] });
    expect(stable.cors).toMatchObject({
      allowOriginStringMatch: [{ exact: 'https://bookinfo.example.com' }, { prefix: 'https://internal.' }],
      allowMethods: 'GET,POST',
      allowHeaders: 'x-custom',
      maxAge: '86400',
      allowCredentials: true,
    });
    expect(sim.run(call('/stable/x', { 'x-debug': '1' })).route).toBe('default');
    expect(sim.run(call('/stable/x', { 'x-debug': '0' })).route).toBe('no-debug');
  });

  it('injects a delay (0.1%) and a gRPC abort (50%) on the slow rule', () => {
    const result = sim.run(call('/x', { 'x-slow': 'yes' }));
    expect(result.route).toBe('slow');
    expect(result.fault?.delay).toMatchObject({
      fixedDelay: { seconds: 2, nanos: 500_000_000 },
      percentage: { numerator: 1000, denominator: FractionalPercent_DenominatorType.MILLION },
    });
    expect(result.fault?.abort).toMatchObject({ grpcStatus: 14, percentage: { numerator: 500_000 } });
  });

  it('sends the default rule without retries (attempts: 0)', () => {
    const result = sim.run(call('/x'));
    expect(result).toMatchObject({ route: 'default', clusters: [{ name: v1, weight: 1 }] });
    expect(result.retryPolicy).toBeUndefined();
  });
});
