import type { Config, DestinationRuleSpec } from '@mesh/config-model';
import { make } from '../../testdata/fixtures';
import { meshOf, proxyIn } from '../../testdata/contexts';

const API = 'api.backend.svc.cluster.local';

const apiService = make('Service', 'backend', 'api', { clusterIP: '10.96.0.1', ports: [{ name: 'http', port: 80 }] });

let clock = 0;
/** DestinationRules get increasing creation times in the order a spec makes them. */
function rule(namespace: string, name: string, spec: DestinationRuleSpec): Config {
  clock += 1;
  return make('DestinationRule', namespace, name, spec, {
    creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, clock)).toISOString(),
  });
}

const subsetNames = (spec: DestinationRuleSpec | undefined) => spec?.subsets?.map((s) => s.name);

describe('DestinationRule lookup precedence', () => {
  const inBackend = rule('backend', 'api', { host: 'api', subsets: [{ name: 'service-ns' }] });
  const inFrontend = rule('frontend', 'api-for-frontend', { host: API, subsets: [{ name: 'client-ns' }] });
  const inRoot = rule('istio-system', 'api-default', { host: API, subsets: [{ name: 'root' }] });

  it("uses the proxy's namespace first, then the service's namespace, then the root namespace", () => {
    const { context } = meshOf([apiService, inBackend, inFrontend, inRoot]);
    expect(context.destinationRuleFor(proxyIn('frontend'), API)?.name).toBe('api-for-frontend');
    expect(context.destinationRuleFor(proxyIn('backend'), API)?.name).toBe('api');
    expect(context.destinationRuleFor(proxyIn('elsewhere'), API)?.name).toBe('api');
    // The short host `api` was resolved against the rule's namespace.
    expect(context.destinationRuleFor(proxyIn('elsewhere'), API)?.host).toBe(API);
  });

  it('skips rules not exported to the proxy namespace and falls back to the root namespace', () => {
    const privateRule = rule('backend', 'api', { host: 'api', exportTo: ['.'], subsets: [{ name: 'private' }] });
    const toTeam = rule('backend', 'api-team', { host: API, exportTo: ['team'], subsets: [{ name: 'team' }] });
    const { context } = meshOf([apiService, privateRule, toTeam, inRoot]);
    expect(context.destinationRuleFor(proxyIn('backend'), API)?.name).toBe('api');
    expect(context.destinationRuleFor(proxyIn('team'), API)?.name).toBe('api-team');
    expect(context.destinationRuleFor(proxyIn('elsewhere'), API)?.name).toBe('api-default');
  });

  it("keeps a root-namespace private rule for the root namespace's own proxies", () => {
    const rootPrivate = rule('istio-system', 'api-private', { host: API, exportTo: ['.'], subsets: [{ name: 'x' }] });
    const { context } = meshOf([apiService, rootPrivate]);
    expect(context.destinationRuleFor(proxyIn('istio-system', {}, 'router'), API)?.name).toBe('api-private');
    expect(context.destinationRuleFor(proxyIn('elsewhere'), API)).toBeUndefined();
  });

  it('prefers the exact host, then the longest matching wildcard', () => {
    const wide = rule('istio-system', 'all-services', { host: '*.svc.cluster.local', subsets: [{ name: 'wide' }] });
    const narrow = rule('istio-system', 'backend-services', {
      host: '*.backend.svc.cluster.local',
      subsets: [{ name: 'narrow' }],
    });
    const { context } = meshOf([apiService, wide, narrow]);
    expect(context.destinationRuleFor(proxyIn('x'), API)?.name).toBe('backend-services');
    expect(context.destinationRuleFor(proxyIn('x'), 'web.front.svc.cluster.local')?.name).toBe('all-services');
    const exact = rule('istio-system', 'api-exact', { host: API });
    expect(meshOf([apiService, wide, narrow, exact]).context.destinationRuleFor(proxyIn('x'), API)?.name).toBe(
      'api-exact',
    );
  });

  it('honours the mesh default exportTo for rules that set none', () => {
    const mesh = meshOf([apiService, rule('backend', 'api', { host: 'api' })]).context.mesh;
    const privateByDefault = { ...mesh, defaultDestinationRuleExportTo: ['.'] };
    const { context } = meshOf([apiService, rule('backend', 'api', { host: 'api' })], privateByDefault);
    expect(context.destinationRuleFor(proxyIn('backend'), API)?.name).toBe('api');
    expect(context.destinationRuleFor(proxyIn('elsewhere'), API)).toBeUndefined();
  });
});

describe('DestinationRule merging', () => {
  it('merges rules of one host: unique subsets appended, the first top-level trafficPolicy kept', () => {
    const first = rule('backend', 'api-a', {
      host: 'api',
      trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } },
      subsets: [{ name: 'v1', labels: { version: 'v1' } }],
    });
    const second = rule('backend', 'api-b', {
      host: 'api',
      trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } },
      subsets: [
        { name: 'v1', labels: { version: 'other' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
    });
    const { context } = meshOf([apiService, second, first]);
    const merged = context.destinationRuleFor(proxyIn('frontend'), API)!;
    expect(merged.from).toEqual(['DestinationRule/backend/api-a', 'DestinationRule/backend/api-b']);
    expect(merged.name).toBe('api-a');
    expect(merged.spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ]);
    expect(merged.spec.trafficPolicy).toEqual({ loadBalancer: { simple: 'LEAST_REQUEST' } });
  });

  it('takes the trafficPolicy from a later rule when the first has none', () => {
    const first = rule('backend', 'api-a', { host: 'api', subsets: [{ name: 'v1' }] });
    const second = rule('backend', 'api-b', { host: 'api', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
    const merged = meshOf([apiService, first, second]).context.destinationRuleFor(proxyIn('x'), API)!;
    expect(merged.spec.trafficPolicy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
    expect(subsetNames(merged.spec)).toEqual(['v1']);
  });

  it('keeps rules with different exportTo apart', () => {
    const everyone = rule('backend', 'api-public', { host: 'api', exportTo: ['*'], subsets: [{ name: 'public' }] });
    const local = rule('backend', 'api-local', { host: 'api', exportTo: ['.'], subsets: [{ name: 'local' }] });
    const { context } = meshOf([apiService, everyone, local]);
    expect(subsetNames(context.destinationRuleFor(proxyIn('elsewhere'), API)?.spec)).toEqual(['public']);
    // In its own namespace both apply; as in Istio, the last catch-all rule is the one used.
    expect(subsetNames(context.destinationRuleFor(proxyIn('backend'), API)?.spec)).toEqual(['local']);
  });

  it('applies a workloadSelector rule only to matching proxies of its namespace', () => {
    const catchAll = rule('backend', 'api', { host: 'api', subsets: [{ name: 'v1' }] });
    const special = rule('backend', 'api-special', {
      host: 'api',
      workloadSelector: { matchLabels: { app: 'special' } },
      trafficPolicy: { loadBalancer: { simple: 'RANDOM' } },
      subsets: [{ name: 'special' }],
    });
    const { context } = meshOf([apiService, catchAll, special]);
    const forSpecial = context.destinationRuleFor(proxyIn('backend', { app: 'special' }), API)!;
    expect(forSpecial.name).toBe('api-special');
    expect(forSpecial.workloadSelector).toEqual({ app: 'special' });
    // The catch-all (exportTo unset) and the selector rule (always private) differ in exportTo, so
    // Istio's enhanced merge keeps them apart.
    expect(subsetNames(forSpecial.spec)).toEqual(['special']);
    expect(forSpecial.spec.trafficPolicy?.loadBalancer?.simple).toBe('RANDOM');
    expect(context.destinationRuleFor(proxyIn('backend', { app: 'plain' }), API)?.name).toBe('api');
    // Selector rules are private to their namespace.
    expect(context.destinationRuleFor(proxyIn('elsewhere', { app: 'special' }), API)?.name).toBe('api');
  });

  it('merges a private catch-all rule into a selector rule of its namespace (which inherits its subsets)', () => {
    const catchAll = rule('backend', 'api', { host: 'api', exportTo: ['.'], subsets: [{ name: 'v1' }] });
    const special = rule('backend', 'api-special', {
      host: 'api',
      workloadSelector: { matchLabels: { app: 'special' } },
      subsets: [{ name: 'special' }],
    });
    const { context } = meshOf([apiService, catchAll, special]);
    const forSpecial = context.destinationRuleFor(proxyIn('backend', { app: 'special' }), API)!;
    expect(forSpecial.from).toEqual(['DestinationRule/backend/api-special', 'DestinationRule/backend/api']);
    expect(subsetNames(forSpecial.spec)).toEqual(['special', 'v1']);
    expect(subsetNames(context.destinationRuleFor(proxyIn('backend'), API)?.spec)).toEqual(['v1']);
  });
});
