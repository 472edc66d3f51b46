/**
 * A sidecar's inbound listener `virtualInbound` (0.0.0.0:15006), where iptables sends every
 * connection to the workload. Its filter chains, by destination port:
 *
 * - for each port the workload serves (its service targets, or the Sidecar's `ingress`
 *   listeners when it has any), chains per the port's mTLS mode (PeerAuthentication, port-level
 *   settings included) and protocol: an HTTP connection manager with an inline route to
 *   `inbound|<port>||`, or a TCP proxy to it; `0.0.0.0_<port>` names them;
 * - passthrough chains for ports nobody declared, to InboundPassthroughCluster, under the
 *   workload's mode (and under each port-level mode of an undeclared port);
 * - a chain dropping connections addressed to 15006 itself (no loop).
 *
 * An ingress listener with `captureMode: NONE` gets a real listener bound to its address instead.
 * The TLS and HTTP inspectors run only on ports whose chains need them, so server-first
 * protocols (MySQL, SMTP) are never held up waiting for a first byte that does not come.
 */
import { isHttpProtocol, parseProtocol, type MeshConfig, type Protocol } from '@mesh/config-model';
import type { EffectiveMtlsMode, Proxy, PushContext } from '@mesh/mesh-model';
import { TrafficDirection } from '@mesh/xds/generated/envoy/config/core/v3/base';
import type { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import type {
  FilterChain,
  ListenerFilter,
  ListenerFilterChainMatchPredicate,
} from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import type { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import { durationFromIstio, ZERO_DURATION } from '../common/duration';
import { serviceTargetsFor } from '../common/service-targets';
import {
  httpInspectorListenerFilter,
  originalDstListenerFilter,
  tlsInspectorListenerFilter,
  TransportProtocol,
} from '../common/well-known';
import {
  BLACKHOLE_CLUSTER,
  INBOUND_PASSTHROUGH_CLUSTER,
  inboundClusterName,
  listenerName,
  VIRTUAL_INBOUND_LISTENER,
  VIRTUAL_INBOUND_PORT,
} from '../naming';
import { socketAddress } from './filter-chains';
import { httpConnectionManagerFilter } from './http-connection-manager';
import {
  downstreamTlsTransportSocket,
  inboundChainOptions,
  inboundMtlsContext,
  PLAINTEXT_HTTP_ALPNS,
  type ChainMatchOption,
  type PortHandling,
} from './inbound-mtls';
import { tcpProxyToCluster } from './network-filters';

export const VIRTUAL_INBOUND_BLACKHOLE_CHAIN = 'virtualInbound-blackhole';
export const VIRTUAL_INBOUND_CATCHALL_HTTP_CHAIN = 'virtualInbound-catchall-http';
const WILDCARD = '0.0.0.0';

interface InboundPort {
  readonly targetPort: number;
  readonly protocol: Protocol;
  /** For the trace decorator: the service the port belongs to. */
  readonly hostname: string;
  readonly bind: string;
  readonly bindToPort: boolean;
}

function handlingOf(protocol: Protocol): PortHandling {
  if (isHttpProtocol(protocol)) return 'http';
  if (protocol === 'UNKNOWN') return 'auto';
  return 'tcp';
}

/** The ports the workload serves: the Sidecar's ingress listeners, else its service targets (oldest service wins a port). */
function inboundPorts(push: PushContext, proxy: Proxy): InboundPort[] {
  const scope = push.sidecarScopeFor(proxy);
  const byPort = new Map<number, InboundPort>();
  if (scope.ingressListeners.length > 0) {
    const synthetic = scope.sidecar ? `${scope.sidecar.name}.${scope.sidecar.namespace}` : proxy.namespace;
    for (const ingress of scope.ingressListeners) {
      const targetPort = ingress.port.number;
      if (targetPort === undefined || byPort.has(targetPort)) continue;
      byPort.set(targetPort, {
        targetPort,
        protocol: parseProtocol(ingress.port.protocol ?? ''),
        hostname: synthetic,
        bind: ingress.bind || WILDCARD,
        bindToPort: ingress.captureMode === 'NONE',
      });
    }
  } else {
    for (const target of serviceTargetsFor(push, proxy.ipAddresses)) {
      if (byPort.has(target.targetPort)) continue;
      byPort.set(target.targetPort, {
        targetPort: target.targetPort,
        protocol: target.port.protocol,
        hostname: target.service.hostname,
        bind: WILDCARD,
        bindToPort: false,
      });
    }
  }
  return [...byPort.values()].sort((a, b) => a.targetPort - b.targetPort);
}

/**
 * Everything the inbound listeners read about the proxy beyond its view (namespace, Sidecar,
 * labels: see proxy-view-cache.ts): the ports its workload serves. Pods of one deployment share it.
 */
export function inboundPortsKey(push: PushContext, proxy: Proxy): string {
  return inboundPorts(push, proxy)
    .map((p) => `${p.targetPort}/${p.protocol}/${p.hostname}/${p.bind}/${p.bindToPort}`)
    .join(',');
}

/** The inline route of an inbound HTTP chain: everything to the local cluster, no timeout. */
function inboundRouteConfiguration(cluster: string, vhostPort: number, operation: string): RouteConfiguration {
  return {
    name: cluster,
    virtualHosts: [
      {
        name: `inbound|http|${vhostPort}`,
        domains: ['*'],
        routes: [
          {
            name: 'default',
            match: { prefix: '/' },
            route: {
              cluster,
              timeout: ZERO_DURATION,
              maxStreamDuration: { maxStreamDuration: ZERO_DURATION, grpcTimeoutHeaderMax: ZERO_DURATION },
            },
            decorator: { operation },
          },
        ],
      },
    ],
    validateClusters: false,
  };
}

interface ChainTarget {
  readonly cluster: string;
  /** Chain names: `0.0.0.0_<port>`, or the fixed names of the passthrough chains. */
  readonly httpName: string;
  readonly tcpName: string;
  readonly httpStatPrefix: string;
  readonly tcpStatPrefix: string;
  readonly vhostPort: number;
  readonly operation: string;
  readonly destinationPort?: number;
  readonly http2: boolean;
}

function chainsFor(target: ChainTarget, options: readonly ChainMatchOption[], mesh: MeshConfig): FilterChain[] {
  return options.map((option) => {
    const chain: FilterChain = {
      name: option.protocol === 'http' ? target.httpName : target.tcpName,
      filterChainMatch: {
        ...(target.destinationPort !== undefined ? { destinationPort: target.destinationPort } : {}),
        transportProtocol: option.transportProtocol,
        ...(option.applicationProtocols ? { applicationProtocols: [...option.applicationProtocols] } : {}),
      },
      filters:
        option.protocol === 'http'
          ? [
              httpConnectionManagerFilter({
                kind: 'sidecar-inbound',
                statPrefix: target.httpStatPrefix,
                routeConfig: inboundRouteConfiguration(target.cluster, target.vhostPort, target.operation),
                http2: target.http2,
                mesh,
              }),
            ]
          : [tcpProxyToCluster(target.cluster, mesh, target.tcpStatPrefix)],
    };
    if (option.mtls) chain.transportSocket = downstreamTlsTransportSocket(inboundMtlsContext(option.protocol));
    return chain;
  });
}

function portChains(port: InboundPort, mode: EffectiveMtlsMode, mesh: MeshConfig): FilterChain[] {
  const name = listenerName(port.bind, port.targetPort);
  const cluster = inboundClusterName(port.targetPort);
  const target: ChainTarget = {
    cluster,
    httpName: name,
    tcpName: name,
    httpStatPrefix: `inbound_${name}`,
    tcpStatPrefix: cluster,
    vhostPort: port.targetPort,
    operation: `${port.hostname}:${port.targetPort}/*`,
    destinationPort: port.targetPort,
    http2: port.protocol === 'HTTP2' || port.protocol === 'GRPC' || port.protocol === 'GRPC-Web',
  };
  return chainsFor(target, inboundChainOptions(handlingOf(port.protocol), mode), mesh);
}

function passthroughChains(
  mode: EffectiveMtlsMode,
  destinationPort: number | undefined,
  mesh: MeshConfig,
): FilterChain[] {
  const target: ChainTarget = {
    cluster: INBOUND_PASSTHROUGH_CLUSTER,
    httpName: VIRTUAL_INBOUND_CATCHALL_HTTP_CHAIN,
    tcpName: VIRTUAL_INBOUND_LISTENER,
    httpStatPrefix: INBOUND_PASSTHROUGH_CLUSTER,
    tcpStatPrefix: INBOUND_PASSTHROUGH_CLUSTER,
    vhostPort: destinationPort ?? 0,
    operation: `:${destinationPort ?? 0}/*`,
    ...(destinationPort !== undefined ? { destinationPort } : {}),
    http2: false,
  };
  return chainsFor(target, inboundChainOptions('auto', mode), mesh);
}

function blackholeChain(mesh: MeshConfig): FilterChain {
  return {
    name: VIRTUAL_INBOUND_BLACKHOLE_CHAIN,
    filterChainMatch: { destinationPort: VIRTUAL_INBOUND_PORT },
    filters: [tcpProxyToCluster(BLACKHOLE_CLUSTER, mesh)],
  };
}

/** A predicate true for connections to any of the ports (Envoy port ranges are [start, end)). */
function portsPredicate(ports: readonly number[]): ListenerFilterChainMatchPredicate {
  const rules = ports.map((port) => ({ destinationPortRange: { start: port, end: port + 1 } }));
  return rules.length === 1 ? rules[0] : { orMatch: { rules } };
}

/**
 * Inspectors by the needs of each port's chains (port 0: the chains without a port). An inspector
 * needed by the portless chains runs everywhere except ports that do not need it; otherwise it
 * runs only on the ports that need it.
 */
function inboundListenerFilters(chains: readonly FilterChain[], bindToPort: boolean): ListenerFilter[] {
  const needs = new Map<number, { tls: boolean; http: boolean }>();
  for (const chain of chains) {
    const match = chain.filterChainMatch ?? {};
    const port = match.destinationPort ?? 0;
    const need = needs.get(port) ?? { tls: false, http: false };
    if (match.transportProtocol === TransportProtocol.Tls) need.tls = true;
    if ((match.applicationProtocols ?? []).some((alpn) => PLAINTEXT_HTTP_ALPNS.includes(alpn))) need.http = true;
    needs.set(port, need);
  }
  const out: ListenerFilter[] = bindToPort ? [] : [originalDstListenerFilter()];
  const gated = (kind: 'tls' | 'http', filter: ListenerFilter): ListenerFilter | undefined => {
    const ports = [...needs.keys()].filter((p) => p !== 0).sort((a, b) => a - b);
    if (![...needs.values()].some((n) => n[kind])) return undefined;
    const defaultOn = needs.get(0)?.[kind] ?? false;
    if (defaultOn) {
      const off = ports.filter((p) => !needs.get(p)![kind]);
      return off.length === 0 ? filter : { ...filter, filterDisabled: portsPredicate(off) };
    }
    const on = ports.filter((p) => needs.get(p)![kind]);
    return { ...filter, filterDisabled: { notMatch: portsPredicate(on) } };
  };
  // TLS first: a connection it marks as TLS is not looked at by the HTTP inspector.
  const tls = gated('tls', tlsInspectorListenerFilter());
  if (tls) out.push(tls);
  const http = gated('http', httpInspectorListenerFilter());
  if (http) out.push(http);
  return out;
}

function buildListener(
  name: string,
  bind: string,
  port: number,
  bindToPort: boolean,
  chains: FilterChain[],
  mesh: MeshConfig,
): Listener {
  const listener: Listener = {
    name,
    address: socketAddress(bind, port),
    trafficDirection: TrafficDirection.INBOUND,
    continueOnListenerFiltersTimeout: true,
    filterChains: chains,
    listenerFilters: inboundListenerFilters(chains, bindToPort),
    listenerFiltersTimeout: durationFromIstio(mesh.protocolDetectionTimeout, 'MeshConfig protocolDetectionTimeout'),
  };
  return listener;
}

/** `virtualInbound` and any real inbound listeners (ingress listeners with captureMode NONE). */
export function sidecarInboundListeners(push: PushContext, proxy: Proxy): Listener[] {
  const mesh = push.mesh;
  const authn = push.effectivePeerAuthentication({ namespace: proxy.namespace, labels: proxy.labels });
  const modeFor = (port: number): EffectiveMtlsMode => authn.portModes.get(port) ?? authn.mode;
  const ports = inboundPorts(push, proxy);

  const virtualChains: FilterChain[] = [blackholeChain(mesh), ...passthroughChains(authn.mode, undefined, mesh)];
  const declared = new Set(ports.map((p) => p.targetPort));
  for (const [port, mode] of [...authn.portModes].sort(([a], [b]) => a - b)) {
    if (!declared.has(port)) virtualChains.push(...passthroughChains(mode, port, mesh));
  }

  const bound: Listener[] = [];
  for (const port of ports) {
    const chains = portChains(port, modeFor(port.targetPort), mesh);
    if (port.bindToPort) {
      bound.push(
        buildListener(listenerName(port.bind, port.targetPort), port.bind, port.targetPort, true, chains, mesh),
      );
    } else {
      virtualChains.push(...chains);
    }
  }
  const virtualInbound = buildListener(
    VIRTUAL_INBOUND_LISTENER,
    WILDCARD,
    VIRTUAL_INBOUND_PORT,
    false,
    virtualChains,
    mesh,
  );
  return [virtualInbound, ...bound];
}
