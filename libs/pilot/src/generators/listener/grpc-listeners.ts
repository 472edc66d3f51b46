/**
 * Listeners for proxyless gRPC clients (`@grpc/grpc-js-xds` and friends). A client resolving
 * `xds:///reviews.default.svc.cluster.local:9080` asks for the listener of that exact name; it
 * gets an API listener whose HTTP connection manager (fault → router, router last as gRPC
 * requires) fetches the route configuration `<fqdn>:<port>` over ADS.
 *
 * Names are resolved as Istio resolves them: a short name (`reviews`) in the client's namespace,
 * `name.namespace` and `name.namespace.svc` under the cluster domain; without a port, a listener
 * per service port is returned (named `<as requested>:<port>`). Only requested names are served:
 * gRPC never subscribes to the wildcard, and a name nothing serves is simply absent.
 */
import type { Proxy, PushContext, Service } from '@mesh/mesh-model';
import { packAny } from '@mesh/xds';
import { ApiVersion } from '@mesh/xds/generated/envoy/config/core/v3/config_source';
import type { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { faultHttpFilter, routerHttpFilter } from '../common/well-known';
import { grpcListenerName, hostPortRouteName } from '../naming';
import { socketAddress } from './filter-chains';

interface RequestedName {
  /** The host as the client wrote it. */
  readonly host: string;
  readonly port?: number;
}

function parseRequested(name: string): RequestedName {
  const colon = name.lastIndexOf(':');
  if (colon > 0 && /^\d{1,5}$/.test(name.slice(colon + 1))) {
    return { host: name.slice(0, colon), port: Number(name.slice(colon + 1)) };
  }
  return { host: name };
}

/** FQDN candidates for a host a client wrote, most literal first. */
export function fqdnCandidates(host: string, proxy: Proxy, domainSuffix: string): string[] {
  const out = [host];
  const parts = host.split('.');
  if (parts.length === 1) out.push(`${host}.${proxy.dnsDomain}`);
  else if (parts.length === 2) out.push(`${host}.svc.${domainSuffix}`);
  else if (parts.length === 3 && parts[2] === 'svc') out.push(`${host}.${domainSuffix}`);
  return out;
}

function resolveService(push: PushContext, proxy: Proxy, host: string): Service | undefined {
  for (const candidate of fqdnCandidates(host, proxy, push.domainSuffix)) {
    const service = push.serviceFor(proxy, candidate);
    if (service) return service;
  }
  return undefined;
}

function apiListener(name: string, service: Service, port: number): Listener {
  const hcm: HttpConnectionManager = {
    httpFilters: [faultHttpFilter(), routerHttpFilter()],
    rds: {
      configSource: { ads: {}, resourceApiVersion: ApiVersion.V3 },
      routeConfigName: hostPortRouteName(service.hostname, port),
    },
  };
  return {
    name,
    address: socketAddress(service.addresses.find((a) => !a.includes('/')) ?? '0.0.0.0', port),
    apiListener: { apiListener: packAny(HttpConnectionManager, hcm) },
  };
}

export function grpcListeners(push: PushContext, proxy: Proxy, names: readonly string[]): Listener[] {
  const out = new Map<string, Listener>();
  for (const name of names) {
    const requested = parseRequested(name);
    const service = resolveService(push, proxy, requested.host);
    if (!service) continue;
    for (const servicePort of service.ports) {
      if (requested.port !== undefined && servicePort.port !== requested.port) continue;
      const listenerName = grpcListenerName(requested.host, servicePort.port);
      if (!out.has(listenerName)) out.set(listenerName, apiListener(listenerName, service, servicePort.port));
    }
  }
  return [...out.values()];
}
