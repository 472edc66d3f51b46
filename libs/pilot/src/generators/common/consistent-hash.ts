/**
 * Consistent-hash load balancing from a DestinationRule as routes need it: the cluster generator
 * picks the RING_HASH or MAGLEV lb policy from a cluster's merged traffic policy
 * (traffic-policy.ts), and the route to that cluster carries the matching `hash_policy` (the key
 * to hash: a header, a cookie, the source IP or a query parameter).
 */
import type { ConsistentHashLB, DestinationRuleSpec } from '@mesh/config-model';
import type { RouteAction_HashPolicy } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { durationFromIstio } from './duration';
import { effectiveTrafficPolicy } from './traffic-policy';

/**
 * The consistent hash for traffic to a cluster (`port`, optional `subset`) of a rule's host: the
 * load balancer of the same merged traffic policy the cluster generator reads, so a route's hash
 * policy is present exactly when its cluster hashes (ring hash or Maglev).
 */
export function consistentHashFor(
  rule: DestinationRuleSpec | undefined,
  port: number,
  subset?: string,
): ConsistentHashLB | undefined {
  return effectiveTrafficPolicy(rule, port, subset || undefined).loadBalancer?.consistentHash;
}

/** The route hash policy for a hash key; undefined when the settings name no key. */
export function hashPolicyFor(hash: ConsistentHashLB | undefined, where: string): RouteAction_HashPolicy | undefined {
  if (!hash) return undefined;
  if (hash.httpHeaderName) return { header: { headerName: hash.httpHeaderName } };
  if (hash.httpCookie) {
    const { name, path, ttl } = hash.httpCookie;
    return {
      cookie: {
        name,
        ...(ttl ? { ttl: durationFromIstio(ttl, `${where}.httpCookie.ttl`) } : {}),
        ...(path ? { path } : {}),
      },
    };
  }
  if (hash.useSourceIp) return { connectionProperties: { sourceIp: true } };
  if (hash.httpQueryParameterName) return { queryParameter: { name: hash.httpQueryParameterName } };
  return undefined;
}
