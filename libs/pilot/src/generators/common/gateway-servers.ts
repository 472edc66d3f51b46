/**
 * The Gateway servers a router serves, merged by port the way Istio merges them, so that the
 * listener generator (filter chains) and the route generator (route configurations named by the
 * listeners) agree on every name:
 *
 * - one listener per (bind, port); the first server on a port (oldest Gateway first, servers in
 *   order) decides its kind: plaintext HTTP, TLS-based (HTTPS and TLS servers, told apart by SNI)
 *   or opaque TCP; servers of another kind on that port are conflicts and are left out;
 * - HTTP servers of a port share the route configuration `http.<port>` (`http.<port>.<bind>` when
 *   bound to an address); an HTTPS server that terminates TLS has its own
 *   `https.<port>.<portName>.<gateway>.<namespace>`; TLS passthrough and TCP servers have none.
 */
import {
  isHttpProtocol,
  parseNamespacedHost,
  parseProtocol,
  type NamespacedHost,
  type Protocol,
  type Server,
} from '@mesh/config-model';
import { gatewayName, type GatewayConfig, type Proxy, type PushContext } from '@mesh/mesh-model';
import { gatewayHttpRouteName } from '../naming';

export type GatewayPortKind = 'http' | 'tls' | 'tcp';

export interface GatewayServer {
  readonly gateway: GatewayConfig;
  /** `namespace/name`, as resolved VirtualServices name their gateways. */
  readonly gatewayName: string;
  readonly server: Server;
  readonly protocol: Protocol;
  /** Hosts with their namespace part resolved (`.` → the Gateway's namespace, none → `*`). */
  readonly hosts: readonly NamespacedHost[];
  /** SNI names to match (host parts, lower case); empty when a host is `*` (match any). */
  readonly sniHosts: readonly string[];
  /** The route configuration this server's HTTP traffic uses; undefined for passthrough and TCP. */
  readonly routeName?: string;
  /** TLS is terminated here (HTTPS or TLS server with SIMPLE, MUTUAL, ISTIO_MUTUAL, OPTIONAL_MUTUAL). */
  readonly terminatesTls: boolean;
}

export interface GatewayPort {
  readonly port: number;
  /** Listener address: the servers' `bind`, or 0.0.0.0. */
  readonly bind: string;
  readonly kind: GatewayPortKind;
  readonly servers: readonly GatewayServer[];
}

export interface GatewayServers {
  readonly ports: readonly GatewayPort[];
  /** Servers by the route configuration name they use. */
  readonly byRouteName: ReadonlyMap<string, readonly GatewayServer[]>;
}

export const WILDCARD_ADDRESS = '0.0.0.0';

/** `https.443.https.bookinfo-gateway.default` (`.<bind>` appended when the server is bound). */
export function gatewayHttpsRouteName(server: Server, gateway: GatewayConfig): string {
  const bind = server.bind ? `.${server.bind}` : '';
  return `https.${server.port.number}.${server.port.name}.${gateway.name}.${gateway.namespace}${bind}`;
}

function httpRouteName(server: Server): string {
  const base = gatewayHttpRouteName(server.port.number);
  return server.bind ? `${base}.${server.bind}` : base;
}

function portKind(protocol: Protocol): GatewayPortKind {
  if (isHttpProtocol(protocol)) return 'http';
  if (protocol === 'HTTPS' || protocol === 'TLS') return 'tls';
  return 'tcp';
}

function terminatesTls(server: Server, protocol: Protocol): boolean {
  if (protocol !== 'HTTPS' && protocol !== 'TLS') return false;
  const mode = server.tls?.mode ?? 'SIMPLE';
  return mode !== 'PASSTHROUGH' && mode !== 'AUTO_PASSTHROUGH' && server.tls !== undefined;
}

function describe(gateway: GatewayConfig, server: Server): GatewayServer {
  const protocol = parseProtocol(server.port.protocol);
  const hosts = server.hosts.map((entry) => parseNamespacedHost(entry, gateway.namespace));
  const hostNames = hosts.map((h) => h.host.toLowerCase());
  const terminates = terminatesTls(server, protocol);
  let routeName: string | undefined;
  if (isHttpProtocol(protocol)) routeName = httpRouteName(server);
  else if (protocol === 'HTTPS' && terminates) routeName = gatewayHttpsRouteName(server, gateway);
  return {
    gateway,
    gatewayName: gatewayName(gateway),
    server,
    protocol,
    hosts,
    sniHosts: hostNames.includes('*') ? [] : [...new Set(hostNames)],
    ...(routeName ? { routeName } : {}),
    terminatesTls: terminates,
  };
}

const memo = new WeakMap<PushContext, Map<string, GatewayServers>>();

/** The merged servers of the Gateways a router serves (none for sidecars). */
export function gatewayServersFor(push: PushContext, proxy: Proxy): GatewayServers {
  const gateways = push.gatewaysFor(proxy);
  const key = gateways.map(gatewayName).join(',');
  let perPush = memo.get(push);
  if (!perPush) memo.set(push, (perPush = new Map()));
  const cached = perPush.get(key);
  if (cached) return cached;

  const ports = new Map<string, { port: number; bind: string; kind: GatewayPortKind; servers: GatewayServer[] }>();
  for (const gateway of gateways) {
    for (const server of gateway.spec.servers ?? []) {
      const described = describe(gateway, server);
      const kind = portKind(described.protocol);
      const bind = server.bind || WILDCARD_ADDRESS;
      const listenerKey = `${bind}_${server.port.number}`;
      const existing = ports.get(listenerKey);
      if (!existing) {
        ports.set(listenerKey, { port: server.port.number, bind, kind, servers: [described] });
        continue;
      }
      // A port carries one kind of traffic; opaque TCP cannot be told apart, so one server only.
      if (existing.kind !== kind || kind === 'tcp') continue;
      existing.servers.push(described);
    }
  }
  const byRouteName = new Map<string, GatewayServer[]>();
  for (const entry of ports.values()) {
    for (const server of entry.servers) {
      if (!server.routeName) continue;
      let list = byRouteName.get(server.routeName);
      if (!list) byRouteName.set(server.routeName, (list = []));
      list.push(server);
    }
  }
  const result: GatewayServers = {
    ports: [...ports.values()].sort((a, b) => a.port - b.port || a.bind.localeCompare(b.bind)),
    byRouteName,
  };
  perPush.set(key, result);
  return result;
}
