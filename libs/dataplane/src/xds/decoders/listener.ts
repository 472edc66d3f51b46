/**
 * Listener (LDS): a socket listener with filter chains, or an API listener (proxyless gRPC).
 * Every filter chain ends with one of the network filters this proxy implements
 * (http_connection_manager or tcp_proxy); any other network filter is rejected by name, since
 * a chain that skipped it (an authorization filter, say) would let through what it should stop.
 */
import { type Any, Listener, TypeUrl } from '@mesh/xds';
import {
  type FilterChain,
  type FilterChainMatch,
  FilterChainMatch_ConnectionSourceType,
  type ListenerFilter,
  type ListenerFilterChainMatchPredicate,
} from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import type {
  XdsFilterChain,
  XdsFilterChainMatch,
  XdsListener,
  XdsListenerFilter,
  XdsPortPredicate,
  XdsNetworkFilter,
  XdsSocketListener,
} from '../model';
import { allowOnly, cidr, durationMs, nonEmpty, socketAddress } from './common';
import { fail, field, index, type ResourceSpec } from './decode-result';
import { httpConnectionManager } from './http-connection-manager';
import { tcpProxy } from './tcp-proxy';
import { downstreamTransportSocket } from './tls';

export const listenerSpec: ResourceSpec<Listener, XdsListener> = {
  codec: Listener,
  nameField: 'name',
  nameOf: (m) => m.name,
  check: checkListener,
};

/** Network filters this proxy implements, by the type URL of their config. */
const NETWORK_FILTERS: ReadonlyMap<string, (config: Any, path: string) => XdsNetworkFilter> = new Map<
  string,
  (config: Any, path: string) => XdsNetworkFilter
>([
  [TypeUrl.HttpConnectionManager, httpConnectionManager],
  [TypeUrl.TcpProxy, tcpProxy],
]);

const LISTENER_FILTERS: ReadonlyMap<string, XdsListenerFilter> = new Map([
  [TypeUrl.OriginalDst, 'original_dst' as const],
  [TypeUrl.TlsInspector, 'tls_inspector' as const],
  [TypeUrl.HttpInspector, 'http_inspector' as const],
]);

function checkListener(listener: Listener, name: string): XdsListener {
  if (listener.apiListener) {
    // Stat names, metadata and traffic direction never change traffic; the rest must be unset.
    allowOnly(listener, ['name', 'apiListener', 'statPrefix', 'metadata', 'trafficDirection'], '');
    const typed = listener.apiListener.apiListener;
    if (!typed) fail('api_listener.api_listener', 'is required');
    if (typed.typeUrl !== TypeUrl.HttpConnectionManager) {
      fail('api_listener.api_listener', `"${typed.typeUrl ?? ''}" is not an HttpConnectionManager`);
    }
    return { kind: 'api', name, httpConnectionManager: httpConnectionManager(typed, 'api_listener.api_listener') };
  }
  return socketListener(listener, name);
}

function socketListener(listener: Listener, name: string): XdsSocketListener {
  // Performance knobs (buffer limits, backlog, reuse_port) and drain/observability settings do
  // not change where traffic goes; they are accepted and left to the engine's defaults.
  allowOnly(
    listener,
    [
      'name',
      'address',
      'statPrefix',
      'filterChains',
      'useOriginalDst',
      'defaultFilterChain',
      'perConnectionBufferLimitBytes',
      'metadata',
      'drainType',
      'listenerFilters',
      'listenerFiltersTimeout',
      'continueOnListenerFiltersTimeout',
      'trafficDirection',
      'reusePort',
      'enableReusePort',
      'accessLog',
      'tcpBacklogSize',
      'bindToPort',
    ],
    '',
  );
  const address = socketAddress(listener.address, 'address', { allowPortZero: true });
  const filterChains = (listener.filterChains ?? []).map((c, i) => filterChain(c, index('filter_chains', i)));
  const defaultFilterChain = listener.defaultFilterChain
    ? filterChain(listener.defaultFilterChain, 'default_filter_chain')
    : undefined;
  if (filterChains.length === 0 && !defaultFilterChain) {
    fail('filter_chains', 'a listener needs at least one filter chain or a default_filter_chain');
  }
  const listenerFilters: XdsListenerFilter[] = [];
  let listenerFilterDisabled: Partial<Record<XdsListenerFilter, XdsPortPredicate>> | undefined;
  (listener.listenerFilters ?? []).forEach((f, i) => {
    const at = index('listener_filters', i);
    const kind = listenerFilter(f, at);
    listenerFilters.push(kind);
    if (f.filterDisabled) {
      // Recovering the original destination is not implemented at all; the inspectors can be skipped.
      if (kind === 'original_dst') fail(field(at, 'filter_disabled'), 'is not supported for original_dst');
      (listenerFilterDisabled ??= {})[kind] = portPredicate(f.filterDisabled, field(at, 'filter_disabled'));
    }
  });
  return {
    kind: 'socket',
    name,
    address,
    bindToPort: listener.bindToPort ?? true,
    useOriginalDst: listener.useOriginalDst ?? false,
    listenerFilters,
    listenerFilterDisabled,
    listenerFiltersTimeoutMs: durationMs(listener.listenerFiltersTimeout, 'listener_filters_timeout'),
    continueOnListenerFiltersTimeout: listener.continueOnListenerFiltersTimeout ?? false,
    filterChains,
    defaultFilterChain,
  };
}

/** The predicate forms over destination ports (the only connection fact Envoy's predicates test). */
function portPredicate(predicate: ListenerFilterChainMatchPredicate, path: string): XdsPortPredicate {
  allowOnly(predicate, ['orMatch', 'andMatch', 'notMatch', 'anyMatch', 'destinationPortRange'], path);
  const set = (kind: 'or' | 'and', rules: ListenerFilterChainMatchPredicate[] | undefined, at: string) => {
    const list = rules ?? [];
    if (list.length < 2) fail(field(at, 'rules'), 'needs at least two rules');
    return { kind, rules: list.map((r, i) => portPredicate(r, index(field(at, 'rules'), i))) };
  };
  if (predicate.orMatch) return set('or', predicate.orMatch.rules, field(path, 'or_match'));
  if (predicate.andMatch) return set('and', predicate.andMatch.rules, field(path, 'and_match'));
  if (predicate.notMatch) return { kind: 'not', rule: portPredicate(predicate.notMatch, field(path, 'not_match')) };
  if (predicate.anyMatch) return { kind: 'any' };
  const range = predicate.destinationPortRange;
  if (range) {
    const start = range.start ?? 0;
    const end = range.end ?? 0;
    if (end <= start) fail(field(path, 'destination_port_range'), `end ${end} must be greater than start ${start}`);
    return { kind: 'port_range', start, end };
  }
  return fail(path, 'must set one of or_match, and_match, not_match, any_match or destination_port_range');
}

function listenerFilter(filter: ListenerFilter, path: string): XdsListenerFilter {
  allowOnly(filter, ['name', 'typedConfig', 'filterDisabled'], path);
  const name = nonEmpty(filter.name, field(path, 'name'));
  const kind = LISTENER_FILTERS.get(filter.typedConfig?.typeUrl ?? '');
  if (!kind) {
    fail(
      field(path, 'typed_config'),
      `unknown listener filter "${name}" (${filter.typedConfig?.typeUrl ?? 'no type URL'})`,
    );
  }
  return kind;
}

function filterChain(chain: FilterChain, path: string): XdsFilterChain {
  allowOnly(chain, ['filterChainMatch', 'filters', 'transportSocket', 'name', 'metadata'], path);
  const filters = chain.filters ?? [];
  if (filters.length === 0) fail(field(path, 'filters'), 'a filter chain needs at least one filter');
  // Every filter must be known; as only terminal filters are implemented so far, a chain holds
  // exactly one, last.
  const decoded = filters.map((f, i) => {
    const at = index(field(path, 'filters'), i);
    allowOnly(f, ['name', 'typedConfig'], at);
    const name = nonEmpty(f.name, field(at, 'name'));
    const typed = f.typedConfig;
    if (!typed) fail(field(at, 'typed_config'), `filter "${name}" has no typed_config`);
    const decode = NETWORK_FILTERS.get(typed.typeUrl ?? '');
    if (!decode)
      fail(field(at, 'typed_config'), `unknown network filter "${name}" (${typed.typeUrl ?? 'no type URL'})`);
    return decode(typed, field(at, 'typed_config'));
  });
  if (decoded.length > 1) {
    fail(index(field(path, 'filters'), 0), `${decoded[0].kind} is a terminal filter and must be the last one`);
  }
  return {
    name: chain.name ?? '',
    match: filterChainMatch(chain.filterChainMatch, field(path, 'filter_chain_match')),
    tls: downstreamTransportSocket(chain.transportSocket, field(path, 'transport_socket')),
    filter: decoded[0],
  };
}

const SOURCE_TYPES: Record<number, XdsFilterChainMatch['sourceType']> = {
  [FilterChainMatch_ConnectionSourceType.ANY]: 'any',
  [FilterChainMatch_ConnectionSourceType.SAME_IP_OR_LOOPBACK]: 'local',
  [FilterChainMatch_ConnectionSourceType.EXTERNAL]: 'external',
};

function filterChainMatch(match: FilterChainMatch | undefined, path: string): XdsFilterChainMatch {
  const m = match ?? {};
  allowOnly(
    m,
    [
      'destinationPort',
      'prefixRanges',
      'directSourcePrefixRanges',
      'sourceType',
      'sourcePrefixRanges',
      'sourcePorts',
      'serverNames',
      'transportProtocol',
      'applicationProtocols',
    ],
    path,
  );
  const sourceType = SOURCE_TYPES[m.sourceType ?? 0];
  if (!sourceType) fail(field(path, 'source_type'), `unknown source type ${m.sourceType}`);
  const ports = (m.sourcePorts ?? []).map((p, i) => {
    if (p < 1 || p > 65535) fail(index(field(path, 'source_ports'), i), `${p} is not a valid port`);
    return p;
  });
  const destinationPort = m.destinationPort;
  if (destinationPort !== undefined && (destinationPort < 1 || destinationPort > 65535)) {
    fail(field(path, 'destination_port'), `${destinationPort} is not a valid port`);
  }
  const ranges = (list: typeof m.prefixRanges, name: string) =>
    (list ?? []).map((r, i) => cidr(r, index(field(path, name), i)));
  return {
    destinationPort,
    prefixRanges: ranges(m.prefixRanges, 'prefix_ranges'),
    directSourcePrefixRanges: ranges(m.directSourcePrefixRanges, 'direct_source_prefix_ranges'),
    sourceType,
    sourcePrefixRanges: ranges(m.sourcePrefixRanges, 'source_prefix_ranges'),
    sourcePorts: ports,
    serverNames: m.serverNames ?? [],
    transportProtocol: m.transportProtocol ?? '',
    applicationProtocols: m.applicationProtocols ?? [],
  };
}
