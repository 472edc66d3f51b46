/**
 * The LDS generators. Envoy-style proxies subscribe to every listener (wildcard): a sidecar gets
 * `virtualInbound`, its outbound listeners and `virtualOutbound`; a router gets its Gateway
 * servers' listeners. A proxyless gRPC client names the listeners it wants (`<host>:<port>`).
 * When an Envoy-style proxy names listeners, it gets only those among its own.
 */
import type { Proxy, PushContext, PushRequest } from '@mesh/mesh-model';
import { packAny } from '@mesh/xds';
import { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import type { GeneratedResource, GeneratedResources, Generator, WatchedResource } from '../../xds-server/generator';
import { ProxyViewCache, proxyViewKey } from '../common/proxy-view-cache';
import { listenersUnaffected } from '../common/push-scope';
import { serviceTargetsFor } from '../common/service-targets';
import { gatewayListeners } from './gateway-listeners';
import { grpcListeners } from './grpc-listeners';
import { inboundPortsKey, sidecarInboundListeners } from './sidecar-inbound';
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
  return { resources: listeners.map(listenerResource) };
}

function listenerResource(listener: Listener): GeneratedResource {
  return { name: listener.name ?? '', resource: packAny(Listener, listener) };
}

/**
 * A sidecar's outbound listeners and virtualOutbound read the proxy only through its view (namespace,
 * Sidecar, labels), its interception mode and, for headless services, its own address (it gets no
 * listener for itself): proxies alike share them, built and encoded once per PushContext. The
 * inbound listeners also read the ports its own workload serves, and are shared by proxies whose
 * workloads serve the same.
 */
const sharedOutbound = new ProxyViewCache<readonly GeneratedResource[]>();
/** Inbound listeners, shared by proxies of one view whose workloads serve the same ports. */
const sharedInbound = new ProxyViewCache<readonly GeneratedResource[]>();

function outboundViewKey(push: PushContext, proxy: Proxy): string {
  const ownHeadless = serviceTargetsFor(push, proxy.ipAddresses).some(
    (target) => target.service.resolution === 'Passthrough' && target.service.addresses.length === 0,
  );
  return [
    proxyViewKey(push, proxy),
    proxy.metadata.INTERCEPTION_MODE ?? '',
    ownHeadless ? proxy.ipAddresses.join(',') : '',
  ].join('\u0000');
}

function sidecarListenerResources(push: PushContext, proxy: Proxy): GeneratedResource[] {
  const view = sharedOutbound.view(push, outboundViewKey(push, proxy));
  let outbound = view.get('');
  if (!outbound) {
    outbound = [...sidecarOutboundListeners(push, proxy), virtualOutboundListener(push, proxy)].map(listenerResource);
    view.set('', outbound);
  }
  const inboundView = sharedInbound.view(push, `${proxyViewKey(push, proxy)}\u0000${inboundPortsKey(push, proxy)}`);
  let inbound = inboundView.get('');
  if (!inbound) {
    inbound = sidecarInboundListeners(push, proxy).map(listenerResource);
    inboundView.set('', inbound);
  }
  return [...inbound, ...outbound];
}

export const listenerGenerator: Generator<PushContext> = {
  generate(proxy: Proxy, watched: WatchedResource, push: PushContext, request: PushRequest): GeneratedResources {
    if (listenersUnaffected(request)) return { resources: [], noChange: true };
    const all =
      proxy.type === 'router'
        ? toResources(buildListeners(push, proxy)).resources
        : sidecarListenerResources(push, proxy);
    const wanted = watched.resourceNames;
    return { resources: wanted.size === 0 ? all : all.filter((l) => wanted.has(l.name)) };
  },
};

export const grpcListenerGenerator: Generator<PushContext> = {
  generate(proxy: Proxy, watched: WatchedResource, push: PushContext, request: PushRequest): GeneratedResources {
    if (listenersUnaffected(request)) return { resources: [], noChange: true };
    return toResources(grpcListeners(push, proxy, [...watched.resourceNames]));
  },
};
