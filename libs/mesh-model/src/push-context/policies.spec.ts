import type { MutualTLSMode, PeerAuthenticationSpec } from '@mesh/config-model';
import { make } from '../../testdata/fixtures';
import { meshOf } from '../../testdata/contexts';
import { composePeerAuthentication } from './policies';

let second = 0;
const at = () => new Date(Date.UTC(2024, 0, 1, 0, 0, ++second)).toISOString();

function peerAuth(namespace: string, name: string, spec: PeerAuthenticationSpec, creationTimestamp = at()) {
  return make('PeerAuthentication', namespace, name, spec, { creationTimestamp });
}
const mode = (m: MutualTLSMode) => ({ mtls: { mode: m } });

describe('policy lookups for a workload', () => {
  const reviews = { namespace: 'default', labels: { app: 'reviews', version: 'v1' } };
  const configs = [
    peerAuth('istio-system', 'mesh', mode('STRICT')),
    peerAuth('default', 'namespace', mode('PERMISSIVE')),
    peerAuth('default', 'reviews', { selector: { matchLabels: { app: 'reviews' } }, ...mode('DISABLE') }),
    peerAuth('default', 'ratings', { selector: { matchLabels: { app: 'ratings' } }, ...mode('STRICT') }),
    peerAuth('other', 'other-ns', mode('DISABLE')),
    make('AuthorizationPolicy', 'istio-system', 'deny-all-debug', {
      selector: { matchLabels: { debug: 'true' } },
      action: 'DENY',
    }),
    make('AuthorizationPolicy', 'istio-system', 'mesh-audit', { action: 'AUDIT' }),
    make('AuthorizationPolicy', 'default', 'reviews-viewer', { selector: { matchLabels: { app: 'reviews' } } }),
    make('AuthorizationPolicy', 'default', 'attached', { targetRefs: [{ kind: 'Gateway', name: 'gw' }] }),
    make('RequestAuthentication', 'default', 'jwt', { jwtRules: [{ issuer: 'https://issuer.example.com' }] }),
    make('Telemetry', 'istio-system', 'mesh-default', { tracing: [{ randomSamplingPercentage: 10 }] }),
  ];
  const { context } = meshOf(configs);

  it('returns the namespace and root-namespace policies whose selector matches, namespace first', () => {
    expect(context.peerAuthenticationsFor(reviews).map((p) => p.name)).toEqual(['namespace', 'reviews', 'mesh']);
    expect(context.authorizationPoliciesFor(reviews).map((p) => p.name)).toEqual(['reviews-viewer', 'mesh-audit']);
    expect(
      context.authorizationPoliciesFor({ ...reviews, labels: { ...reviews.labels, debug: 'true' } }).map((p) => p.name),
    ).toEqual(['reviews-viewer', 'deny-all-debug', 'mesh-audit']);
    expect(context.requestAuthenticationsFor(reviews).map((p) => p.name)).toEqual(['jwt']);
    expect(context.requestAuthenticationsFor({ namespace: 'other', labels: {} })).toEqual([]);
    expect(context.telemetriesFor({ namespace: 'other', labels: {} }).map((p) => p.name)).toEqual(['mesh-default']);
  });

  it('composes the effective mTLS mode: the narrowest scope wins, UNSET inherits', () => {
    expect(context.effectivePeerAuthentication(reviews)).toEqual({
      mode: 'DISABLE',
      portModes: new Map(),
      from: [
        'PeerAuthentication/istio-system/mesh',
        'PeerAuthentication/default/namespace',
        'PeerAuthentication/default/reviews',
      ],
    });
    expect(context.effectivePeerAuthentication({ namespace: 'default', labels: { app: 'details' } }).mode).toBe(
      'PERMISSIVE',
    );
    expect(context.effectivePeerAuthentication({ namespace: 'fresh', labels: {} }).mode).toBe('STRICT');
    expect(meshOf([]).context.effectivePeerAuthentication({ namespace: 'fresh', labels: {} }).mode).toBe('PERMISSIVE');
  });

  it('applies port-level modes of the workload policy, the oldest policy per level, and ignores selector policies in the root namespace', () => {
    const policies = [
      peerAuth('istio-system', 'mesh-newer', mode('DISABLE'), '2024-02-01T00:00:00Z'),
      peerAuth('istio-system', 'mesh-older', mode('STRICT'), '2024-01-01T00:00:00Z'),
      peerAuth('istio-system', 'root-selector', { selector: { matchLabels: { app: 'db' } }, ...mode('DISABLE') }),
      peerAuth('db', 'db', {
        selector: { matchLabels: { app: 'db' } },
        ...mode('UNSET'),
        portLevelMtls: { '5432': { mode: 'DISABLE' }, '9000': { mode: 'UNSET' } },
      }),
    ];
    const effective = composePeerAuthentication(policies, 'istio-system');
    expect(effective.mode).toBe('STRICT');
    expect([...effective.portModes]).toEqual([
      [5432, 'DISABLE'],
      [9000, 'STRICT'],
    ]);
    expect(effective.from).toEqual(['PeerAuthentication/istio-system/mesh-older', 'PeerAuthentication/db/db']);
  });
});
