/**
 * Istio's names for generated resources. Proxies, dashboards and users' tooling key on these, so
 * they are wire contracts (see ARCHITECTURE.md, "Names, ports and wire contracts").
 */

export type TrafficDirection = 'outbound' | 'inbound';

/** `outbound|9080|v1|reviews.default.svc.cluster.local`; subset '' for the whole service. */
export function outboundClusterName(port: number, subset: string, hostname: string): string {
  return `outbound|${port}|${subset}|${hostname}`;
}

/** `inbound|9080||`: the local workload's port, as Istio names it since 1.10. */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

export interface ParsedClusterName {
  readonly direction: TrafficDirection;
  readonly port: number;
  readonly subset: string;
  readonly hostname: string;
}

/** Reads an `outbound|…` or `inbound|…` cluster name; undefined for other names. */
export function parseClusterName(name: string): ParsedClusterName | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const [direction, port, subset, hostname] = parts;
  if (direction !== 'outbound' && direction !== 'inbound') return undefined;
  const portNumber = Number(port);
  if (!Number.isInteger(portNumber) || portNumber <= 0 || portNumber > 65535) return undefined;
  return { direction, port: portNumber, subset, hostname };
}

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

export const VIRTUAL_OUTBOUND_LISTENER = 'virtualOutbound';
export const VIRTUAL_INBOUND_LISTENER = 'virtualInbound';
export const VIRTUAL_OUTBOUND_PORT = 15001;
export const VIRTUAL_INBOUND_PORT = 15006;

/** Sidecar outbound listener per service address and port: `10.0.0.1_9080`, or `0.0.0.0_9080`. */
export function listenerName(address: string, port: number): string {
  return `${address}_${port}`;
}

/** Route configuration shared by all HTTP services on a port (sidecar outbound): `9080`. */
export function outboundRouteName(port: number): string {
  return String(port);
}

/** Route configuration for one host and port (proxyless gRPC, some gateway routes): `reviews.default.svc.cluster.local:9080`. */
export function hostPortRouteName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}

/** Gateway routes: `http.8080`, `https.443.<server-port-name>.<gateway>.<namespace>`, as Istio names them. */
export function gatewayHttpRouteName(port: number): string {
  return `http.${port}`;
}

/** Listener name a proxyless gRPC client asks for: `reviews.default.svc.cluster.local:9080`. */
export function grpcListenerName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}
