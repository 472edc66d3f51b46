/**
 * Who is on each side of a request, as Istio's standard metrics label it. The proxy's own side
 * comes from its xDS node metadata (what the agent announces: `WORKLOAD_NAME` or `NAME`,
 * `NAMESPACE`, `LABELS`, `CLUSTER_ID`); the other side from what the control plane sends with the
 * upstream: the endpoint's `istio.workload` metadata
 * (`workload;namespace;canonical-name;canonical-revision;cluster`) and the cluster's
 * `istio.services`. Anything not known is `unknown`, as in Istio.
 */
import type { XdsCluster, XdsLbEndpoint } from '../../xds/model';

export const UNKNOWN = 'unknown';

/** One side's workload labels (the `source_*` or `destination_*` set without the service). */
export interface WorkloadLabels {
  readonly workload: string;
  readonly namespace: string;
  readonly principal: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  readonly cluster: string;
}

export interface ServiceLabels {
  /** The service's host name (`reviews.default.svc.cluster.local`). */
  readonly service: string;
  readonly name: string;
  readonly namespace: string;
}

/** What the proxy knows of itself: the xDS node's metadata. */
export interface LocalNode {
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export const UNKNOWN_WORKLOAD: WorkloadLabels = Object.freeze({
  workload: UNKNOWN,
  namespace: UNKNOWN,
  principal: UNKNOWN,
  app: UNKNOWN,
  version: UNKNOWN,
  canonicalService: UNKNOWN,
  canonicalRevision: UNKNOWN,
  cluster: UNKNOWN,
});

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The proxy's own labels. Istio's canonical service rules: `service.istio.io/canonical-name`, else
 * `app.kubernetes.io/name`, else `app`, else the workload name; the revision from
 * `service.istio.io/canonical-revision`, `app.kubernetes.io/version`, `version`, else `latest`.
 * There is no certificate yet, so no principal.
 */
export function localWorkload(node: LocalNode | undefined): WorkloadLabels {
  const metadata = node?.metadata ?? {};
  const rawLabels = metadata.LABELS;
  const labels: Record<string, unknown> = typeof rawLabels === 'object' && rawLabels !== null ? { ...rawLabels } : {};
  const workload = text(metadata.WORKLOAD_NAME) ?? text(metadata.NAME) ?? UNKNOWN;
  return {
    workload,
    namespace: text(metadata.NAMESPACE) ?? UNKNOWN,
    principal: UNKNOWN,
    app: text(labels.app) ?? text(labels['app.kubernetes.io/name']) ?? UNKNOWN,
    version: text(labels.version) ?? text(labels['app.kubernetes.io/version']) ?? UNKNOWN,
    canonicalService:
      text(labels['service.istio.io/canonical-name']) ??
      text(labels['app.kubernetes.io/name']) ??
      text(labels.app) ??
      workload,
    canonicalRevision:
      text(labels['service.istio.io/canonical-revision']) ??
      text(labels['app.kubernetes.io/version']) ??
      text(labels.version) ??
      'latest',
    cluster: text(metadata.CLUSTER_ID) ?? UNKNOWN,
  };
}

/**
 * The upstream endpoint's labels from its `istio.workload` metadata. That string carries no app
 * and version labels: Istio's proxies fill `*_app` and `*_version` from the canonical name and
 * revision, and so do we. An empty revision means `latest` (pilot leaves it out).
 */
export function endpointWorkload(endpoint: XdsLbEndpoint | undefined): WorkloadLabels {
  const value = text(endpoint?.metadata.istio?.workload);
  if (!value) return UNKNOWN_WORKLOAD;
  const [workload, namespace, canonicalName, canonicalRevision, cluster] = value.split(';');
  const name = text(canonicalName);
  const revision = text(canonicalRevision) ?? 'latest';
  return {
    workload: text(workload) ?? UNKNOWN,
    namespace: text(namespace) ?? UNKNOWN,
    principal: UNKNOWN,
    app: name ?? UNKNOWN,
    version: name ? revision : UNKNOWN,
    canonicalService: name ?? UNKNOWN,
    canonicalRevision: name ? revision : UNKNOWN,
    cluster: text(cluster) ?? UNKNOWN,
  };
}

/** Clusters Istio names in `destination_service_name` when no service is behind them. */
const SPECIAL_CLUSTERS = new Set(['BlackHoleCluster', 'PassthroughCluster', 'InboundPassthroughCluster']);

/**
 * The destination service: the cluster's first `istio.services` entry; without one, the request's
 * host (authority without its port) as `destination_service`, and for Istio's special clusters
 * their name as `destination_service_name`.
 */
export function destinationService(cluster: XdsCluster | undefined, authority: string | undefined): ServiceLabels {
  const service = cluster?.istioServices?.[0];
  if (service) {
    return { service: service.host, name: service.name, namespace: text(service.namespace) ?? UNKNOWN };
  }
  const host = authority ? hostOf(authority) : '';
  return {
    service: host || UNKNOWN,
    name: cluster && SPECIAL_CLUSTERS.has(cluster.name) ? cluster.name : host || UNKNOWN,
    namespace: UNKNOWN,
  };
}

/** `host:port` → `host`, `[v6]:port` → `[v6]`. */
function hostOf(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end > 0 ? authority.slice(0, end + 1) : authority;
  }
  const colon = authority.indexOf(':');
  return colon >= 0 ? authority.slice(0, colon) : authority;
}
