/**
 * The outbound clusters a proxy has, before any Envoy message is built: one per visible service
 * port (`outbound|<port>||<host>`) plus one per DestinationRule subset
 * (`outbound|<port>|<subset>|<host>`). CDS builds clusters from these and EDS resolves a
 * requested cluster name back to one, so both agree on which service, port, subset and rule a
 * name stands for.
 *
 * Which services: a sidecar's come from its Sidecar scope (egress hosts, exportTo); a router's are
 * the destinations of the VirtualServices bound to its Gateways (Istio's gateway cluster
 * filtering), since a gateway routes nowhere else. UDP ports get no cluster.
 */
import type { Subset } from '@mesh/config-model';
import {
  virtualServiceDestinations,
  type MergedDestinationRule,
  type Proxy,
  type PushContext,
  type Service,
  type ServicePort,
} from '@mesh/mesh-model';
import { outboundClusterName, parseClusterName } from '../naming';

export interface OutboundTarget {
  readonly clusterName: string;
  readonly service: Service;
  readonly port: ServicePort;
  /** The DestinationRule subset of a subset cluster. */
  readonly subset?: Subset;
  /** The rule in force for this proxy and host (it defines the subsets and policies). */
  readonly rule?: MergedDestinationRule;
}

/** Services a router needs clusters for: every VirtualService destination on its Gateways. */
export function routerServices(push: PushContext, proxy: Proxy): Service[] {
  const hosts = new Set<string>();
  for (const vs of push.virtualServicesFor(proxy)) {
    for (const host of virtualServiceDestinations(vs.spec, proxy.namespace).keys()) hosts.add(host);
  }
  const out: Service[] = [];
  for (const host of hosts) {
    const service = push.serviceFor(proxy, host);
    if (service) out.push(service);
  }
  return out;
}

/** The services whose ports become outbound clusters for this proxy, in the scope's order. */
export function outboundServices(push: PushContext, proxy: Proxy): readonly Service[] {
  if (proxy.type === 'router') {
    const wanted = new Set(routerServices(push, proxy));
    return push.servicesFor(proxy).filter((service) => wanted.has(service));
  }
  return push.servicesFor(proxy);
}

function targetsOfPort(service: Service, port: ServicePort, rule: MergedDestinationRule | undefined): OutboundTarget[] {
  const base = { service, port, ...(rule ? { rule } : {}) };
  const out: OutboundTarget[] = [{ clusterName: outboundClusterName(port.port, '', service.hostname), ...base }];
  for (const subset of rule?.spec.subsets ?? []) {
    out.push({ clusterName: outboundClusterName(port.port, subset.name, service.hostname), ...base, subset });
  }
  return out;
}

/** Every outbound cluster of the proxy: per service, per port, the default cluster then its subsets. */
export function outboundTargets(push: PushContext, proxy: Proxy): OutboundTarget[] {
  const out: OutboundTarget[] = [];
  for (const service of outboundServices(push, proxy)) {
    const rule = push.destinationRuleFor(proxy, service.hostname);
    for (const port of service.ports) {
      if (port.protocol === 'UDP') continue;
      out.push(...targetsOfPort(service, port, rule));
    }
  }
  return out;
}

/**
 * What an `outbound|…` name means for this proxy: undefined when the name is not an outbound
 * cluster name, the host is not a service the proxy may see, the port is not one of its ports, or
 * the subset is not defined by the rule in force.
 */
export function outboundTargetForName(
  push: PushContext,
  proxy: Proxy,
  clusterName: string,
): OutboundTarget | undefined {
  const parsed = parseClusterName(clusterName);
  if (!parsed || parsed.direction !== 'outbound') return undefined;
  const service = push.serviceFor(proxy, parsed.hostname);
  const port = service?.ports.find((candidate) => candidate.port === parsed.port);
  if (!service || !port || port.protocol === 'UDP') return undefined;
  const rule = push.destinationRuleFor(proxy, service.hostname);
  if (parsed.subset === '') return { clusterName, service, port, ...(rule ? { rule } : {}) };
  const subset = rule?.spec.subsets?.find((candidate) => candidate.name === parsed.subset);
  if (!rule || !subset) return undefined;
  return { clusterName, service, port, rule, subset };
}
