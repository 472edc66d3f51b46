/**
 * A sidecar's outbound listeners, as Istio builds them from the sidecar scope:
 *
 * - HTTP ports share one listener per port, `0.0.0.0_<port>` (routes by RDS `<port>`), with the
 *   HTTP inspector telling HTTP apart so other TCP traffic to the port passes through;
 * - TCP, TLS and HTTPS ports get a listener per service VIP, `<vip>_<port>` (a CIDR address
 *   listens on 0.0.0.0 and matches the destination range), proxying to the service cluster, to a
 *   VirtualService tcp route's destinations, or, for TLS, by SNI to its tls routes;
 * - UNKNOWN-protocol ports are sniffed: a TCP chain and an HTTP chain (by ALPN) on `<vip>_<port>`,
 *   the HTTP one routing by RDS `<host>:<port>`;
 * - a port claimed by services of different protocols is merged into a sniffed listener.
 *
 * Listeners are virtual (bind_to_port false): the proxy's `virtualOutbound` (15001) hands every
 * captured connection to the listener of its original destination, or handles it itself
 * (PassthroughCluster, or BlackHoleCluster under REGISTRY_ONLY). A Sidecar egress listener with
 * `captureMode: NONE` makes its listeners real ones bound to its `bind` (default 127.0.0.1).
 */
import {
  hostMatches,
  isHttpProtocol,
  isIpAddress,
  isTcpProtocol,
  isTlsProtocol,
  parseProtocol,
  type L4MatchAttributes,
  type MeshConfig,
  type Protocol,
  type TLSMatchAttributes,
} from '@mesh/config-model';
import {
  MESH_GATEWAY,
  type EgressListenerScope,
  type Proxy,
  type PushContext,
  type Service,
  type VirtualServiceConfig,
} from '@mesh/mesh-model';
import { TrafficDirection } from '@mesh/xds/generated/envoy/config/core/v3/base';
import type { Filter, FilterChain } from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import type { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import { durationFromIstio, ZERO_DURATION } from '../common/duration';
import { originalDstListenerFilter, TransportProtocol } from '../common/well-known';
import {
  BLACKHOLE_CLUSTER,
  hostPortRouteName,
  listenerName,
  outboundClusterName,
  outboundRouteName,
  PASSTHROUGH_CLUSTER,
  VIRTUAL_OUTBOUND_LISTENER,
  VIRTUAL_OUTBOUND_PORT,
} from '../naming';
import { destinationCluster } from '../route/http-routes';
import {
  inspectorsFor,
  isMatchAll,
  listenerFiltersFor,
  sameMatch,
  socketAddress,
  toFilterChain,
  type ChainOption,
} from './filter-chains';
import { httpConnectionManagerFilter } from './http-connection-manager';
import { PLAINTEXT_HTTP_ALPNS } from './inbound-mtls';
import { tcpProxyForRoute, tcpProxyToCluster } from './network-filters';

export const WILDCARD = '0.0.0.0';
export const LOCALHOST = '127.0.0.1';
export const PASSTHROUGH_FILTER_CHAIN = 'PassthroughFilterChain';
export const VIRTUAL_OUTBOUND_BLACKHOLE_CHAIN = 'virtualOutbound-blackhole';

type Handling = 'http' | 'tcp' | 'auto';

interface ListenPort {
  readonly port: number;
  readonly protocol: Protocol;
}

interface Entry {
  readonly bind: string;
  readonly port: number;
  readonly bindToPort: boolean;
  /** Protocol of the listener after merges: `auto` once HTTP and TCP share it. */
  handling: Handling;
  chains: ChainOption[];
  locked: boolean;
}

interface OutboundContext {
  readonly push: PushContext;
  readonly proxy: Proxy;
  readonly mesh: MeshConfig;
  readonly entries: Map<string, Entry>;
}

function handlingOf(protocol: Protocol): Handling | undefined {
  if (isHttpProtocol(protocol)) return 'http';
  if (protocol === 'UNKNOWN') return 'auto';
  if (isTcpProtocol(protocol)) return 'tcp';
  return undefined; // UDP: not proxied
}

/** The address a service's TCP listener binds: its first VIP, or 0.0.0.0 (with a CIDR match for a range). */
function serviceListenAddress(service: Service): { address: string; cidrs: string[] } {
  const vip = service.addresses[0];
  if (!vip) return { address: WILDCARD, cidrs: [] };
  if (vip.includes('/')) return { address: WILDCARD, cidrs: [...service.addresses] };
  return { address: vip, cidrs: [] };
}

/** VirtualServices of the listener that name this service (hosts match its hostname). */
function virtualServicesForHost(virtualServices: readonly VirtualServiceConfig[], hostname: string) {
  return virtualServices.filter((vs) => (vs.spec.hosts ?? []).some((host) => hostMatches(host, hostname)));
}

function l4Applies(match: L4MatchAttributes | TLSMatchAttributes, proxy: Proxy, port: number): boolean {
  const gateways = match.gateways ?? [];
  if (gateways.length > 0 && !gateways.includes(MESH_GATEWAY)) return false;
  if (!Object.entries(match.sourceLabels ?? {}).every(([k, v]) => proxy.labels[k] === v)) return false;
  if (match.port !== undefined && match.port !== 0 && match.port !== port) return false;
  return !match.sourceNamespace || match.sourceNamespace === proxy.namespace;
}

function lookupFor(push: PushContext, proxy: Proxy) {
  return (hostname: string) => push.serviceFor(proxy, hostname);
}

/** The port of the service cluster: the service's only port, else the listener's. */
function servicePort(service: Service, listenPort: number): number {
  return service.ports.length === 1 ? service.ports[0].port : listenPort;
}

/** TLS/HTTPS ports: one chain per distinct SNI match of the tls routes, else the service by SNI or address. */
function tlsChains(
  ctx: OutboundContext,
  service: Service,
  listen: ListenPort,
  bind: string,
  cidrs: readonly string[],
  virtualServices: readonly VirtualServiceConfig[],
): ChainOption[] {
  const out: ChainOption[] = [];
  const handled = new Set<string>();
  for (const vs of virtualServices) {
    for (const route of vs.spec.tls ?? []) {
      for (const match of route.match ?? []) {
        if (!l4Applies(match, ctx.proxy, listen.port)) continue;
        const destinationCidrs = match.destinationSubnets?.length ? match.destinationSubnets : cidrs;
        const key = `${match.sniHosts.join(',')}|${(match.destinationSubnets ?? []).join(',')}`;
        if (handled.has(key)) continue;
        handled.add(key);
        out.push({
          sniHosts: match.sniHosts,
          destinationCidrs,
          filters: [tcpProxyForRoute(route.route ?? [], vs, listen.port, lookupFor(ctx.push, ctx.proxy), ctx.mesh)],
        });
      }
    }
  }
  if (out.length > 0) return out;
  const { address } = serviceListenAddress(service);
  // With no address of its own to tell it apart, the service is recognised by SNI.
  const bySni = cidrs.length > 0 || (address === WILDCARD && bind === WILDCARD);
  const cluster = outboundClusterName(servicePort(service, listen.port), '', service.hostname);
  return [
    {
      sniHosts: bySni ? [service.hostname] : [],
      destinationCidrs: cidrs,
      filters: [tcpProxyToCluster(cluster, ctx.mesh)],
    },
  ];
}

/** Opaque TCP ports: the first tcp route that applies (by destination subnet when it has some), else the service cluster. */
function tcpChains(
  ctx: OutboundContext,
  service: Service,
  listen: ListenPort,
  cidrs: readonly string[],
  virtualServices: readonly VirtualServiceConfig[],
): ChainOption[] {
  const out: ChainOption[] = [];
  const lookup = lookupFor(ctx.push, ctx.proxy);
  let defaultAdded = false;
  outer: for (const vs of virtualServices) {
    for (const route of vs.spec.tcp ?? []) {
      const filters = () => [tcpProxyForRoute(route.route ?? [], vs, listen.port, lookup, ctx.mesh)];
      if (!route.match || route.match.length === 0) {
        out.push({ destinationCidrs: cidrs, filters: filters() });
        defaultAdded = true;
        break outer;
      }
      const subnets: string[] = [];
      for (const match of route.match) {
        if (!l4Applies(match, ctx.proxy, listen.port)) continue;
        if (!match.destinationSubnets?.length) {
          out.push({ destinationCidrs: cidrs, filters: filters() });
          defaultAdded = true;
          break outer;
        }
        subnets.push(...match.destinationSubnets);
      }
      if (subnets.length > 0) {
        out.push({ destinationCidrs: subnets, filters: filters() });
        if ([...subnets].sort().join(',') === [...cidrs].sort().join(',')) defaultAdded = true;
      }
    }
  }
  if (!defaultAdded) {
    const cluster = outboundClusterName(servicePort(service, listen.port), '', service.hostname);
    out.push({ destinationCidrs: cidrs, filters: [tcpProxyToCluster(cluster, ctx.mesh)] });
  }
  return out;
}

function networkChains(
  ctx: OutboundContext,
  service: Service,
  listen: ListenPort,
  bind: string,
  cidrs: readonly string[],
  virtualServices: readonly VirtualServiceConfig[],
): ChainOption[] {
  const forHost = virtualServicesForHost(virtualServices, service.hostname);
  return isTlsProtocol(listen.protocol)
    ? tlsChains(ctx, service, listen, bind, cidrs, forHost)
    : tcpChains(ctx, service, listen, cidrs, forHost);
}

function httpChain(ctx: OutboundContext, rds: string, sniffed: boolean): ChainOption {
  return {
    ...(sniffed ? { applicationProtocols: PLAINTEXT_HTTP_ALPNS, transportProtocol: TransportProtocol.RawBuffer } : {}),
    filters: (name: string) => [
      httpConnectionManagerFilter({ kind: 'sidecar-outbound', statPrefix: `outbound_${name}`, rds, mesh: ctx.mesh }),
    ],
  };
}

function mergeChains(entry: Entry, incoming: readonly ChainOption[]): void {
  for (const chain of incoming) {
    // Envoy rejects two chains with one match; the older service keeps it (Istio reports a conflict).
    if (!entry.chains.some((existing) => sameMatch(existing, chain))) entry.chains.push(chain);
  }
}

interface ServicePortBinding {
  readonly bind?: string;
  readonly bindToPort: boolean;
}

function addServicePort(
  ctx: OutboundContext,
  service: Service,
  listen: ListenPort,
  binding: ServicePortBinding,
  virtualServices: readonly VirtualServiceConfig[],
): void {
  const handling = handlingOf(listen.protocol);
  if (!handling) return;
  let bind = binding.bind;
  let cidrs: string[] = [];
  if (!bind) {
    if (handling === 'http') bind = WILDCARD;
    else ({ address: bind, cidrs } = serviceListenAddress(service));
  }
  const key = listenerName(bind, listen.port);
  const existing = ctx.entries.get(key);
  if (existing?.locked) return;

  if (handling === 'http') {
    // On the wildcard address the HTTP chain matches by ALPN so other TCP can still pass through.
    const sniffed = bind === WILDCARD;
    const chain = httpChain(ctx, outboundRouteName(listen.port), sniffed);
    if (existing) {
      if (existing.handling !== 'tcp') return; // the port's HTTP listener already exists
      mergeChains(existing, [chain]);
      existing.handling = 'auto';
      return;
    }
    ctx.entries.set(key, {
      bind,
      port: listen.port,
      bindToPort: binding.bindToPort,
      handling: sniffed ? 'auto' : 'http',
      chains: [chain],
      locked: false,
    });
    return;
  }

  const tcp = networkChains(ctx, service, listen, bind, cidrs, virtualServices);
  if (handling === 'tcp') {
    if (existing) {
      mergeChains(existing, tcp);
      if (existing.handling === 'http') existing.handling = 'auto';
      return;
    }
    ctx.entries.set(key, {
      bind,
      port: listen.port,
      bindToPort: binding.bindToPort,
      handling,
      chains: tcp,
      locked: false,
    });
    return;
  }

  // Sniffed (UNKNOWN) port: TCP chains plus an HTTP chain chosen by ALPN. A service with its own
  // address gets its own route configuration `<host>:<port>`.
  const rds = bind === WILDCARD ? outboundRouteName(listen.port) : hostPortRouteName(service.hostname, listen.port);
  const chains = [...tcp, httpChain(ctx, rds, true)];
  if (existing) {
    if (existing.handling === 'auto') return;
    if (existing.handling === 'http') {
      // Istio lets the sniffed service take over a plain HTTP listener on the same address.
      existing.chains = chains;
      existing.handling = 'auto';
      return;
    }
    mergeChains(existing, chains);
    existing.handling = 'auto';
    return;
  }
  ctx.entries.set(key, {
    bind,
    port: listen.port,
    bindToPort: binding.bindToPort,
    handling: 'auto',
    chains,
    locked: false,
  });
}

/** Headless services (no VIP, original destination) have a TCP listener per endpoint address. */
function headlessBinds(ctx: OutboundContext, service: Service, port: number): string[] | undefined {
  if (service.resolution !== 'Passthrough' || service.addresses.length > 0) return undefined;
  const endpoints = ctx.push.endpointsForServicePort(service, port);
  if (endpoints.length === 0 && service.registry !== 'Kubernetes' && !service.selector) return undefined;
  const own = ctx.proxy.ipAddresses[0];
  return [...new Set(endpoints.map((e) => e.address))].filter((address) => isIpAddress(address) && address !== own);
}

function bindingFor(listener: EgressListenerScope, captureNone: boolean): ServicePortBinding {
  const bindToPort = captureNone || listener.captureMode === 'NONE' || (listener.bind ?? '').startsWith('unix://');
  const bind = listener.bind || (bindToPort ? LOCALHOST : undefined);
  return { bind, bindToPort };
}

/** The tcp_proxy for traffic no listener claims: pass it through, or drop it under REGISTRY_ONLY. */
export function catchAllNetworkFilters(push: PushContext, proxy: Proxy): Filter[] {
  const policy = push.sidecarScopeFor(proxy).outboundTrafficPolicy;
  if (policy.mode === 'REGISTRY_ONLY') return [tcpProxyToCluster(BLACKHOLE_CLUSTER, push.mesh)];
  const cluster = policy.egressProxy ? destinationCluster(policy.egressProxy, undefined, 0) : PASSTHROUGH_CLUSTER;
  return [tcpProxyToCluster(cluster, push.mesh)];
}

function passthroughChain(push: PushContext, proxy: Proxy): FilterChain {
  return { name: PASSTHROUGH_FILTER_CHAIN, filters: catchAllNetworkFilters(push, proxy) };
}

function finalize(ctx: OutboundContext, entry: Entry): Listener {
  const name = listenerName(entry.bind, entry.port);
  const inspectors = inspectorsFor(entry.chains);
  const listener: Listener = {
    name,
    address: socketAddress(entry.bind, entry.port),
    trafficDirection: TrafficDirection.OUTBOUND,
    continueOnListenerFiltersTimeout: true,
  };
  if (!entry.bindToPort) listener.bindToPort = false;
  const listenerFilters = listenerFiltersFor(inspectors);
  if (listenerFilters.length > 0) listener.listenerFilters = listenerFilters;
  listener.listenerFiltersTimeout = inspectors.http
    ? durationFromIstio(ctx.mesh.protocolDetectionTimeout, 'MeshConfig protocolDetectionTimeout')
    : ZERO_DURATION;

  const filterChains: FilterChain[] = [];
  let defaultChain: FilterChain | undefined;
  for (const option of entry.chains) {
    const chain = toFilterChain(option, name);
    if (isMatchAll(option)) defaultChain = chain;
    else filterChains.push(chain);
  }
  if (defaultChain && filterChains.length === 0) listener.filterChains = [defaultChain];
  else {
    listener.filterChains = filterChains;
    listener.defaultFilterChain = defaultChain ?? passthroughChain(ctx.push, ctx.proxy);
  }
  return listener;
}

/** The per-service outbound listeners of a sidecar, sorted by name. */
export function sidecarOutboundListeners(push: PushContext, proxy: Proxy): Listener[] {
  const ctx: OutboundContext = { push, proxy, mesh: push.mesh, entries: new Map() };
  const captureNone = proxy.metadata.INTERCEPTION_MODE === 'NONE';
  for (const listener of push.sidecarScopeFor(proxy).egressListeners) {
    const binding = bindingFor(listener, captureNone);
    if (listener.port?.number !== undefined) {
      const listen = { port: listener.port.number, protocol: parseProtocol(listener.port.protocol ?? '') };
      for (const service of listener.services) addServicePort(ctx, service, listen, binding, listener.virtualServices);
      continue;
    }
    // The catch-all listener only adds ports the explicit listeners did not declare.
    for (const entry of ctx.entries.values()) entry.locked = true;
    for (const service of listener.services) {
      for (const port of service.ports) {
        const listen = { port: port.port, protocol: port.protocol };
        const perEndpoint =
          binding.bind === undefined && handlingOf(port.protocol) !== 'http'
            ? headlessBinds(ctx, service, port.port)
            : undefined;
        if (perEndpoint) {
          for (const bind of perEndpoint) {
            addServicePort(ctx, service, listen, { bind, bindToPort: binding.bindToPort }, listener.virtualServices);
          }
        } else {
          addServicePort(ctx, service, listen, binding, listener.virtualServices);
        }
      }
    }
  }
  return [...ctx.entries.values()]
    .map((entry) => finalize(ctx, entry))
    .sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0));
}

/**
 * `virtualOutbound` on 0.0.0.0:15001: where iptables sends outbound connections. It hands each to
 * the listener of its original destination (use_original_dst); what no listener claims goes to
 * PassthroughCluster (BlackHoleCluster under REGISTRY_ONLY). Connections addressed to 15001
 * itself are dropped, so a loop cannot form.
 */
export function virtualOutboundListener(push: PushContext, proxy: Proxy): Listener {
  return {
    name: VIRTUAL_OUTBOUND_LISTENER,
    address: socketAddress(WILDCARD, VIRTUAL_OUTBOUND_PORT),
    useOriginalDst: true,
    trafficDirection: TrafficDirection.OUTBOUND,
    listenerFilters: [originalDstListenerFilter()],
    filterChains: [
      {
        name: VIRTUAL_OUTBOUND_BLACKHOLE_CHAIN,
        filterChainMatch: { destinationPort: VIRTUAL_OUTBOUND_PORT },
        filters: [tcpProxyToCluster(BLACKHOLE_CLUSTER, push.mesh)],
      },
    ],
    defaultFilterChain: passthroughChain(push, proxy),
  };
}
