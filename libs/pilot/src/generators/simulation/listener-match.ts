/**
 * Listener and filter chain selection as Envoy does it: the listener by destination (or the
 * original destination behind `virtualOutbound`), what the listener filters detect (transport,
 * SNI, ALPN) with their per-port predicates, then the filter chain by Envoy's sequence of
 * criteria, each keeping only the most specific candidates: destination port, destination IP,
 * server name, transport protocol, application protocol.
 */
import type { CidrRange } from '@mesh/xds/generated/envoy/config/core/v3/address';
import type { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import type {
  FilterChain,
  ListenerFilterChainMatchPredicate,
} from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import { TransportProtocol, WellKnown } from '../common/well-known';
import type { SimulationRequest } from './model';

const WILDCARD = '0.0.0.0';

function addressOf(listener: Listener): { address: string; port: number } {
  const socket = listener.address?.socketAddress;
  return { address: socket?.address ?? '', port: socket?.portValue ?? 0 };
}

/** Listeners on an address and port: the exact address first, else the wildcard. */
function listenerAt(listeners: readonly Listener[], address: string | undefined, port: number): Listener | undefined {
  const onPort = listeners.filter((l) => addressOf(l).port === port && !l.apiListener);
  return (
    (address !== undefined ? onPort.find((l) => addressOf(l).address === address) : undefined) ??
    onPort.find((l) => addressOf(l).address === WILDCARD)
  );
}

/** The listener that ends up handling the connection. */
export function selectListener(listeners: readonly Listener[], request: SimulationRequest): Listener | undefined {
  const capture = request.capture ?? 'none';
  if (capture === 'inbound') {
    return listeners.find((l) => !l.useOriginalDst && addressOf(l).port === 15006 && l.trafficDirection === 1);
  }
  if (capture === 'outbound') {
    const virtual = listeners.find((l) => l.useOriginalDst === true);
    if (!virtual) return undefined;
    // use_original_dst: the listener of the original destination takes the connection if one exists.
    const target = listenerAt(
      listeners.filter((l) => l !== virtual),
      request.address,
      request.port,
    );
    return target ?? virtual;
  }
  return listenerAt(
    listeners.filter((l) => l.bindToPort !== false),
    request.address,
    request.port,
  );
}

function predicateMatches(predicate: ListenerFilterChainMatchPredicate, port: number): boolean {
  if (predicate.anyMatch) return true;
  if (predicate.destinationPortRange) {
    const { start = 0, end = 0 } = predicate.destinationPortRange;
    return port >= start && port < end;
  }
  if (predicate.notMatch) return !predicateMatches(predicate.notMatch, port);
  if (predicate.orMatch) return (predicate.orMatch.rules ?? []).some((r) => predicateMatches(r, port));
  if (predicate.andMatch) return (predicate.andMatch.rules ?? []).every((r) => predicateMatches(r, port));
  return false;
}

function inspectorRuns(listener: Listener, name: string, port: number): boolean {
  const filter = (listener.listenerFilters ?? []).find((f) => f.name === name);
  if (!filter) return false;
  return !(filter.filterDisabled && predicateMatches(filter.filterDisabled, port));
}

export interface DetectedConnection {
  readonly port: number;
  readonly address?: string;
  readonly transportProtocol: string;
  readonly serverName?: string;
  readonly applicationProtocols: readonly string[];
}

/** What the listener filters learn about the connection. */
export function detect(listener: Listener, request: SimulationRequest): DetectedConnection {
  const port = request.port;
  const tls = request.tls !== undefined && inspectorRuns(listener, WellKnown.TlsInspector, port);
  if (tls) {
    return {
      port,
      address: request.address,
      transportProtocol: TransportProtocol.Tls,
      ...(request.tls?.sni ? { serverName: request.tls.sni.toLowerCase() } : {}),
      applicationProtocols: [...(request.tls?.alpn ?? [])],
    };
  }
  let alpn: string[] = [];
  if (request.tls === undefined && inspectorRuns(listener, WellKnown.HttpInspector, port)) {
    if (request.protocol === 'http2') alpn = ['h2c'];
    else if (request.protocol !== 'tcp') alpn = ['http/1.1'];
  }
  return { port, address: request.address, transportProtocol: TransportProtocol.RawBuffer, applicationProtocols: alpn };
}

function ipToBigInt(address: string): bigint | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    return address.split('.').reduce((acc, octet) => (acc << 8n) + BigInt(Number(octet)), 0n);
  }
  return undefined;
}

function cidrContains(range: CidrRange, address: string): boolean {
  const net = ipToBigInt(range.addressPrefix ?? '');
  const ip = ipToBigInt(address);
  if (net === undefined || ip === undefined) return false;
  const bits = BigInt(32 - (range.prefixLen ?? 32));
  return net >> bits === ip >> bits;
}

function serverNameScore(pattern: string, name: string): number {
  const p = pattern.toLowerCase();
  if (p === name) return 1000;
  if (p.startsWith('*.') && name.endsWith(p.slice(1))) return p.length;
  return -1;
}

/** Keeps the most specific candidates for one criterion (`score` undefined: the chain does not constrain it). */
function narrow(chains: readonly FilterChain[], score: (chain: FilterChain) => number | undefined): FilterChain[] {
  let best = -1;
  let matched: FilterChain[] = [];
  const unconstrained: FilterChain[] = [];
  for (const chain of chains) {
    const s = score(chain);
    if (s === undefined) unconstrained.push(chain);
    else if (s > best) {
      best = s;
      matched = [chain];
    } else if (s === best && s >= 0) matched.push(chain);
  }
  return best >= 0 ? matched : unconstrained;
}

/** The chain Envoy picks, `default` for the default chain, or undefined when none applies. */
export function selectFilterChain(
  listener: Listener,
  connection: DetectedConnection,
): { chain: FilterChain; label: string } | undefined {
  const all = listener.filterChains ?? [];
  let candidates = narrow(all, (c) => {
    const port = c.filterChainMatch?.destinationPort;
    if (port === undefined) return undefined;
    return port === connection.port ? 1 : -1;
  });
  candidates = narrow(candidates, (c) => {
    const ranges = c.filterChainMatch?.prefixRanges ?? [];
    if (ranges.length === 0) return undefined;
    const hits = ranges.filter((r) => connection.address !== undefined && cidrContains(r, connection.address));
    return hits.length === 0 ? -1 : Math.max(...hits.map((r) => r.prefixLen ?? 0));
  });
  candidates = narrow(candidates, (c) => {
    const names = c.filterChainMatch?.serverNames ?? [];
    if (names.length === 0) return undefined;
    if (connection.serverName === undefined) return -1;
    return Math.max(...names.map((n) => serverNameScore(n, connection.serverName!)));
  });
  candidates = narrow(candidates, (c) => {
    const transport = c.filterChainMatch?.transportProtocol;
    if (!transport) return undefined;
    return transport === connection.transportProtocol ? 1 : -1;
  });
  candidates = narrow(candidates, (c) => {
    const protocols = c.filterChainMatch?.applicationProtocols ?? [];
    if (protocols.length === 0) return undefined;
    return protocols.some((p) => connection.applicationProtocols.includes(p)) ? 1 : -1;
  });
  const chain = candidates[0];
  if (chain) {
    const index = all.indexOf(chain);
    return { chain, label: chain.name || `#${index}` };
  }
  if (listener.defaultFilterChain) {
    return { chain: listener.defaultFilterChain, label: listener.defaultFilterChain.name || 'default' };
  }
  return undefined;
}
