/**
 * Test-only: configs as a user writes them (Kubernetes-style objects through config-model's
 * envelope checks), and a sidecar Proxy. Not exported.
 */
import { configFromObject, formatIssue, type Config } from '@mesh/config-model';
import { proxyFromNode, type Proxy } from '@mesh/mesh-model';

const API_VERSIONS: Readonly<Record<string, string>> = {
  VirtualService: 'networking.istio.io/v1',
  DestinationRule: 'networking.istio.io/v1',
  ServiceEntry: 'networking.istio.io/v1',
  WorkloadEntry: 'networking.istio.io/v1',
};

/** An object of `kind` in namespace `default`; throws if its envelope is wrong (a broken fixture). */
export function object(kind: keyof typeof API_VERSIONS, name: string, spec: Record<string, unknown>): Config {
  const result = configFromObject({
    apiVersion: API_VERSIONS[kind],
    kind,
    metadata: { name, namespace: 'default' },
    spec,
  });
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  return result.config;
}

/** `reviews.example.com:9080`, endpoints from WorkloadEntries labelled app=reviews. */
export const reviewsEntry = (): Config =>
  object('ServiceEntry', 'reviews', {
    hosts: ['reviews.example.com'],
    location: 'MESH_INTERNAL',
    resolution: 'STATIC',
    ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }],
    workloadSelector: { labels: { app: 'reviews' } },
  });

export const reviewsWorkload = (name: string, address: string): Config =>
  object('WorkloadEntry', name, { address, labels: { app: 'reviews' } });

export const routeToReviews = (name: string, weight = 100): Config =>
  object('VirtualService', name, {
    hosts: [`${name}.example.com`],
    http: [{ route: [{ destination: { host: 'reviews.example.com' }, weight }] }],
  });

export const SIDECAR_NODE_ID = 'sidecar~10.0.0.9~productpage-v1-abc.default~default.svc.cluster.local';

export function sidecarProxy(): Proxy {
  return proxyFromNode(SIDECAR_NODE_ID, { NAMESPACE: 'default', LABELS: { app: 'productpage' } });
}
