/**
 * A connected proxy as the control plane sees it: identity parsed from the xDS node ID and facts
 * from the node metadata. Istio's node ID: `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>`.
 */
import type { Locality } from './service';

export type ProxyType = 'sidecar' | 'router';

/** Which generator family serves the proxy: Envoy-style proxies, or proxyless gRPC clients. */
export type ProxyGenerator = 'envoy' | 'grpc';

export interface Proxy {
  readonly id: string;
  readonly type: ProxyType;
  readonly generator: ProxyGenerator;
  readonly ipAddresses: readonly string[];
  /** `<pod>.<namespace>` part of the node ID. */
  readonly workloadId: string;
  readonly namespace: string;
  /** DNS domain from the node ID, e.g. `default.svc.cluster.local`. */
  readonly dnsDomain: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  readonly clusterId?: string;
  /**
   * Where the proxy runs, from the xDS `Node.locality` (Envoy's `--service-zone` and friends;
   * Istio's agent fills it). Absent when the node sent none or only empty fields.
   */
  readonly locality?: Locality;
  /** Raw node metadata (Struct as plain JSON) for generators that need more. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

export class NodeIdError extends Error {
  constructor(
    readonly nodeId: string,
    reason: string,
  ) {
    super(`invalid node ID "${nodeId}": ${reason}`);
    this.name = 'NodeIdError';
  }
}

/**
 * Builds a Proxy from an xDS node ID, metadata and locality (`Node.locality`, with xDS's
 * `sub_zone` as `subzone`). A proxyless gRPC client announces itself with metadata
 * `GENERATOR: grpc`; its node ID follows the same shape.
 */
export function proxyFromNode(
  nodeId: string,
  metadata: Readonly<Record<string, unknown>>,
  locality?: Partial<Locality>,
): Proxy {
  const parts = nodeId.split('~');
  if (parts.length !== 4) throw new NodeIdError(nodeId, 'expected 4 parts separated by "~"');
  const [type, ip, workloadId, dnsDomain] = parts;
  if (type !== 'sidecar' && type !== 'router') throw new NodeIdError(nodeId, `unknown proxy type "${type}"`);
  if (ip === '') throw new NodeIdError(nodeId, 'missing IP address');
  const dot = workloadId.lastIndexOf('.');
  const namespaceFromId = dot === -1 ? '' : workloadId.slice(dot + 1);
  const namespace = stringField(metadata, 'NAMESPACE') ?? (namespaceFromId || dnsDomain.split('.')[0]);
  if (!namespace) throw new NodeIdError(nodeId, 'cannot tell the namespace');

  const extraIps = stringField(metadata, 'INSTANCE_IPS')?.split(',').filter(Boolean) ?? [];
  const labels = recordOfStrings(metadata.LABELS);
  return {
    id: nodeId,
    type,
    generator: stringField(metadata, 'GENERATOR') === 'grpc' ? 'grpc' : 'envoy',
    ipAddresses: [ip, ...extraIps.filter((extra) => extra !== ip)],
    workloadId,
    namespace,
    dnsDomain,
    labels,
    serviceAccount: stringField(metadata, 'SERVICE_ACCOUNT'),
    clusterId: stringField(metadata, 'CLUSTER_ID'),
    ...localityField(locality),
    metadata,
  };
}

/** `{ locality }` when the node said anything about it; proto3 leaves absent fields empty. */
function localityField(locality: Partial<Locality> | undefined): { locality?: Locality } {
  const region = locality?.region ?? '';
  const zone = locality?.zone ?? '';
  const subzone = locality?.subzone ?? '';
  if (!region && !zone && !subzone) return {};
  return { locality: { region, zone, subzone } };
}

function stringField(metadata: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = metadata[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function recordOfStrings(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') out[key] = entry;
  return out;
}
