/**
 * Services indexed for lookups: by hostname and namespace (one service per pair: a Kubernetes
 * Service beats a ServiceEntry, then the oldest wins, as in Istio) and by the namespaces that may
 * see them (`exportTo`, with the mesh's `defaultServiceExportTo` when unset).
 */
import { sortedByCreation } from '../ordering';
import { preferredService } from '../registry/service-registry';
import type { Service } from '../service';
import { isVisibleTo, parseExportTo, type Visibility } from '../visibility';

export class ServiceIndex {
  /** Every service, oldest first. */
  readonly all: readonly Service[];
  private readonly byHost = new Map<string, Map<string, Service>>();
  private readonly visibility = new Map<Service, Visibility>();
  private readonly visibleMemo = new Map<string, readonly Service[]>();

  constructor(services: readonly Service[], meshDefaultExportTo: readonly string[]) {
    this.all = Object.freeze(sortedByCreation(services));
    const candidates = new Map<string, Map<string, Service[]>>();
    for (const service of this.all) {
      let byNamespace = candidates.get(service.hostname);
      if (!byNamespace) candidates.set(service.hostname, (byNamespace = new Map()));
      let list = byNamespace.get(service.namespace);
      if (!list) byNamespace.set(service.namespace, (list = []));
      list.push(service);
      this.visibility.set(service, parseExportTo(service.exportTo, service.namespace, meshDefaultExportTo));
    }
    for (const [hostname, byNamespace] of candidates) {
      const chosen = new Map<string, Service>();
      for (const [namespace, list] of byNamespace) chosen.set(namespace, preferredService(list)!);
      this.byHost.set(hostname, chosen);
    }
  }

  /** The service of a hostname in a namespace; without a namespace, the preferred one of any. */
  service(hostname: string, namespace?: string): Service | undefined {
    const byNamespace = this.byHost.get(hostname);
    if (!byNamespace) return undefined;
    if (namespace !== undefined) return byNamespace.get(namespace);
    return preferredService([...byNamespace.values()]);
  }

  /** Namespace → service for a hostname (each the one chosen for that namespace). */
  byNamespace(hostname: string): ReadonlyMap<string, Service> {
    return this.byHost.get(hostname) ?? new Map();
  }

  isVisible(service: Service, clientNamespace: string): boolean {
    const visibility = this.visibility.get(service);
    return visibility !== undefined && isVisibleTo(visibility, clientNamespace);
  }

  /** Services a namespace may see (only the chosen one per hostname and namespace), oldest first. */
  visibleTo(clientNamespace: string): readonly Service[] {
    const cached = this.visibleMemo.get(clientNamespace);
    if (cached) return cached;
    const list = Object.freeze(
      this.all.filter(
        (service) =>
          this.byHost.get(service.hostname)?.get(service.namespace) === service &&
          this.isVisible(service, clientNamespace),
      ),
    );
    this.visibleMemo.set(clientNamespace, list);
    return list;
  }
}
