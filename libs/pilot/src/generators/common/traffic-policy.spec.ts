import type { DestinationRuleSpec } from '@mesh/config-model';
import { consistentHashFor } from './consistent-hash';
import { effectiveTrafficPolicy, trafficPolicyForPort } from './traffic-policy';

const rule: DestinationRuleSpec = {
  host: 'cart.shop.svc.cluster.local',
  trafficPolicy: {
    connectionPool: { tcp: { maxConnections: 100 } },
    outlierDetection: { consecutive5xxErrors: 5 },
    loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } },
    tls: { mode: 'ISTIO_MUTUAL' },
    portLevelSettings: [{ port: { number: 9090 }, loadBalancer: { simple: 'ROUND_ROBIN' } }],
  },
  subsets: [
    { name: 'v1', labels: { version: 'v1' } },
    {
      name: 'v2',
      labels: { version: 'v2' },
      trafficPolicy: {
        loadBalancer: { simple: 'RANDOM' },
        portLevelSettings: [{ port: { number: 8080 }, connectionPool: { tcp: { maxConnections: 1 } } }],
      },
    },
  ],
};

describe('effective traffic policy (Istio merge order)', () => {
  it('uses the rule-level policy for a port without port-level settings', () => {
    expect(trafficPolicyForPort(rule.trafficPolicy, 8080)).toEqual({
      connectionPool: { tcp: { maxConnections: 100 } },
      outlierDetection: { consecutive5xxErrors: 5 },
      loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
  });

  it('replaces all four port settings with the port-level entry, inheriting none of them', () => {
    expect(effectiveTrafficPolicy(rule, 9090)).toEqual({ loadBalancer: { simple: 'ROUND_ROBIN' } });
  });

  it('overrides setting by setting for a subset, then applies the subset port-level entry', () => {
    expect(effectiveTrafficPolicy(rule, 7070, 'v2')).toEqual({
      connectionPool: { tcp: { maxConnections: 100 } },
      outlierDetection: { consecutive5xxErrors: 5 },
      loadBalancer: { simple: 'RANDOM' },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
    expect(effectiveTrafficPolicy(rule, 8080, 'v2')).toEqual({ connectionPool: { tcp: { maxConnections: 1 } } });
    // A subset without a policy, or one the rule does not define, takes the service level.
    expect(effectiveTrafficPolicy(rule, 8080, 'v1')).toEqual(effectiveTrafficPolicy(rule, 8080));
    expect(effectiveTrafficPolicy(rule, 8080, 'v9')).toEqual(effectiveTrafficPolicy(rule, 8080));
    expect(effectiveTrafficPolicy(undefined, 8080, 'v1')).toEqual({});
  });

  it('gives routes the hash key only where the cluster hashes (consistent-hash.ts reads the same merge)', () => {
    expect(consistentHashFor(rule, 8080)).toEqual({ httpHeaderName: 'x-user' });
    expect(consistentHashFor(rule, 9090)).toBeUndefined();
    expect(consistentHashFor(rule, 8080, 'v2')).toBeUndefined();
  });
});
