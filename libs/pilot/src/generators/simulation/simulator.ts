/**
 * A traffic simulator over one proxy's generated LDS/RDS (and optionally CDS): given a request as
 * a client would send it, it follows the configuration the way Envoy would (listener, filter
 * chain, TLS termination, connection manager, route configuration, virtual host, route) and
 * reports where the request ends up. Tests assert behaviour with it ("a GET to reviews:9080 with
 * end-user: jason reaches outbound|9080|v2|reviews...") rather than comparing protos.
 *
 * Not simulated: runtime fractions (a route with one matches as if always sampled), source-based
 * filter chain criteria, and anything past the choice of cluster (load balancing, endpoints).
 */
import { TypeUrl, unpackAnyAs, type Any } from '@mesh/xds';
import { Cluster } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import type { Filter, FilterChain } from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import {
  RedirectAction_RedirectResponseCode,
  VirtualHost_TlsRequirementType,
  type Route,
} from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { CorsPolicy } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import { HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { TcpProxy } from '@mesh/xds/generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy';
import { DownstreamTlsContext } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { WellKnown } from '../common/well-known';
import { detect, selectFilterChain, selectListener } from './listener-match';
import type { SimulationInput, SimulationRequest, SimulationResult, WeightedDestination } from './model';
import { selectRoute, selectVirtualHost } from './route-match';

const REDIRECT_CODES: Readonly<Record<number, number>> = {
  [RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY]: 301,
  [RedirectAction_RedirectResponseCode.FOUND]: 302,
  [RedirectAction_RedirectResponseCode.SEE_OTHER]: 303,
  [RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT]: 307,
  [RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT]: 308,
};

function millis(duration: { seconds?: number; nanos?: number } | undefined): number | undefined {
  if (!duration) return undefined;
  return (duration.seconds ?? 0) * 1000 + Math.round((duration.nanos ?? 0) / 1e6);
}

function terminalFilter(chain: FilterChain): Filter | undefined {
  return chain.filters?.at(-1);
}

export class Simulation {
  private readonly routesByName: ReadonlyMap<string, RouteConfiguration>;
  private readonly clusterNames?: ReadonlySet<string>;

  constructor(private readonly input: SimulationInput) {
    this.routesByName = new Map(input.routes.map((r) => [r.name ?? '', r]));
    if (input.clusters) this.clusterNames = new Set(input.clusters.map((c) => c.name ?? ''));
  }

  /** Where the request goes. */
  run(request: SimulationRequest): SimulationResult {
    const listener = selectListener(this.input.listeners, request);
    if (!listener) return { error: 'no-listener' };
    return this.onListener(listener, request);
  }

  /**
   * A call from a proxyless gRPC client to `xds:///<target>`: the API listener named `target`,
   * its route configuration, the virtual host matching the target as written (gRPC's data plane
   * authority), then the first matching route.
   */
  runGrpc(target: string, request: Omit<SimulationRequest, 'port' | 'authority'>): SimulationResult {
    const listener = this.input.listeners.find((l) => l.name === target && l.apiListener?.apiListener);
    if (!listener?.apiListener?.apiListener) return { error: 'no-listener' };
    const hcm = unpackAnyAs(HttpConnectionManager, listener.apiListener.apiListener);
    const port = Number(target.slice(target.lastIndexOf(':') + 1));
    const headers = { 'content-type': 'application/grpc', ...request.headers };
    return this.http(
      hcm,
      { method: 'POST', ...request, headers, port, authority: target, protocol: 'http2' },
      { listener: target },
    );
  }

  private onListener(listener: Listener, request: SimulationRequest): SimulationResult {
    const base = { listener: listener.name ?? '' };
    const selected = selectFilterChain(listener, detect(listener, request));
    if (!selected) return { ...base, error: 'no-filter-chain' };
    const withChain: SimulationResult = { ...base, filterChain: selected.label };

    let tlsResult: SimulationResult = withChain;
    const socket = selected.chain.transportSocket;
    if (socket?.typedConfig?.typeUrl === TypeUrl.DownstreamTlsContext) {
      const context = unpackAnyAs(DownstreamTlsContext, socket.typedConfig);
      if (!request.tls) return { ...withChain, error: 'tls-required' };
      if (context.requireClientCertificate && !request.tls.clientCertificate) {
        return { ...withChain, error: 'client-certificate-required' };
      }
      const certificates = (context.commonTlsContext?.tlsCertificateSdsSecretConfigs ?? []).map((s) => s.name ?? '');
      tlsResult = { ...withChain, tlsCertificates: certificates };
    }

    const filter = terminalFilter(selected.chain);
    if (!filter?.typedConfig) return { ...tlsResult, error: 'no-filter-chain' };
    if (filter.typedConfig.typeUrl === TypeUrl.TcpProxy) return this.tcp(filter.typedConfig, tlsResult);
    if (filter.typedConfig.typeUrl === TypeUrl.HttpConnectionManager) {
      if (request.tls && !tlsResult.tlsCertificates) return { ...tlsResult, error: 'tls-not-terminated' };
      return this.http(unpackAnyAs(HttpConnectionManager, filter.typedConfig), request, tlsResult);
    }
    return { ...tlsResult, error: 'no-filter-chain' };
  }

  private checked(result: SimulationResult): SimulationResult {
    if (!this.clusterNames) return result;
    const names = [...(result.clusters ?? []).map((c) => c.name), ...(result.mirrors ?? [])];
    return names.every((n) => this.clusterNames!.has(n)) ? result : { ...result, error: 'unknown-cluster' };
  }

  private tcp(config: Any, base: SimulationResult): SimulationResult {
    const proxy = unpackAnyAs(TcpProxy, config);
    const clusters: WeightedDestination[] = proxy.cluster
      ? [{ name: proxy.cluster, weight: 1 }]
      : (proxy.weightedClusters?.clusters ?? []).map((c) => ({ name: c.name ?? '', weight: c.weight ?? 0 }));
    return this.checked({ ...base, network: 'tcp', clusters });
  }

  private http(hcm: HttpConnectionManager, request: SimulationRequest, base: SimulationResult): SimulationResult {
    const withHttp: SimulationResult = {
      ...base,
      network: 'http',
      httpFilters: (hcm.httpFilters ?? []).map((f) => f.name ?? ''),
    };
    const config = hcm.routeConfig ?? (hcm.rds ? this.routesByName.get(hcm.rds.routeConfigName ?? '') : undefined);
    if (!config) return { ...withHttp, error: 'no-route-configuration' };
    const withConfig: SimulationResult = { ...withHttp, routeConfiguration: config.name ?? '' };

    const authority = request.authority ?? (request.address ? `${request.address}:${request.port}` : '');
    const vh = selectVirtualHost(config, authority);
    if (!vh) return { ...withConfig, error: 'no-virtual-host' };
    const withHost: SimulationResult = { ...withConfig, virtualHost: vh.name ?? '' };
    if (vh.requireTls === VirtualHost_TlsRequirementType.ALL && !request.tls) {
      return { ...withHost, redirect: { scheme: 'https', responseCode: 301 } };
    }

    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name.toLowerCase(), value);
    const path = request.path ?? '/';
    headers.set(':method', request.method ?? 'GET');
    headers.set(':authority', authority);
    headers.set(':path', path);
    headers.set(':scheme', request.scheme ?? (request.tls ? 'https' : 'http'));
    const route = selectRoute(vh, { path, headers });
    if (!route) return { ...withHost, error: 'no-route' };
    return this.routeResult(route, { ...withHost, route: route.name ?? '' });
  }

  private routeResult(route: Route, base: SimulationResult): SimulationResult {
    const perFilter = route.typedPerFilterConfig ?? {};
    const fault = perFilter[WellKnown.Fault] ? unpackAnyAs(HTTPFault, perFilter[WellKnown.Fault]) : undefined;
    const cors = perFilter[WellKnown.Cors] ? unpackAnyAs(CorsPolicy, perFilter[WellKnown.Cors]) : undefined;
    const extras: SimulationResult = {
      ...base,
      ...(fault ? { fault } : {}),
      ...(cors ? { cors } : {}),
      ...(route.requestHeadersToAdd?.length ? { requestHeadersToAdd: route.requestHeadersToAdd } : {}),
    };
    if (route.directResponse) {
      const body = route.directResponse.body;
      const text =
        body?.inlineString ?? (body?.inlineBytes ? Buffer.from(body.inlineBytes).toString('utf8') : undefined);
      return {
        ...extras,
        directResponse: { status: route.directResponse.status ?? 0, ...(text !== undefined ? { body: text } : {}) },
      };
    }
    if (route.redirect) {
      const r = route.redirect;
      return {
        ...extras,
        redirect: {
          ...(r.httpsRedirect ? { scheme: 'https' } : r.schemeRedirect ? { scheme: r.schemeRedirect } : {}),
          ...(r.hostRedirect ? { host: r.hostRedirect } : {}),
          ...(r.portRedirect ? { port: r.portRedirect } : {}),
          ...(r.pathRedirect ? { path: r.pathRedirect } : {}),
          ...(r.prefixRewrite ? { prefixRewrite: r.prefixRewrite } : {}),
          responseCode: REDIRECT_CODES[r.responseCode ?? 0] ?? 301,
        },
      };
    }
    const action = route.route!;
    const clusters: WeightedDestination[] = action.cluster
      ? [{ name: action.cluster, weight: 1 }]
      : (action.weightedClusters?.clusters ?? []).map((c) => ({ name: c.name ?? '', weight: c.weight ?? 0 }));
    const timeoutMs = millis(action.timeout);
    return this.checked({
      ...extras,
      clusters,
      ...(action.retryPolicy ? { retryPolicy: action.retryPolicy } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(action.hashPolicy?.length ? { hashPolicy: action.hashPolicy } : {}),
      ...(action.requestMirrorPolicies?.length
        ? { mirrors: action.requestMirrorPolicies.map((m) => m.cluster ?? '') }
        : {}),
      ...(action.prefixRewrite ? { prefixRewrite: action.prefixRewrite } : {}),
      ...(action.hostRewriteLiteral ? { hostRewrite: action.hostRewriteLiteral } : {}),
    });
  }
}

/** Decodes packed resources (as generators return them) into a simulation input. */
export function simulationInput(resources: {
  readonly listeners: readonly { readonly resource: Any }[];
  readonly routes: readonly { readonly resource: Any }[];
  readonly clusters?: readonly { readonly resource: Any }[];
}): SimulationInput {
  return {
    listeners: resources.listeners.map((r) => unpackAnyAs(Listener, r.resource)),
    routes: resources.routes.map((r) => unpackAnyAs(RouteConfiguration, r.resource)),
    ...(resources.clusters ? { clusters: resources.clusters.map((r) => unpackAnyAs(Cluster, r.resource)) } : {}),
  };
}
