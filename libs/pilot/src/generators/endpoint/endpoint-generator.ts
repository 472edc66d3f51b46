/**
 * EDS: the Generator the ADS server calls for `envoy.config.endpoint.v3.ClusterLoadAssignment`,
 * for Envoy-style proxies and proxyless gRPC clients alike (gRPC clients get IP endpoints only).
 *
 * - Every requested name gets a ClusterLoadAssignment; a name this proxy cannot resolve (unknown
 *   host, port or subset, or not an outbound cluster name) gets an empty one, as Istio answers:
 *   the client stops waiting and has no endpoints, rather than timing out on a missing resource.
 * - A wildcard request (no names; Envoy never sends one for EDS) gets the proxy's EDS clusters.
 * - An incremental push whose changed hosts are not among the requested clusters answers
 *   `noChange`; otherwise only the assignments of the changed hosts are sent, marked `partial`
 *   (as Istio does: for EDS a state-of-the-world response may carry a subset, and sending every
 *   assignment to every proxy for one endpoint change would not scale).
 */
import type { Endpoint, Proxy, PushContext, PushRequest, Service } from '@mesh/mesh-model';
import { ClusterLoadAssignment, packAny } from '@mesh/xds';
import { Cluster_DiscoveryType } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import type { GeneratedResource, GeneratedResources, Generator, WatchedResource } from '../../xds-server/generator';
import { CrossPushCache, identityOf, newResourceVersion, ruleKey } from '../common/cross-push-cache';
import { ProxyViewCache, proxyViewKey } from '../common/proxy-view-cache';
import { clustersUnaffected } from '../common/push-scope';
import { discoveryTypeOf } from '../cluster/outbound-cluster';
import { outboundTargetForName, outboundTargets } from '../cluster/outbound-targets';
import { parseClusterName } from '../naming';
import {
  emptyLoadAssignment,
  endpointProxyKey,
  endpointViewOf,
  loadAssignmentFor,
  targetPolicy,
  type EndpointView,
} from './load-assignment';

/** Cluster names a wildcard EDS request covers: the proxy's outbound clusters that use EDS. */
export function edsClusterNames(push: PushContext, proxy: Proxy): string[] {
  return outboundTargets(push, proxy)
    .filter(
      (target) =>
        discoveryTypeOf(target.service, proxy) === Cluster_DiscoveryType.EDS &&
        targetPolicy(target).loadBalancer?.simple !== 'PASSTHROUGH',
    )
    .map((target) => target.clusterName);
}

/**
 * Watched names grouped by the hostname their cluster name carries. The name sets a connection
 * hands over are immutable and shared by proxies that watch the same (see xds-server/name-sets.ts),
 * as are the wildcard lists below, so the grouping is done once per set, not once per proxy and push.
 */
const namesByHost = new WeakMap<object, ReadonlyMap<string, readonly string[]>>();

function groupedByHost(names: Iterable<string> & object): ReadonlyMap<string, readonly string[]> {
  let grouped = namesByHost.get(names);
  if (!grouped) {
    const byHost = new Map<string, string[]>();
    for (const name of names) {
      const hostname = parseClusterName(name)?.hostname;
      if (hostname === undefined) continue;
      let list = byHost.get(hostname);
      if (!list) byHost.set(hostname, (list = []));
      list.push(name);
    }
    namesByHost.set(names, (grouped = byHost));
  }
  return grouped;
}

/** The watched names an incremental change of `edsHosts` touches. */
function touchedNames(names: Iterable<string> & object, edsHosts: ReadonlySet<string>): string[] {
  const grouped = groupedByHost(names);
  const touched: string[] = [];
  for (const host of edsHosts) touched.push(...(grouped.get(host) ?? []));
  return touched;
}

interface SharedAssignment {
  /** The endpoint list it was built from: a later push with the same list (===) may reuse it. */
  readonly endpoints: readonly Endpoint[];
  readonly resource: GeneratedResource;
}

/** An assignment as one proxy view resolved its name: the service port it came from, if any. */
interface ViewEntry {
  readonly service?: Service;
  readonly port: number;
  readonly endpoints: readonly Endpoint[];
  readonly resource: GeneratedResource;
}

/** Endpoint lists are immutable: the same list (or two empty ones) means unchanged endpoints. */
function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  return a === b || (a.length === 0 && b.length === 0);
}

/** Indexes whose change invalidates every cached assignment (name resolution, policies, mTLS). */
const DEPENDS_ON = ['services', 'destinationRules', 'sidecars', 'peerAuthentications'] as const;

export class EndpointGenerator implements Generator<PushContext> {
  /**
   * Per proxy view (proxies that look alike), across pushes while the indexes above are shared:
   * an endpoints-only push revalidates each entry by the identity of its endpoint list, so only
   * the changed hosts' assignments are rebuilt.
   */
  private readonly byView = new CrossPushCache<Map<string, ViewEntry>>(DEPENDS_ON);
  /** Across views, keyed by the identities of what an assignment is built from. */
  private readonly shared = new CrossPushCache<SharedAssignment>(DEPENDS_ON);
  private readonly wildcards = new ProxyViewCache<readonly string[]>();

  generate(proxy: Proxy, watched: WatchedResource, push: PushContext, request: PushRequest): GeneratedResources {
    if (clustersUnaffected(push, proxy, request)) return { resources: [], noChange: true };
    const viewKey = proxyViewKey(push, proxy);
    const names = watched.resourceNames.size > 0 ? watched.resourceNames : this.wildcardNames(push, proxy, viewKey);
    let wanted: Iterable<string> = names;
    if (!request.full) {
      const touched = touchedNames(names, request.edsHosts);
      if (touched.length === 0) return { resources: [], noChange: true };
      wanted = touched;
    }
    const views = this.byView.for(push);
    let cache = views.get(viewKey);
    if (!cache) views.set(viewKey, (cache = new Map()));
    const shared = this.shared.for(push);
    let view: EndpointView | undefined;
    const resources: GeneratedResource[] = [];
    for (const name of wanted) {
      let entry = cache.get(name);
      if (entry?.service && !sameEndpoints(entry.endpoints, push.endpointsForServicePort(entry.service, entry.port))) {
        entry = undefined;
      }
      if (!entry) {
        view ??= endpointViewOf(push, proxy);
        entry = this.build(view, shared, name);
        cache.set(name, entry);
      }
      resources.push(entry.resource);
    }
    return request.full ? { resources } : { resources, partial: true };
  }

  private wildcardNames(push: PushContext, proxy: Proxy, viewKey: string): readonly string[] {
    const names = this.wildcards.view(push, viewKey);
    let list = names.get('');
    if (!list) names.set('', (list = edsClusterNames(push, proxy)));
    return list;
  }

  private build(view: EndpointView, shared: Map<string, SharedAssignment>, name: string): ViewEntry {
    const target = outboundTargetForName(view.push, view.proxy, name);
    if (!target) {
      return {
        port: 0,
        endpoints: [],
        resource: { name, resource: packAny(ClusterLoadAssignment, emptyLoadAssignment(name)) },
      };
    }
    const { service, port } = target;
    const endpoints = view.push.endpointsForServicePort(service, port.port);
    const key = `${name}\u0000${identityOf(service)}\u0000${ruleKey(target.rule)}\u0000${endpointProxyKey(view, target)}`;
    const known = shared.get(key);
    if (known && sameEndpoints(known.endpoints, endpoints))
      return { service, port: port.port, endpoints, resource: known.resource };
    const resource = {
      name,
      resource: packAny(ClusterLoadAssignment, loadAssignmentFor(view, target)),
      version: newResourceVersion(),
    };
    shared.set(key, { endpoints, resource });
    return { service, port: port.port, endpoints, resource };
  }
}
