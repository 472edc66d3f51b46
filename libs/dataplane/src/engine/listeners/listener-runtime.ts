/**
 * A socket listener's configuration compiled for accepting connections: its filter chains as
 * runtime objects (HTTP connection manager, TCP proxy, or a chain this proxy cannot serve yet),
 * the selector that picks one per connection, and what the listener filters must inspect first.
 * A listener update compiles a new runtime; connections accepted before keep the old one.
 */
import type { XdsFilterChain, XdsPortPredicate, XdsRouteConfiguration, XdsSocketListener } from '../../xds/model';
import { HttpChain } from '../http/http-chain';
import type { RouteTable } from '../routing/route-table';
import type { StatsStore } from '../stats/stats-store';
import { TcpProxyChain, type TcpProxyContext } from '../tcp/tcp-proxy';
import { TlsTerminator } from '../tls/downstream-tls';
import type { TlsMaterialResolver } from '../tls/tls-material';
import type { InspectionPlan } from './connection-inspector';
import { FilterChainSelector } from './filter-chain-selector';

/** A chain whose connections are closed: it needs something this proxy does not implement yet. */
export class UnsupportedChain {
  readonly kind = 'unsupported';

  constructor(
    readonly name: string,
    readonly reason: string,
  ) {}

  drain(): void {}
}

/** A chain with a DownstreamTlsContext: TLS is terminated, then the inner chain serves the decrypted socket. */
export class TlsChain {
  readonly kind = 'tls';

  constructor(
    readonly name: string,
    readonly terminator: TlsTerminator,
    readonly inner: HttpChain | TcpProxyChain,
  ) {}

  drain(): void {
    this.inner.drain();
  }
}

export type ChainRuntime = HttpChain | TcpProxyChain | TlsChain | UnsupportedChain;

/** Envoy's default listener_filters_timeout. */
const DEFAULT_LISTENER_FILTERS_TIMEOUT_MS = 15_000;

export interface ListenerRuntime {
  readonly config: XdsSocketListener;
  /** Two runtimes with the same fingerprint serve identically. */
  readonly fingerprint: string;
  readonly selector: FilterChainSelector<ChainRuntime>;
  /** Undefined when no chain depends on what the listener filters would find. */
  readonly inspection: InspectionPlan | undefined;
  readonly chains: readonly ChainRuntime[];
}

export interface ListenerCompileContext {
  readonly stats: StatsStore;
  /** The route table of an RDS name in the configuration active when a request arrives. */
  readonly rdsRouteTable: (name: string) => RouteTable | undefined;
  /** The compiled form of an inline route configuration. */
  readonly inlineRouteTable: (config: XdsRouteConfiguration) => RouteTable;
  readonly tcp: TcpProxyContext;
  /** The SDS secrets in force, for chains that terminate TLS. */
  readonly tls: TlsMaterialResolver;
}

/** Equal for two versions of a listener that serve identically (so an unchanged listener is left alone). */
export function listenerFingerprint(listener: XdsSocketListener): string {
  return JSON.stringify(listener);
}

export function compileListener(
  listener: XdsSocketListener,
  fingerprint: string,
  context: ListenerCompileContext,
): ListenerRuntime {
  const chainOf = (chain: XdsFilterChain, index: number): ChainRuntime =>
    compileChain(chain, chain.name || `${listener.name}#${index}`, context);
  const chains = listener.filterChains.map((chain, i) => ({ match: chain.match, value: chainOf(chain, i) }));
  const defaultChain = listener.defaultFilterChain ? chainOf(listener.defaultFilterChain, -1) : undefined;
  const selector = new FilterChainSelector(chains, defaultChain);
  const needs = selector.needs;
  const tls =
    listener.listenerFilters.includes('tls_inspector') &&
    (needs.serverName || needs.transportProtocol || needs.applicationProtocols);
  const http = listener.listenerFilters.includes('http_inspector') && needs.applicationProtocols;
  const disabled = listener.listenerFilterDisabled;
  const tlsDisabled = tls && disabled?.tls_inspector ? compilePortPredicate(disabled.tls_inspector) : undefined;
  const httpDisabled = http && disabled?.http_inspector ? compilePortPredicate(disabled.http_inspector) : undefined;
  return {
    config: listener,
    fingerprint,
    selector,
    // Inspecting only when a chain depends on it spares server-first protocols the wait.
    inspection:
      tls || http
        ? {
            tls,
            http,
            timeoutMs: listener.listenerFiltersTimeoutMs ?? DEFAULT_LISTENER_FILTERS_TIMEOUT_MS,
            continueOnTimeout: listener.continueOnListenerFiltersTimeout,
            tlsDisabled,
            httpDisabled,
          }
        : undefined,
    chains: [...chains.map((c) => c.value), ...(defaultChain ? [defaultChain] : [])],
  };
}

/** A `filter_disabled` predicate as a test of the connection's destination port. */
function compilePortPredicate(predicate: XdsPortPredicate): (port: number) => boolean {
  switch (predicate.kind) {
    case 'any':
      return () => true;
    case 'port_range':
      return (port) => port >= predicate.start && port < predicate.end;
    case 'not': {
      const rule = compilePortPredicate(predicate.rule);
      return (port) => !rule(port);
    }
    case 'or': {
      const rules = predicate.rules.map(compilePortPredicate);
      return (port) => rules.some((r) => r(port));
    }
    case 'and': {
      const rules = predicate.rules.map(compilePortPredicate);
      return (port) => rules.every((r) => r(port));
    }
  }
}

function compileChain(chain: XdsFilterChain, name: string, context: ListenerCompileContext): ChainRuntime {
  const inner = compilePlaintextChain(chain, name, context);
  if (!chain.tls || inner.kind === 'unsupported') return inner;
  return new TlsChain(name, new TlsTerminator(chain.tls, context.tls, inner.kind === 'http'), inner);
}

function compilePlaintextChain(
  chain: XdsFilterChain,
  name: string,
  context: ListenerCompileContext,
): HttpChain | TcpProxyChain | UnsupportedChain {
  const filter = chain.filter;
  if (filter.kind === 'tcp_proxy') return new TcpProxyChain(name, filter, context.tcp, context.stats);
  if (filter.codec === 'http2')
    return new UnsupportedChain(name, 'HTTP/2 downstream (codec HTTP2) is not implemented yet');
  const routes = filter.routes;
  let routeTable: () => RouteTable | undefined;
  if ('rds' in routes) {
    const rdsName = routes.rds;
    routeTable = () => context.rdsRouteTable(rdsName);
  } else {
    const table = context.inlineRouteTable(routes.inline);
    routeTable = () => table;
  }
  return new HttpChain(name, filter, routeTable, context.stats);
}
