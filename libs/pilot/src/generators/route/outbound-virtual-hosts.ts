/**
 * The outbound virtual hosts of one port, for a sidecar (route configuration `<port>`) or a
 * proxyless gRPC client (`<host>:<port>`), as Istio builds them:
 *
 * 1. The services the proxy's egress listener for the port selects, trimmed to that port.
 * 2. Each VirtualService of that listener (oldest first) whose hosts name one of those services
 *    (any VirtualService on port 80) and whose rules leave routes for this proxy and port gives
 *    its routes to the virtual hosts of those services, and of its hosts that are no service.
 *    A service matched by several wildcard hosts belongs to the most specific one.
 * 3. Every other HTTP (or sniffed) service gets a default route to `outbound|<port>||<host>`.
 * 4. Virtual host names are `<host>:<port>`; a name or domain already taken is dropped (the older
 *    VirtualService keeps it), and a short name that is also the FQDN of a known host is dropped.
 */
import { hostMatches, isHttpProtocol, isWildcardHost, type Protocol } from '@mesh/config-model';
import {
  MESH_GATEWAY,
  type EgressListenerScope,
  type Proxy,
  type PushContext,
  type Service,
  type VirtualServiceConfig,
} from '@mesh/mesh-model';
import type { Route, VirtualHost } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { consistentHashFor } from '../common/consistent-hash';
import { defaultServiceRoute } from './default-routes';
import { domainWithPort, serviceDomains } from './domains';
import { buildHttpRoutes, type RouteContext } from './http-routes';

interface VirtualHostGroup {
  readonly services: readonly Service[];
  /** VirtualService hosts that name no service (e.g. `bookinfo.example.com`). */
  readonly otherHosts: readonly string[];
  readonly routes: readonly Route[];
}

export interface OutboundVirtualHostOptions {
  /** Domains carry `:<port>` variants (sidecars and gRPC both match the Host with its port). */
  readonly withPort: boolean;
  readonly proxyless: boolean;
}

/** Routed as HTTP on an outbound port: HTTP protocols, and UNKNOWN (sniffed) ports. */
export function isHttpOrSniffed(protocol: Protocol): boolean {
  return isHttpProtocol(protocol) || protocol === 'UNKNOWN';
}

/**
 * The egress listener that serves a port: the one declaring it, else the catch-all. Sniffed
 * routes (`host:port`) only exist for the catch-all.
 */
export function egressListenerForPort(
  listeners: readonly EgressListenerScope[],
  port: number,
  sniffed: boolean,
): EgressListenerScope | undefined {
  if (!sniffed) {
    const declared = listeners.find((l) => l.port?.number === port);
    if (declared) return declared;
  }
  return listeners.find((l) => l.port?.number === undefined);
}

function trimToPort(service: Service, port: number): Service | undefined {
  const servicePort = service.ports.find((p) => p.port === port);
  if (!servicePort) return undefined;
  return service.ports.length === 1 ? service : { ...service, ports: [servicePort] };
}

/** For each service, the wildcard VirtualService host that matches it most specifically. */
function wildcardOwners(
  virtualServices: readonly VirtualServiceConfig[],
  services: ReadonlyMap<string, Service>,
): Map<string, VirtualServiceConfig> {
  const owners = new Map<string, { vs: VirtualServiceConfig; host: string }>();
  for (const vs of virtualServices) {
    for (const host of vs.spec.hosts ?? []) {
      if (!isWildcardHost(host)) continue;
      for (const hostname of services.keys()) {
        if (!hostMatches(host, hostname)) continue;
        const current = owners.get(hostname);
        // Longer wildcard = more specific; on a tie the older VirtualService keeps it.
        if (!current || host.length > current.host.length) owners.set(hostname, { vs, host });
      }
    }
  }
  return new Map([...owners].map(([hostname, owner]) => [hostname, owner.vs]));
}

function virtualServiceSelectsAny(vs: VirtualServiceConfig, services: ReadonlyMap<string, Service>): boolean {
  return (vs.spec.hosts ?? []).some(
    (host) =>
      services.has(host) ||
      [...services.keys()].some((hostname) => hostMatches(host, hostname) || hostMatches(hostname, host)),
  );
}

function splitHosts(
  vs: VirtualServiceConfig,
  services: ReadonlyMap<string, Service>,
  owners: ReadonlyMap<string, VirtualServiceConfig>,
): { services: Service[]; otherHosts: string[] } {
  const matched: Service[] = [];
  const otherHosts: string[] = [];
  for (const host of vs.spec.hosts ?? []) {
    if (!isWildcardHost(host)) {
      const service = services.get(host);
      if (service) matched.push(service);
      else otherHosts.push(host);
      continue;
    }
    let any = false;
    for (const [hostname, service] of services) {
      if (!hostMatches(host, hostname)) continue;
      any = true;
      if (owners.get(hostname) === vs) matched.push(service);
    }
    if (!any) otherHosts.push(host);
  }
  return { services: [...new Set(matched)], otherHosts };
}

export interface OutboundVirtualHostInputs {
  readonly push: PushContext;
  readonly proxy: Proxy;
  readonly listener: EgressListenerScope;
  readonly port: number;
}

/** The virtual hosts (sorted by name) of a port for a sidecar or proxyless client; no catch-all. */
export function outboundVirtualHosts(
  inputs: OutboundVirtualHostInputs,
  options: OutboundVirtualHostOptions,
): VirtualHost[] {
  const { push, proxy, listener, port } = inputs;
  const services = new Map<string, Service>();
  for (const service of listener.services) {
    const trimmed = trimToPort(service, port);
    if (trimmed) services.set(trimmed.hostname, trimmed);
  }
  const ctx: RouteContext = {
    proxy,
    listenerPort: port,
    gateways: new Set([MESH_GATEWAY]),
    isTls: false,
    proxyless: options.proxyless,
    lookupService: (hostname) => services.get(hostname),
    lookupDestinationRule: (hostname) => push.destinationRuleFor(proxy, hostname),
  };

  // Istio keeps every VirtualService on port 80, where plain-host routing (to hosts outside the
  // registry) is expected; elsewhere only those naming a service here.
  const virtualServices =
    port === 80
      ? listener.virtualServices
      : listener.virtualServices.filter((vs) => virtualServiceSelectsAny(vs, services));
  const owners = wildcardOwners(virtualServices, services);

  const groups: VirtualHostGroup[] = [];
  const covered = new Set<string>();
  for (const vs of virtualServices) {
    const routes = buildHttpRoutes(vs, ctx);
    if (routes.length === 0) continue;
    const split = splitHosts(vs, services, owners);
    const httpServices = split.services.filter((s) =>
      s.ports.some((p) => p.port === port && isHttpOrSniffed(p.protocol)),
    );
    if (httpServices.length === 0 && port !== 80) continue;
    groups.push({ services: httpServices, otherHosts: split.otherHosts, routes });
    for (const service of split.services) covered.add(service.hostname);
  }
  for (const service of services.values()) {
    if (covered.has(service.hostname)) continue;
    const servicePort = service.ports[0];
    if (!isHttpOrSniffed(servicePort.protocol)) continue;
    const rule = push.destinationRuleFor(proxy, service.hostname);
    const hash = consistentHashFor(rule?.spec, port);
    const where = `DestinationRule ${rule?.namespace}/${rule?.name}`;
    groups.push({
      services: [service],
      otherHosts: [],
      routes: [defaultServiceRoute(service.hostname, port, hash, options.proxyless, where)],
    });
  }

  const names = new Set<string>();
  const usedDomains = new Set<string>();
  const knownFqdns = new Set<string>();
  for (const group of groups) {
    for (const service of group.services) {
      knownFqdns.add(service.hostname);
      knownFqdns.add(domainWithPort(service.hostname, port));
    }
  }
  const vhostPort = options.withPort ? port : undefined;
  const build = (hostname: string, routes: readonly Route[], service?: Service): VirtualHost | undefined => {
    const name = domainWithPort(hostname, port);
    if (names.has(name)) return undefined;
    names.add(name);
    const generated = service
      ? serviceDomains(service, vhostPort, proxy.dnsDomain)
      : { domains: vhostPort === undefined ? [hostname] : [hostname, domainWithPort(hostname, port)], altHosts: [] };
    const domains = generated.domains.filter((domain) => {
      const key = domain.toLowerCase();
      if (usedDomains.has(key)) return false;
      if (generated.altHosts.includes(domain) && knownFqdns.has(domain)) return false;
      usedDomains.add(key);
      return true;
    });
    if (domains.length === 0) return undefined;
    return { name, domains, routes: [...routes] };
  };

  const out: VirtualHost[] = [];
  for (const group of groups) {
    for (const host of group.otherHosts) {
      const vhost = build(host, group.routes);
      if (vhost) out.push(vhost);
    }
    for (const service of group.services) {
      const vhost = build(service.hostname, group.routes, service);
      if (vhost) out.push(vhost);
    }
  }
  return out.sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0));
}
