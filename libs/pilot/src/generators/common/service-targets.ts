/**
 * The proxy's own workload as the services see it (Istio's "service targets"): every service
 * port whose endpoints include one of the proxy's IP addresses, with the port the workload
 * listens on. The sidecar's inbound listener gets one filter chain per such port.
 *
 * Read from the PushContext only (its services and endpoints), so the answer depends on nothing
 * outside (push, proxy). The IP index is built once per PushContext and shared by every proxy.
 */
import type { Endpoint, PushContext, Service, ServicePort } from '@mesh/mesh-model';

export interface ServiceTarget {
  readonly service: Service;
  readonly port: ServicePort;
  /** The port the workload listens on (the endpoint's port). */
  readonly targetPort: number;
  readonly endpoint: Endpoint;
}

const indexByPush = new WeakMap<PushContext, ReadonlyMap<string, readonly ServiceTarget[]>>();

function buildIndex(push: PushContext): ReadonlyMap<string, readonly ServiceTarget[]> {
  const byAddress = new Map<string, ServiceTarget[]>();
  for (const service of push.services()) {
    for (const port of service.ports) {
      for (const endpoint of push.endpointsForServicePort(service, port.port)) {
        let list = byAddress.get(endpoint.address);
        if (!list) byAddress.set(endpoint.address, (list = []));
        list.push({ service, port, targetPort: endpoint.port, endpoint });
      }
    }
  }
  return byAddress;
}

/**
 * Service targets of a proxy, ordered by target port, then by service age (push.services() is
 * oldest first, as Istio breaks ties), one entry per (service, port).
 */
export function serviceTargetsFor(push: PushContext, proxyAddresses: readonly string[]): ServiceTarget[] {
  let index = indexByPush.get(push);
  if (!index) {
    index = buildIndex(push);
    indexByPush.set(push, index);
  }
  const seen = new Set<string>();
  const out: ServiceTarget[] = [];
  for (const address of proxyAddresses) {
    for (const target of index.get(address) ?? []) {
      const key = `${target.service.namespace}/${target.service.hostname}:${target.port.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(target);
    }
  }
  return out.sort((a, b) => a.targetPort - b.targetPort);
}
