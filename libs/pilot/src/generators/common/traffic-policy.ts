/**
 * The DestinationRule traffic policy that applies to one cluster (service port, optional subset),
 * merged the way Istio merges it:
 *
 * 1. the rule's top-level policy, with a `portLevelSettings` entry for the port replacing its
 *    connection pool, load balancer, outlier detection and TLS as a block (port-level settings do
 *    not inherit the top-level ones: an unset field there means "default", not "inherit");
 * 2. for a subset, each of those settings the subset's own policy sets replaces the one from
 *    step 1, then the subset's own port-level entry for the port replaces all four again.
 *
 * Clusters (lb policy, breakers, TLS), endpoints (locality failover needs the outlier detection
 * of the same policy) and routes (the consistent-hash key) must all read the same merge, so it
 * lives here.
 */
import type {
  ConnectionPoolSettings,
  DestinationRuleSpec,
  LoadBalancerSettings,
  OutlierDetection,
  ClientTLSSettings,
  TrafficPolicy,
} from '@mesh/config-model';

/** The four settings a port can override, plus the ones only the top level has. */
export interface EffectiveTrafficPolicy {
  readonly connectionPool?: ConnectionPoolSettings;
  readonly loadBalancer?: LoadBalancerSettings;
  readonly outlierDetection?: OutlierDetection;
  readonly tls?: ClientTLSSettings;
  readonly proxyProtocol?: TrafficPolicy['proxyProtocol'];
  readonly tunnel?: TrafficPolicy['tunnel'];
}

const EMPTY: EffectiveTrafficPolicy = Object.freeze({});

function withoutUndefined(policy: EffectiveTrafficPolicy): EffectiveTrafficPolicy {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(policy)) if (value !== undefined) out[key] = value;
  return out as EffectiveTrafficPolicy;
}

/** A policy with its port-level entry for `port` applied (Istio's GetPortLevelTrafficPolicy). */
export function trafficPolicyForPort(policy: TrafficPolicy | undefined, port: number): EffectiveTrafficPolicy {
  if (!policy) return EMPTY;
  const base: EffectiveTrafficPolicy = {
    connectionPool: policy.connectionPool,
    loadBalancer: policy.loadBalancer,
    outlierDetection: policy.outlierDetection,
    tls: policy.tls,
    proxyProtocol: policy.proxyProtocol,
    tunnel: policy.tunnel,
  };
  const portLevel = policy.portLevelSettings?.find((setting) => setting.port?.number === port);
  if (!portLevel) return withoutUndefined(base);
  return withoutUndefined({
    ...base,
    connectionPool: portLevel.connectionPool,
    loadBalancer: portLevel.loadBalancer,
    outlierDetection: portLevel.outlierDetection,
    tls: portLevel.tls,
  });
}

/** `parent` (already resolved for the port) overridden by a subset's policy (Istio's MergeSubsetTrafficPolicy). */
export function mergeSubsetPolicy(
  parent: EffectiveTrafficPolicy,
  subsetPolicy: TrafficPolicy | undefined,
  port: number,
): EffectiveTrafficPolicy {
  if (!subsetPolicy) return parent;
  const merged: EffectiveTrafficPolicy = {
    connectionPool: subsetPolicy.connectionPool ?? parent.connectionPool,
    loadBalancer: subsetPolicy.loadBalancer ?? parent.loadBalancer,
    outlierDetection: subsetPolicy.outlierDetection ?? parent.outlierDetection,
    tls: subsetPolicy.tls ?? parent.tls,
    proxyProtocol: subsetPolicy.proxyProtocol ?? parent.proxyProtocol,
    tunnel: subsetPolicy.tunnel ?? parent.tunnel,
  };
  const portLevel = subsetPolicy.portLevelSettings?.find((setting) => setting.port?.number === port);
  if (!portLevel) return withoutUndefined(merged);
  return withoutUndefined({
    ...merged,
    connectionPool: portLevel.connectionPool,
    loadBalancer: portLevel.loadBalancer,
    outlierDetection: portLevel.outlierDetection,
    tls: portLevel.tls,
  });
}

/** Merged policies per rule spec (specs are immutable parts of a PushContext's indexes). */
const memo = new WeakMap<DestinationRuleSpec, Map<string, EffectiveTrafficPolicy>>();

/**
 * The policy for traffic to `port` of a rule's host, in `subset` when given. A subset the rule
 * does not define contributes nothing (the service-level policy applies). The result is shared:
 * do not change it.
 */
export function effectiveTrafficPolicy(
  rule: DestinationRuleSpec | undefined,
  port: number,
  subset?: string,
): EffectiveTrafficPolicy {
  if (!rule) return EMPTY;
  let byKey = memo.get(rule);
  if (!byKey) memo.set(rule, (byKey = new Map()));
  const key = subset ? `${port}|${subset}` : String(port);
  let policy = byKey.get(key);
  if (!policy) {
    const servicePolicy = trafficPolicyForPort(rule.trafficPolicy, port);
    const subsetSpec = subset ? rule.subsets?.find((candidate) => candidate.name === subset) : undefined;
    policy = Object.freeze(subset ? mergeSubsetPolicy(servicePolicy, subsetSpec?.trafficPolicy, port) : servicePolicy);
    byKey.set(key, policy);
  }
  return policy;
}
