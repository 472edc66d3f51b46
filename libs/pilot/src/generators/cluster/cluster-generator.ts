/**
 * CDS: the Generator the ADS server calls for `envoy.config.cluster.v3.Cluster`.
 *
 * - Envoy-style sidecars: outbound clusters, BlackHoleCluster, PassthroughCluster, inbound
 *   clusters, InboundPassthroughCluster. Routers: their outbound clusters and BlackHoleCluster.
 *   Clusters with one name are sent once (the first wins, as in Istio). A request naming clusters
 *   (delta or SotW with names) gets only those.
 * - Proxyless gRPC: only the clusters it names (grpc-clusters.ts).
 *
 * An incremental (endpoints-only) push changes clusters only where endpoints are inlined (DNS
 * clusters, original-destination mTLS detection) or where the proxy's own workload is: otherwise
 * the generator answers `noChange`.
 */
import type { Endpoint, Proxy, PushContext, PushRequest, Service } from '@mesh/mesh-model';
import { Cluster, packAny } from '@mesh/xds';
import type { GeneratedResource, GeneratedResources, Generator, WatchedResource } from '../../xds-server/generator';
import { CrossPushCache, identityOf, newResourceVersion, ruleKey } from '../common/cross-push-cache';
import { ProxyViewCache, proxyViewKey } from '../common/proxy-view-cache';
import { clustersUnaffected } from '../common/push-scope';
import { serviceTargetsFor } from '../common/service-targets';
import { endpointProxyKey, endpointViewOf, type EndpointView } from '../endpoint/load-assignment';
import { blackHoleCluster, inboundPassthroughCluster, passthroughCluster } from './fixed-clusters';
import { buildGrpcClusters } from './grpc-clusters';
import { buildInboundClusters } from './inbound-clusters';
import { buildOutboundCluster, isSkipped, type OutboundClusterContext } from './outbound-cluster';
import { outboundServices, outboundTargets, type OutboundTarget } from './outbound-targets';

export interface ClusterGeneratorOptions {
  /** Told why a cluster was left out (DNS cluster without endpoints, unusable TLS settings). */
  readonly onSkippedCluster?: (proxy: Proxy, reason: string) => void;
}

function resource(cluster: Cluster): GeneratedResource {
  return { name: cluster.name ?? '', resource: packAny(Cluster, cluster) };
}

/** A cluster kept and reused: versioned, so delta streams need not hash it to see it unchanged. */
function versionedResource(cluster: Cluster): GeneratedResource {
  return { ...resource(cluster), version: newResourceVersion() };
}

function selectNames(resources: readonly GeneratedResource[], watched: WatchedResource): GeneratedResource[] {
  const seen = new Set<string>();
  const out: GeneratedResource[] = [];
  for (const entry of resources) {
    if (seen.has(entry.name)) continue;
    seen.add(entry.name);
    if (watched.resourceNames.size === 0 || watched.resourceNames.has(entry.name)) out.push(entry);
  }
  return out;
}

/**
 * Would an endpoints-only change of `edsHosts` change this proxy's clusters? Yes when one of the
 * hosts is a service whose cluster inlines or inspects endpoints (not plain EDS), or when the
 * proxy's own workload is among the hosts' endpoints (its inbound clusters).
 */
export function clustersDependOnEndpoints(push: PushContext, proxy: Proxy, edsHosts: ReadonlySet<string>): boolean {
  if (edsHosts.size === 0) return false;
  for (const service of outboundServices(push, proxy)) {
    if (edsHosts.has(service.hostname) && service.resolution !== 'ClientSideLB') return true;
  }
  if (proxy.type !== 'sidecar') return false;
  return serviceTargetsFor(push, proxy.ipAddresses).some((target) => edsHosts.has(target.service.hostname));
}

interface FixedClusters {
  readonly blackHole: GeneratedResource;
  readonly passthrough: GeneratedResource;
  readonly inboundPassthrough: GeneratedResource;
}

interface SharedCluster {
  /** The service identities the cluster verifies (its SANs come from the endpoints' accounts). */
  readonly serviceAccounts: string;
  /** For clusters that read endpoints (DNS, original destination): the list they were built from. */
  readonly endpoints?: readonly Endpoint[];
  /** null: the target has no cluster (see onSkippedCluster). */
  readonly resource: GeneratedResource | null;
}

const serviceAccountsByPush = new WeakMap<PushContext, Map<Service, string>>();

function serviceAccountsKey(push: PushContext, service: Service): string {
  let byService = serviceAccountsByPush.get(push);
  if (!byService) serviceAccountsByPush.set(push, (byService = new Map()));
  let key = byService.get(service);
  if (key === undefined) byService.set(service, (key = push.serviceAccountsFor(service).join(',')));
  return key;
}

function ipFamilies(proxy: Proxy): string {
  return proxy.ipAddresses.map((ip) => (ip.includes(':') ? '6' : '4')).join('');
}

/** Cluster inputs beyond the push and the target: the proxy type, and for DNS clusters its addresses and locality. */
function clusterKey(view: EndpointView, target: OutboundTarget): string {
  const rule = ruleKey(target.rule);
  const base = `${target.clusterName}\u0000${view.proxy.type}\u0000${identityOf(target.service)}\u0000${rule}`;
  const resolution = target.service.resolution;
  if (resolution !== 'DNSLB' && resolution !== 'DNSRoundRobinLB') return base;
  return `${base}\u0000${ipFamilies(view.proxy)}\u0000${endpointProxyKey(view, target)}`;
}

/** CDS for Envoy-style proxies (sidecars and routers). */
export class EnvoyClusterGenerator implements Generator<PushContext> {
  /** Per push and proxy view: proxies that look alike share each cluster and the whole list. */
  private readonly outboundCache = new ProxyViewCache<GeneratedResource | null>();
  private readonly outboundLists = new ProxyViewCache<readonly GeneratedResource[]>();
  /** Across pushes and views, by the identities of a cluster's inputs (see common/cross-push-cache.ts). */
  private readonly shared = new CrossPushCache<SharedCluster>([
    'services',
    'destinationRules',
    'sidecars',
    'peerAuthentications',
  ]);

  constructor(private readonly options: ClusterGeneratorOptions = {}) {}

  generate(proxy: Proxy, watched: WatchedResource, push: PushContext, request: PushRequest): GeneratedResources {
    if (!request.full && !clustersDependOnEndpoints(push, proxy, request.edsHosts)) {
      return { resources: [], noChange: true };
    }
    if (clustersUnaffected(push, proxy, request)) return { resources: [], noChange: true };
    return { resources: selectNames(this.clusters(proxy, push), watched) };
  }

  /** Every cluster of the proxy, in Istio's order. */
  clusters(proxy: Proxy, push: PushContext): GeneratedResource[] {
    const out = this.outbound(proxy, push);
    const fixed = this.fixedClusters(proxy, push);
    out.push(fixed.blackHole);
    if (proxy.type === 'sidecar') {
      out.push(fixed.passthrough);
      for (const cluster of buildInboundClusters(push, proxy)) out.push(resource(cluster));
      out.push(fixed.inboundPassthrough);
    }
    return out;
  }

  /** The fixed clusters depend only on the MeshConfig and the proxy's IP families. */
  private readonly fixed = new WeakMap<object, Map<string, FixedClusters>>();

  private fixedClusters(proxy: Proxy, push: PushContext): FixedClusters {
    let byFamilies = this.fixed.get(push.mesh);
    if (!byFamilies) this.fixed.set(push.mesh, (byFamilies = new Map()));
    const families = [...new Set(ipFamilies(proxy))].sort().join('');
    let fixed = byFamilies.get(families);
    if (!fixed) {
      fixed = {
        blackHole: versionedResource(blackHoleCluster(push.mesh)),
        passthrough: versionedResource(passthroughCluster(push.mesh)),
        inboundPassthrough: versionedResource(inboundPassthroughCluster(push.mesh, proxy)),
      };
      byFamilies.set(families, fixed);
    }
    return fixed;
  }

  private outbound(proxy: Proxy, push: PushContext): GeneratedResource[] {
    const viewKey = proxyViewKey(push, proxy);
    const lists = this.outboundLists.view(push, viewKey);
    const listed = lists.get('');
    if (listed) return [...listed];
    const cache = this.outboundCache.view(push, viewKey);
    const shared = this.shared.for(push);
    const context: OutboundClusterContext = { push, proxy, view: endpointViewOf(push, proxy) };
    const out: GeneratedResource[] = [];
    for (const target of outboundTargets(push, proxy)) {
      let entry = cache.get(target.clusterName);
      if (entry === undefined) {
        entry = this.sharedCluster(context, target, shared);
        cache.set(target.clusterName, entry);
      }
      if (entry) out.push(entry);
    }
    lists.set('', out);
    return [...out];
  }

  private sharedCluster(
    context: OutboundClusterContext,
    target: OutboundTarget,
    shared: Map<string, SharedCluster>,
  ): GeneratedResource | null {
    const key = clusterKey(context.view, target);
    const serviceAccounts = serviceAccountsKey(context.push, target.service);
    const endpoints =
      target.service.resolution === 'ClientSideLB'
        ? undefined
        : context.push.endpointsForServicePort(target.service, target.port.port);
    const known = shared.get(key);
    if (known && known.serviceAccounts === serviceAccounts && known.endpoints === endpoints) return known.resource;
    const built = buildOutboundCluster(context, target);
    let entry: GeneratedResource | null;
    if (isSkipped(built)) {
      this.options.onSkippedCluster?.(context.proxy, built.skipped);
      entry = null;
    } else {
      entry = versionedResource(built);
    }
    shared.set(key, { serviceAccounts, ...(endpoints ? { endpoints } : {}), resource: entry });
    return entry;
  }
}

/** CDS for proxyless gRPC clients: the clusters they name, nothing for a wildcard request. */
export class GrpcClusterGenerator implements Generator<PushContext> {
  generate(proxy: Proxy, watched: WatchedResource, push: PushContext, request: PushRequest): GeneratedResources {
    if (!request.full) return { resources: [], noChange: true };
    const clusters = buildGrpcClusters(endpointViewOf(push, proxy), watched.resourceNames);
    return { resources: clusters.map(resource) };
  }
}
