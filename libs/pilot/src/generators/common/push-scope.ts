/**
 * Which config changes a generated type can depend on. A full push names the configs that caused
 * it (`configsUpdated`, keys `Kind/namespace/name`); when every one of them is of a kind a type's
 * generator never reads for this proxy, the type is unchanged and the generator answers
 * `noChange` without building anything (Istio's per-type "needs push" checks). An empty
 * `configsUpdated` means "unknown", which always regenerates. A request the proxy made is never
 * skipped: the connection only honours `noChange` for pushes.
 */
import type { Kind } from '@mesh/config-model';
import type { Proxy, PushContext, PushRequest } from '@mesh/mesh-model';

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

/**
 * Security policies and telemetry: no cluster, endpoint or route generator reads them. Nor Secrets:
 * clusters and listeners only name credentials (`kubernetes://<name>`); their content is SDS's
 * alone, so a Secret change pushes SDS only (as istiod does).
 */
const POLICY_KINDS: readonly Kind[] = ['AuthorizationPolicy', 'RequestAuthentication', 'Telemetry', 'Secret'];

/** LDS: only Secrets are known not to change listeners (they are named there, never read). */
const LISTENER_SKIPS: ReadonlySet<Kind> = new Set<Kind>(['Secret']);

/**
 * Clusters and endpoints of a sidecar come from the services in its scope, DestinationRules, its
 * Sidecar and PeerAuthentications (auto mTLS). VirtualServices change them only through the scope:
 * a Sidecar's egress hosts import the destinations of the VirtualServices they select as services.
 * Without a Sidecar resource the scope already holds every visible service, so a VirtualService
 * cannot add or remove one and is skipped; with one, it may, and is not. A router's clusters are
 * its Gateways' VirtualService destinations, so for routers only policies are skipped.
 */
const DEFAULT_SCOPE_CLUSTER_SKIPS: ReadonlySet<Kind> = new Set<Kind>(['VirtualService', 'Gateway', ...POLICY_KINDS]);
const SIDECAR_RESOURCE_CLUSTER_SKIPS: ReadonlySet<Kind> = new Set<Kind>(['Gateway', ...POLICY_KINDS]);
const ROUTER_CLUSTER_SKIPS: ReadonlySet<Kind> = new Set<Kind>(POLICY_KINDS);

/** Routes read services, VirtualServices, DestinationRules, Sidecars and Gateways, not mTLS policy. */
const ROUTE_SKIPS: ReadonlySet<Kind> = new Set<Kind>(['PeerAuthentication', ...POLICY_KINDS]);

/** CDS and EDS: is this push known not to change them for this proxy? */
export function clustersUnaffected(push: PushContext, proxy: Proxy, request: PushRequest): boolean {
  if (!request.full || request.configsUpdated.size === 0) return false;
  if (proxy.type === 'router') return onlyKindsChanged(request, ROUTER_CLUSTER_SKIPS);
  const scoped = push.sidecarScopeFor(proxy).sidecar !== undefined;
  return onlyKindsChanged(request, scoped ? SIDECAR_RESOURCE_CLUSTER_SKIPS : DEFAULT_SCOPE_CLUSTER_SKIPS);
}

/** RDS: is this push known not to change routes? */
export function routesUnaffected(request: PushRequest): boolean {
  return onlyKindsChanged(request, ROUTE_SKIPS);
}

/** LDS: is this push known not to change listeners (a push of Secret changes only)? */
export function listenersUnaffected(request: PushRequest): boolean {
  return onlyKindsChanged(request, LISTENER_SKIPS);
}
