/**
 * ServiceEntry → Services and endpoints, as Istio converts them:
 * - one Service per host, all sharing the entry's ports, addresses, resolution and location;
 * - resolution NONE → Passthrough, STATIC → ClientSideLB, DNS → DNSLB, DNS_ROUND_ROBIN →
 *   DNSRoundRobinLB (default NONE); location MESH_EXTERNAL unless MESH_INTERNAL (the API default
 *   is MESH_EXTERNAL);
 * - endpoints from the inline `endpoints` (each one per host and port), or, with
 *   `workloadSelector`, from the WorkloadEntries and Pods of the entry's namespace that it selects
 *   (computed per workload in service-registry.ts); a DNS or DNS_ROUND_ROBIN entry with neither
 *   gets one endpoint per host whose address is the host itself, for the proxy to resolve.
 */
import { configKey, parseProtocol, type ConfigOfKind, type ServiceEntryResolution } from '@mesh/config-model';
import type { Endpoint, Resolution, Service, ServicePort } from '../service';
import { dropUndefined, endpointsOfWorkload, workloadFromEntrySpec, type WorkloadInstance } from './workload';

export type ServiceEntryConfig = ConfigOfKind<'ServiceEntry'>;

const RESOLUTIONS: Readonly<Record<ServiceEntryResolution, Resolution>> = {
  NONE: 'Passthrough',
  STATIC: 'ClientSideLB',
  DNS: 'DNSLB',
  DNS_ROUND_ROBIN: 'DNSRoundRobinLB',
};

export function resolutionOf(resolution: ServiceEntryResolution | undefined): Resolution {
  return RESOLUTIONS[resolution ?? 'NONE'] ?? 'Passthrough';
}

/** `exportTo` as stored on a Service: as written, with `.` replaced by the owner's namespace. */
export function exportToOf(entries: readonly string[] | undefined, namespace: string): string[] {
  return (entries ?? []).map((entry) => (entry === '.' ? namespace : entry));
}

export function servicesFromServiceEntry(config: ServiceEntryConfig): Service[] {
  const spec = config.spec;
  const ports: ServicePort[] = (spec.ports ?? []).map((port) =>
    dropUndefined({
      name: port.name,
      port: port.number,
      // An entry port without `protocol` is sniffed, as Istio does.
      protocol: parseProtocol(port.protocol ?? ''),
      targetPort: port.targetPort,
    }),
  );
  const selector = spec.workloadSelector ? { ...(spec.workloadSelector.labels ?? {}) } : undefined;
  return (spec.hosts ?? []).map((hostname) =>
    dropUndefined({
      hostname,
      namespace: config.namespace,
      name: config.name,
      registry: 'External' as const,
      ports,
      resolution: resolutionOf(spec.resolution),
      meshExternal: spec.location !== 'MESH_INTERNAL',
      addresses: [...(spec.addresses ?? [])],
      labels: config.labels,
      exportTo: exportToOf(spec.exportTo, config.namespace),
      selector,
      subjectAltNames: spec.subjectAltNames ? [...spec.subjectAltNames] : undefined,
      sourceKey: configKey(config),
      creationTimestamp: config.creationTimestamp,
    }),
  );
}

/** Does the entry's `workloadSelector` pick this workload (same namespace, every label equal)? */
export function serviceEntrySelects(config: ServiceEntryConfig, workload: WorkloadInstance): boolean {
  const selector = config.spec.workloadSelector;
  if (!selector || config.namespace !== workload.namespace) return false;
  for (const [key, value] of Object.entries(selector.labels ?? {})) {
    if (workload.labels[key] !== value) return false;
  }
  return true;
}

/**
 * The endpoints the entry defines by itself: its inline `endpoints`, or for DNS resolution with
 * no endpoints and no selector, the hosts themselves. Selected workloads are not included.
 */
export function ownEndpointsOfServiceEntry(config: ServiceEntryConfig, services: readonly Service[]): Endpoint[] {
  const spec = config.spec;
  if (spec.endpoints && spec.endpoints.length > 0) {
    const out: Endpoint[] = [];
    spec.endpoints.forEach((entry, index) => {
      const workload = workloadFromEntrySpec(entry, {
        key: `${configKey(config)}#endpoints[${index}]`,
        name: config.name,
        namespace: config.namespace,
      });
      if (!workload) return;
      for (const service of services) out.push(...endpointsOfWorkload(workload, service));
    });
    return out;
  }
  const dns = spec.resolution === 'DNS' || spec.resolution === 'DNS_ROUND_ROBIN';
  if (!dns || spec.workloadSelector) return [];
  const out: Endpoint[] = [];
  for (const service of services) {
    // A wildcard host has no name to resolve.
    if (service.hostname.startsWith('*')) continue;
    for (const port of service.ports) {
      out.push({
        hostname: service.hostname,
        servicePortName: port.name,
        address: service.hostname,
        port: port.targetPort ?? port.port,
        labels: {},
        namespace: service.namespace,
        health: 'Healthy',
        tlsMode: 'disabled',
      });
    }
  }
  return out;
}
