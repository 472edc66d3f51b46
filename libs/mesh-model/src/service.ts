/**
 * The service registry's vocabulary: what a service is and where its endpoints are, independent
 * of where they came from (Kubernetes Services and EndpointSlices, ServiceEntry, WorkloadEntry).
 */
import type { Protocol } from '@mesh/config-model';

export type Registry = 'Kubernetes' | 'External';

/**
 * How a client finds endpoints (Istio's names): by EDS (`ClientSideLB`), by DNS of the host
 * (`DNSLB`, `DNSRoundRobinLB`) or not at all (`Passthrough`: original destination).
 */
export type Resolution = 'ClientSideLB' | 'DNSLB' | 'DNSRoundRobinLB' | 'Passthrough';

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** Port on the endpoints when the registry knows it per service (ServiceEntry targetPort). */
  readonly targetPort?: number;
}

export interface Service {
  /** Fully qualified host: `reviews.default.svc.cluster.local`, or a ServiceEntry host. */
  readonly hostname: string;
  readonly namespace: string;
  /** The short name (Kubernetes Service name, or the ServiceEntry's name). */
  readonly name: string;
  readonly registry: Registry;
  readonly ports: readonly ServicePort[];
  readonly resolution: Resolution;
  /** MESH_EXTERNAL: clients originate TLS themselves; no mTLS auto-upgrade. */
  readonly meshExternal: boolean;
  /** Virtual IPs (Kubernetes ClusterIPs, ServiceEntry addresses); empty for headless/none. */
  readonly addresses: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** Namespaces that may see this service (`*` = all, `.` resolved to own namespace). */
  readonly exportTo: readonly string[];
  /** Kubernetes Service selector or ServiceEntry workloadSelector; endpoints are the workloads it selects. */
  readonly selector?: Readonly<Record<string, string>>;
  /** Identities the endpoints run as (ServiceEntry subjectAltNames), for TLS verification. */
  readonly subjectAltNames?: readonly string[];
  /** `Kind/namespace/name` of the object this service was made from. */
  readonly sourceKey: string;
  /** creationTimestamp of the source object: among services with one hostname, the oldest wins. */
  readonly creationTimestamp?: string;
  /** Kubernetes ExternalName services: the DNS name they alias (their only endpoint). */
  readonly externalName?: string;
}

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

export type HealthStatus = 'Healthy' | 'Unhealthy' | 'Draining';

/** One endpoint of one service port. */
export interface Endpoint {
  readonly hostname: string;
  readonly servicePortName: string;
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace: string;
  readonly serviceAccount?: string;
  readonly locality?: Locality;
  /** Load-balancing weight; Envoy's default is 1. */
  readonly weight?: number;
  readonly health: HealthStatus;
  /** `istio` when the workload runs a sidecar that accepts mTLS (label security.istio.io/tlsMode). */
  readonly tlsMode: 'istio' | 'disabled';
  /** Name of the workload (pod, WorkloadEntry) for telemetry and debug. */
  readonly workloadName?: string;
  /** Network the endpoint is on (label topology.istio.io/network, WorkloadEntry `network`). */
  readonly network?: string;
}

/**
 * Locality from `region/zone/subzone`, or from the `region.zone.subzone` form of a label value
 * (label values cannot hold `/`). As in Istio, dots separate levels only when there is no slash,
 * so `us-east/us-east-1.a` keeps the dot inside its zone.
 */
export function parseLocality(text: string | undefined): Locality | undefined {
  if (!text) return undefined;
  const [region = '', zone = '', subzone = ''] = text.split(text.includes('/') ? '/' : '.');
  return { region, zone, subzone };
}

export function localityString(locality: Locality | undefined): string {
  if (!locality) return '';
  const parts = [locality.region, locality.zone, locality.subzone];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('/');
}
