/**
 * Filter chain options and their turning into Envoy filter chains, shared by the outbound,
 * inbound and gateway builders. An option says what a chain matches (SNI, destination CIDRs,
 * ALPN, transport protocol) and what it runs; the listener's inspectors follow from the matches
 * (TLS inspector for SNI, HTTP inspector for plaintext ALPN), as Istio derives them.
 */
import type { Address, CidrRange } from '@mesh/xds/generated/envoy/config/core/v3/address';
import type { Metadata, TransportSocket } from '@mesh/xds/generated/envoy/config/core/v3/base';
import type {
  Filter,
  FilterChain,
  FilterChainMatch,
  ListenerFilter,
} from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import { httpInspectorListenerFilter, tlsInspectorListenerFilter } from '../common/well-known';

export interface ChainOption {
  readonly name?: string;
  readonly sniHosts?: readonly string[];
  readonly destinationCidrs?: readonly string[];
  readonly applicationProtocols?: readonly string[];
  readonly transportProtocol?: string;
  readonly destinationPort?: number;
  readonly transportSocket?: TransportSocket;
  readonly metadata?: Metadata;
  /** Network filters; for HTTP chains the connection manager, built once the listener is named. */
  readonly filters: readonly Filter[] | ((listenerName: string) => Filter[]);
  /** The chain terminates TLS with an ALPN list: the TLS inspector is needed to read it. */
  readonly needsTlsInspector?: boolean;
}

export function socketAddress(address: string, port: number): Address {
  return { socketAddress: { address, portValue: port } };
}

/** `10.0.0.0/8` (or a bare IP, as a /32 or /128) as a CIDR range; undefined when unparsable. */
export function cidrRange(text: string): CidrRange | undefined {
  const [address, prefix] = text.split('/');
  if (!address) return undefined;
  const max = address.includes(':') ? 128 : 32;
  const prefixLen = prefix === undefined ? max : Number(prefix);
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > max) return undefined;
  return { addressPrefix: address, prefixLen };
}

function hasServerNames(option: ChainOption): boolean {
  return (option.sniHosts ?? []).some((h) => h !== '*');
}

/** A chain that matches every connection (Istio moves it to the listener's default chain). */
export function isMatchAll(option: ChainOption): boolean {
  return (
    !hasServerNames(option) &&
    !option.applicationProtocols?.length &&
    !option.transportProtocol &&
    !option.destinationCidrs?.length &&
    option.destinationPort === undefined
  );
}

function filterChainMatch(option: ChainOption): FilterChainMatch | undefined {
  if (isMatchAll(option)) return undefined;
  const match: FilterChainMatch = {};
  if (option.destinationPort !== undefined) match.destinationPort = option.destinationPort;
  const cidrs = [...(option.destinationCidrs ?? [])]
    .sort()
    .map(cidrRange)
    .filter((c): c is CidrRange => c !== undefined && c.addressPrefix !== '0.0.0.0');
  if (cidrs.length > 0) match.prefixRanges = cidrs;
  if (hasServerNames(option)) match.serverNames = [...new Set(option.sniHosts)].sort();
  if (option.transportProtocol) match.transportProtocol = option.transportProtocol;
  if (option.applicationProtocols?.length) match.applicationProtocols = [...option.applicationProtocols];
  return match;
}

export function toFilterChain(option: ChainOption, listenerName: string): FilterChain {
  const filters = typeof option.filters === 'function' ? option.filters(listenerName) : [...option.filters];
  const chain: FilterChain = { filters };
  const match = filterChainMatch(option);
  if (match) chain.filterChainMatch = match;
  if (option.transportSocket) chain.transportSocket = option.transportSocket;
  if (option.name) chain.name = option.name;
  if (option.metadata) chain.metadata = option.metadata;
  return chain;
}

/** Istio's inspectors for a listener's chains: TLS for SNI / TLS ALPN, HTTP for plaintext ALPN. */
export function inspectorsFor(options: readonly ChainOption[]): { tls: boolean; http: boolean } {
  let tls = false;
  let http = false;
  for (const option of options) {
    if (hasServerNames(option) || option.needsTlsInspector) tls = true;
    if (option.applicationProtocols?.length) http = true;
  }
  return { tls, http };
}

export function listenerFiltersFor(inspectors: { tls: boolean; http: boolean }): ListenerFilter[] {
  const out: ListenerFilter[] = [];
  // The TLS inspector first: once it marks a connection TLS, the HTTP inspector leaves it alone.
  if (inspectors.tls) out.push(tlsInspectorListenerFilter());
  if (inspectors.http) out.push(httpInspectorListenerFilter());
  return out;
}

/** Two chains Envoy would consider the same match (the later one is dropped, as Istio does). */
export function sameMatch(a: ChainOption, b: ChainOption): boolean {
  const set = (list: readonly string[] | undefined, skip?: string) =>
    [...new Set((list ?? []).filter((x) => x !== skip))].sort().join(',');
  return (
    (a.transportProtocol ?? '') === (b.transportProtocol ?? '') &&
    (a.applicationProtocols ?? []).join(',') === (b.applicationProtocols ?? []).join(',') &&
    set(a.sniHosts, '*') === set(b.sniHosts, '*') &&
    set(a.destinationCidrs) === set(b.destinationCidrs) &&
    a.destinationPort === b.destinationPort
  );
}
