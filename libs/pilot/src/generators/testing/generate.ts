/**
 * Runs the LDS and RDS generators for a proxy the way the ADS server does (through their
 * Generator interface), asking RDS for exactly the route names the listeners carry, as Envoy and
 * gRPC clients do. For specs only.
 */
import { pushRequest, type Proxy, type PushContext } from '@mesh/mesh-model';
import { TypeUrl, unpackAnyAs } from '@mesh/xds';
import { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import type { FilterChain } from '@mesh/xds/generated/envoy/config/listener/v3/listener_components';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import type { GeneratedResource, Generator } from '../../xds-server/generator';
import { grpcListenerGenerator, listenerGenerator } from '../listener/lds-generator';
import { grpcRouteGenerator, routeGenerator } from '../route/rds-generator';

/** RDS names the listeners' HTTP connection managers fetch, in order of first use. */
export function routeNamesIn(listeners: readonly Listener[]): string[] {
  const names: string[] = [];
  const add = (hcm: HttpConnectionManager) => {
    const name = hcm.rds?.routeConfigName;
    if (name !== undefined && !names.includes(name)) names.push(name);
  };
  const chains = (l: Listener): FilterChain[] => [
    ...(l.filterChains ?? []),
    ...(l.defaultFilterChain ? [l.defaultFilterChain] : []),
  ];
  for (const listener of listeners) {
    if (listener.apiListener?.apiListener) add(unpackAnyAs(HttpConnectionManager, listener.apiListener.apiListener));
    for (const chain of chains(listener)) {
      for (const filter of chain.filters ?? []) {
        if (filter.typedConfig?.typeUrl === TypeUrl.HttpConnectionManager) {
          add(unpackAnyAs(HttpConnectionManager, filter.typedConfig));
        }
      }
    }
  }
  return names;
}

export interface GeneratedConfig {
  readonly listeners: readonly GeneratedResource[];
  readonly routes: readonly GeneratedResource[];
}

async function run(
  generator: Generator<PushContext>,
  proxy: Proxy,
  push: PushContext,
  typeUrl: string,
  names: readonly string[],
): Promise<readonly GeneratedResource[]> {
  const result = await generator.generate(
    proxy,
    { typeUrl, resourceNames: new Set(names) },
    push,
    pushRequest({ reason: 'proxy', start: 0 }),
  );
  return result.resources;
}

/**
 * LDS then RDS for a proxy. Envoy-style proxies subscribe to all listeners; a proxyless gRPC
 * client names its listeners (`grpcListeners`).
 */
export async function generateConfig(
  push: PushContext,
  proxy: Proxy,
  grpcListeners: readonly string[] = [],
): Promise<GeneratedConfig> {
  const grpc = proxy.generator === 'grpc';
  const listeners = await run(
    grpc ? grpcListenerGenerator : listenerGenerator,
    proxy,
    push,
    TypeUrl.Listener,
    grpc ? grpcListeners : [],
  );
  const names = routeNamesIn(listeners.map((l) => unpackAnyAs(Listener, l.resource)));
  const routes = await run(grpc ? grpcRouteGenerator : routeGenerator, proxy, push, TypeUrl.RouteConfiguration, names);
  return { listeners, routes };
}
