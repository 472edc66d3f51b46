/**
 * Which config changes a generated type can depend on. A full push names the configs that caused
 * it (`configsUpdated`, keys `Kind/namespace/name`); when every one of them is of a kind a type's
 * generator never reads for this proxy, the type is unchanged and the generator answers
 * `noChange` without building anything (Istio's per-type "needs push" checks). An empty
 * `configsUpdated` means "unknown", which always regenerates. A request the proxy made is never
 * skipped: the connection only honours `noChange` for pushes.
 */
import type { Kind } from '@mesh/config-model';
import type { Proxy, PushRequest } from '@mesh/mesh-model';

/** Kinds of a config key (`Kind/namespace/name` or `Kind/name`). */
function kindOf(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : key.slice(0, slash);
}

/** True when the full push changed only configs of the given kinds (and named them). */
export function onlyKindsChanged(request: PushRequest, kinds: ReadonlySet<Kind>): boolean {
  if (!request.full || request.configsUpdated.size === 0) return false;
  for (const key of request.configsUpdated) if (!kinds.has(kindOf(key) as Kind)) return false;
  return true;
}

/** Security policies and telemetry: no cluster, endpoint or route generator reads them. */
const POLICY_KINDS: readonly Kind[] = ['AuthorizationPolicy', 'RequestAuthentication', 'Telemetry'];

/**
 * Clusters and endpoints of a sidecar come from services, DestinationRules, its Sidecar and
 * PeerAuthentications (auto mTLS); routing (VirtualService) and Gateways do not change them. A
 * router's clusters are its Gateways' VirtualService destinations, so for routers only policies
 * are skipped.
 */
const SIDECAR_CLUSTER_SKIPS: ReadonlySet<Kind> = new Set<Kind>(['VirtualService', 'Gateway', ...POLICY_KINDS]);
const ROUTER_CLUSTER_SKIPS: ReadonlySet<Kind> = new Set<Kind>(POLICY_KINDS);

/** Routes read services, VirtualServices, DestinationRules, Sidecars and Gateways, not mTLS policy. */
const ROUTE_SKIPS: ReadonlySet<Kind> = new Set<Kind>(['PeerAuthentication', ...POLICY_KINDS]);

/** CDS and EDS: is this push known not to change them for this proxy? */
export function clustersUnaffected(proxy: Proxy, request: PushRequest): boolean {
  return onlyKindsChanged(request, proxy.type === 'router' ? ROUTER_CLUSTER_SKIPS : SIDECAR_CLUSTER_SKIPS);
}

/** RDS: is this push known not to change routes? */
export function routesUnaffected(request: PushRequest): boolean {
  return onlyKindsChanged(request, ROUTE_SKIPS);
}
