/**
 * The mesh's services as analyzers need them: every Kubernetes Service (by its FQDN) and every
 * ServiceEntry host, with ports, the selector that picks its workloads and the namespaces that can
 * see it (`exportTo`). Hosts in configs are resolved the way Istio does: a short name against the
 * namespace of the config that wrote it.
 */
import {
  hostMatches,
  isRecord,
  isSubsetOf,
  isWildcardHost,
  serviceFqdn,
  type Config,
  type SpecOf,
} from '@mesh/config-model';
import type { AnalysisContext } from './analyzer';

export interface RegistryPort {
  readonly number: number;
  readonly name?: string;
  /** A Service's targetPort (number or container port name); a ServiceEntry's targetPort. */
  readonly targetPort?: number | string;
}

export interface RegistryService {
  readonly hostname: string;
  /** The Service or ServiceEntry that declares it. */
  readonly config: Config;
  readonly ports: readonly RegistryPort[];
  /**
   * Labels of the workloads behind it: a Service's `selector`, a ServiceEntry's
   * `workloadSelector.labels`; undefined when it names none (hand-managed endpoints, external hosts).
   */
  readonly selector?: Readonly<Record<string, string>>;
  /** Labels of a ServiceEntry's inline `endpoints`. */
  readonly endpointLabels: readonly Readonly<Record<string, string>>[];
  /** Namespaces that see it: `*` for all, else names. */
  readonly visibleTo: readonly string[];
}

const SERVICE_EXPORT_TO = 'networking.istio.io/exportTo';

/** Needs `Service` and `ServiceEntry` among the analyzer's inputs. */
export function registryServices(context: AnalysisContext): RegistryService[] {
  const services: RegistryService[] = [];
  for (const service of context.list('Service')) {
    const spec: SpecOf<'Service'> = isRecord(service.spec) ? service.spec : {};
    const exportTo = service.annotations[SERVICE_EXPORT_TO]?.split(',').map((entry) => entry.trim());
    const selector = spec.selector && Object.keys(spec.selector).length > 0 ? spec.selector : undefined;
    services.push({
      hostname: serviceFqdn(service.name, service.namespace, context.domainSuffix),
      config: service,
      ports: (spec.ports ?? []).map((port) => ({
        number: port.port,
        ...(port.name !== undefined ? { name: port.name } : {}),
        ...(port.targetPort !== undefined ? { targetPort: port.targetPort } : {}),
      })),
      ...(selector ? { selector } : {}),
      endpointLabels: [],
      visibleTo: visibility(exportTo, service.namespace),
    });
  }
  for (const entry of context.list('ServiceEntry')) {
    const spec = entry.spec;
    const selector = spec.workloadSelector?.labels;
    for (const host of spec.hosts ?? []) {
      services.push({
        hostname: host,
        config: entry,
        ports: (spec.ports ?? []).map((port) => ({
          number: port.number,
          ...(port.name !== undefined ? { name: port.name } : {}),
          ...(port.targetPort !== undefined ? { targetPort: port.targetPort } : {}),
        })),
        ...(selector ? { selector } : {}),
        endpointLabels: (spec.endpoints ?? []).map((endpoint) => endpoint.labels ?? {}),
        visibleTo: visibility(spec.exportTo, entry.namespace),
      });
    }
  }
  return services;
}

/** `exportTo` as namespaces: absent or empty means everywhere; `.` is the owner's; `~` nowhere. */
export function visibility(exportTo: readonly string[] | undefined, ownNamespace: string): string[] {
  if (!exportTo || exportTo.length === 0) return ['*'];
  return exportTo.filter((entry) => entry !== '~').map((entry) => (entry === '.' ? ownNamespace : entry));
}

export function isVisibleFrom(visibleTo: readonly string[], namespace: string): boolean {
  return visibleTo.includes('*') || visibleTo.includes(namespace);
}

/**
 * The services a (resolved) host names, as seen from `namespace`: an exact hostname first; else
 * ServiceEntry wildcards that cover it; for a wildcard host (`*.example.com`, a DestinationRule's
 * `*.svc.cluster.local`), every service it covers.
 */
export function servicesForHost(
  services: readonly RegistryService[],
  host: string,
  namespace: string,
): RegistryService[] {
  const visible = services.filter((s) => isVisibleFrom(s.visibleTo, namespace));
  const wanted = host.toLowerCase();
  const exact = visible.filter((s) => s.hostname.toLowerCase() === wanted);
  if (exact.length > 0) return exact;
  if (isWildcardHost(host)) return visible.filter((s) => isSubsetOf(s.hostname, host));
  return visible.filter((s) => isWildcardHost(s.hostname) && hostMatches(s.hostname, host));
}
