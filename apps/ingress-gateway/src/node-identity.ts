/**
 * Who the gateway says it is on the xDS stream, in Istio's shapes: node ID
 * `router~<ip>~<name>.<namespace>~<namespace>.svc.<domain>` (the `router` type is what makes the
 * control plane generate Gateway listeners instead of sidecar ones) and the metadata keys istiod
 * reads (`LABELS` for Gateway selectors, `NAMESPACE`, `NAME`, `INSTANCE_IPS`, ...).
 */
import type { NodeIdentity } from '@mesh/dataplane';
import { FlagError, meshVersion } from '@mesh/platform';

export interface RouterIdentityInput {
  readonly id?: string;
  readonly ip: string;
  readonly name: string;
  readonly namespace: string;
  readonly domain: string;
  readonly cluster?: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function routerNodeId(input: Pick<RouterIdentityInput, 'ip' | 'name' | 'namespace' | 'domain'>): string {
  return `router~${input.ip}~${input.name}.${input.namespace}~${input.namespace}.svc.${input.domain}`;
}

/** Checks a given node ID's shape; the control plane would refuse the stream otherwise. */
function checkNodeId(id: string): string {
  const parts = id.split('~');
  if (parts.length !== 4 || parts[0] !== 'router' || parts[1] === '') {
    throw new FlagError(`--id: "${id}" is not router~<ip>~<name>.<namespace>~<namespace>.svc.<domain>`);
  }
  return id;
}

export function routerIdentity(input: RouterIdentityInput): NodeIdentity {
  for (const [flag, value] of [
    ['ip', input.ip],
    ['name', input.name],
    ['namespace', input.namespace],
    ['domain', input.domain],
  ] as const) {
    if (value === '' || value.includes('~')) throw new FlagError(`--${flag}: "${value}" must be non-empty without "~"`);
  }
  const id = input.id !== undefined ? checkNodeId(input.id) : routerNodeId(input);
  return {
    id,
    cluster: input.cluster ?? `${input.name}.${input.namespace}`,
    metadata: {
      NAME: input.name,
      NAMESPACE: input.namespace,
      LABELS: { ...input.labels },
      INSTANCE_IPS: input.ip,
      CLUSTER_ID: 'Kubernetes',
      ISTIO_VERSION: meshVersion(),
    },
    userAgentName: 'mesh-ingress-gateway',
    userAgentVersion: meshVersion(),
  };
}
