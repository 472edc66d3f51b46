/**
 * Mesh endpoints → Envoy `LocalityLbEndpoints`, as Istio writes them:
 *
 * - only endpoints a client should use: Unhealthy ones are left out, Draining ones too unless the
 *   service keeps persistent sessions (label `istio.io/persistent-session`), where they are sent as
 *   DRAINING so only explicit session overrides reach them;
 * - one group per locality (`region/zone/subzone`, always written, empty when unknown), weighted
 *   by the sum of its endpoints' weights (each defaults to 1), groups sorted by locality;
 * - each endpoint carries its health, weight and metadata: `envoy.transport_socket_match.tlsMode:
 *   istio` when the workload accepts Istio mTLS (the cluster's auto-mTLS socket match reads it), and
 *   `istio.workload` = `workload;namespace;canonical-name;canonical-revision;cluster` for telemetry.
 */
import { isIpAddress, type Labels } from '@mesh/config-model';
import type { Endpoint, Locality, Service } from '@mesh/mesh-model';
import type { Address } from '@mesh/xds/generated/envoy/config/core/v3/address';
import type { Metadata } from '@mesh/xds/generated/envoy/config/core/v3/base';
import { HealthStatus } from '@mesh/xds/generated/envoy/config/core/v3/health_check';
import type { LbEndpoint, LocalityLbEndpoints } from '@mesh/xds/generated/envoy/config/endpoint/v3/endpoint_components';

/** Service label that keeps draining endpoints (for cookie-pinned sessions), as Istio names it. */
export const PERSISTENT_SESSION_LABEL = 'istio.io/persistent-session';
/** Endpoint metadata namespace Envoy's transport socket matches read. */
export const TRANSPORT_SOCKET_MATCH_KEY = 'envoy.transport_socket_match';
export const TLS_MODE_KEY = 'tlsMode';
export const ISTIO_TLS_MODE = 'istio';
export const ISTIO_METADATA_KEY = 'istio';
const UNIX_PREFIX = 'unix://';

/** An endpoint with the Envoy form built for it; the mesh endpoint stays for label-based grouping. */
export interface WrappedLbEndpoint {
  readonly endpoint: Endpoint;
  readonly lbEndpoint: LbEndpoint;
}

/** One locality's endpoints before they become a LocalityLbEndpoints (failoverPriority splits them). */
export interface LocalityGroup {
  readonly locality: Locality;
  readonly endpoints: readonly WrappedLbEndpoint[];
}

/** Should a client get this endpoint at all? */
export function isSendable(endpoint: Endpoint, service: Service): boolean {
  if (endpoint.health === 'Unhealthy') return false;
  if (endpoint.health === 'Draining') return (service.labels[PERSISTENT_SESSION_LABEL] ?? '') !== '';
  return true;
}

export function subsetSelects(subsetLabels: Labels | undefined, endpoint: Endpoint): boolean {
  if (!subsetLabels) return true;
  return Object.entries(subsetLabels).every(([key, value]) => endpoint.labels[key] === value);
}

/** `unix:///path` as a pipe; anything else (an IP, or a host name for DNS clusters) as a socket address. */
export function envoyAddress(address: string, port: number): Address {
  if (address.startsWith(UNIX_PREFIX)) return { pipe: { path: address.slice(UNIX_PREFIX.length) } };
  return { socketAddress: { address, portValue: port } };
}

function healthOf(endpoint: Endpoint): HealthStatus {
  switch (endpoint.health) {
    case 'Healthy':
      return HealthStatus.HEALTHY;
    case 'Draining':
      return HealthStatus.DRAINING;
    default:
      return HealthStatus.UNHEALTHY;
  }
}

/**
 * Istio's canonical service of a workload: the `service.istio.io/canonical-name` label, else
 * `app.kubernetes.io/name`, else `app`, else the workload name; the revision likewise from
 * `service.istio.io/canonical-revision`, `app.kubernetes.io/version`, `version`, else `latest`.
 */
export function canonicalService(labels: Labels, workloadName: string): { name: string; revision: string } {
  const name =
    labels['service.istio.io/canonical-name'] || labels['app.kubernetes.io/name'] || labels.app || workloadName;
  const revision =
    labels['service.istio.io/canonical-revision'] || labels['app.kubernetes.io/version'] || labels.version || 'latest';
  return { name, revision };
}

/** `workload;namespace;canonical-name;canonical-revision;cluster` (revision `latest` left out, as Istio does). */
function workloadMetadata(endpoint: Endpoint): string {
  const workload = endpoint.workloadName ?? '';
  const { name, revision } = canonicalService(endpoint.labels, workload);
  return [workload, endpoint.namespace, name, revision === 'latest' ? '' : revision, ''].join(';');
}

/**
 * The Envoy endpoint. `acceptsIstioMtls` decides the `tlsMode` metadata: false drops it, so an
 * auto-mTLS cluster sends plaintext to this endpoint.
 */
export function lbEndpointOf(endpoint: Endpoint, acceptsIstioMtls: boolean): LbEndpoint {
  const filterMetadata: NonNullable<Metadata['filterMetadata']> = {};
  if (acceptsIstioMtls && endpoint.tlsMode === 'istio') {
    filterMetadata[TRANSPORT_SOCKET_MATCH_KEY] = { [TLS_MODE_KEY]: ISTIO_TLS_MODE };
  }
  filterMetadata[ISTIO_METADATA_KEY] = { workload: workloadMetadata(endpoint) };
  return {
    endpoint: { address: envoyAddress(endpoint.address, endpoint.port) },
    healthStatus: healthOf(endpoint),
    metadata: { filterMetadata },
    loadBalancingWeight: endpointWeight(endpoint),
  };
}

export function endpointWeight(endpoint: Endpoint): number {
  return endpoint.weight !== undefined && endpoint.weight > 0 ? endpoint.weight : 1;
}

const NO_LOCALITY: Locality = Object.freeze({ region: '', zone: '', subzone: '' });

function localityKey(locality: Locality): string {
  return `${locality.region}/${locality.zone}/${locality.subzone}`;
}

function compareEndpoints(a: WrappedLbEndpoint, b: WrappedLbEndpoint): number {
  const byAddress = a.endpoint.address < b.endpoint.address ? -1 : a.endpoint.address > b.endpoint.address ? 1 : 0;
  return byAddress || a.endpoint.port - b.endpoint.port;
}

/** Groups endpoints by locality; groups and the endpoints in them in a stable order. */
export function groupByLocality(endpoints: readonly WrappedLbEndpoint[]): LocalityGroup[] {
  const groups = new Map<string, { locality: Locality; endpoints: WrappedLbEndpoint[] }>();
  for (const wrapped of endpoints) {
    const locality = wrapped.endpoint.locality ?? NO_LOCALITY;
    const key = localityKey(locality);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { locality, endpoints: [] }));
    group.endpoints.push(wrapped);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => ({ locality: group.locality, endpoints: group.endpoints.sort(compareEndpoints) }));
}

/** The Envoy form of a group: locality, its endpoints, weight = sum of theirs, priority 0. */
export function localityLbEndpointsOf(group: LocalityGroup): LocalityLbEndpoints {
  let weight = 0;
  for (const { lbEndpoint } of group.endpoints) weight += lbEndpoint.loadBalancingWeight ?? 1;
  return {
    locality: { region: group.locality.region, zone: group.locality.zone, subZone: group.locality.subzone },
    lbEndpoints: group.endpoints.map((wrapped) => wrapped.lbEndpoint),
    loadBalancingWeight: weight,
  };
}

/**
 * Keeps only what a proxyless gRPC client accepts in a ClusterLoadAssignment: IP addresses (it
 * does not resolve names in EDS), each address:port once.
 */
export function grpcUsable(endpoints: readonly Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  for (const endpoint of endpoints) {
    if (!isIpAddress(endpoint.address)) continue;
    const key = `${endpoint.address}|${endpoint.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(endpoint);
  }
  return out;
}
