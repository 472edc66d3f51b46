/**
 * The LDS generators. Envoy-style proxies subscribe to every listener (wildcard): a sidecar gets
 * `virtualInbound`, its outbound listeners and `virtualOutbound`; a router gets its Gateway
 * servers' listeners. A proxyless gRPC client names the listeners it wants (`<host>:<port>`).
 * When an Envoy-style proxy names listeners, it gets only those among its own.
 */
import type { Proxy, PushContext } from '@mesh/mesh-model';
import { packAny } from '@mesh/xds';
import { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import type { GeneratedResources, Generator, WatchedResource } from '../../xds-server/generator';
import { gatewayListeners } from './gateway-listeners';
import { grpcListeners } from './grpc-listeners';
import { sidecarInboundListeners } from './sidecar-inbound';
import { sidecarOutboundListeners, virtualOutboundListener } from './sidecar-outbound';

/** Every listener of an Envoy-style proxy, in Istio's order (inbound, outbound, virtualOutbound). */
export function buildListeners(push: PushContext, proxy: Proxy): Listener[] {
  if (proxy.type === 'router') return gatewayListeners(push, proxy);
  return [
    ...sidecarInboundListeners(push, proxy),
    ...sidecarOutboundListeners(push, proxy),
    virtualOutboundListener(push, proxy),
  ];
}

function toResources(listeners: readonly Listener[]): GeneratedResources {
  return {
    resources: listeners.map((listener) => ({ name: listener.name ?? '', resource: packAny(Listener, listener) })),
  };
}

export const listenerGenerator: Generator<PushContext> = {
  generate(proxy: Proxy, watched: WatchedResource, push: PushContext): GeneratedResources {
    const all = buildListeners(push, proxy);
    const wanted = watched.resourceNames;
    return toResources(wanted.size === 0 ? all : all.filter((l) => wanted.has(l.name ?? '')));
  },
};

export const grpcListenerGenerator: Generator<PushContext> = {
  generate(proxy: Proxy, watched: WatchedResource, push: PushContext): GeneratedResources {
    return toResources(grpcListeners(push, proxy, [...watched.resourceNames]));
  },
};
