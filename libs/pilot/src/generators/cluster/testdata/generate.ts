/** Runs the CDS and EDS generators the way the ADS server does, and reads their output back. */
import { pushRequest, type Proxy, type PushContext, type PushRequest } from '@mesh/mesh-model';
import { Cluster, ClusterLoadAssignment, TypeUrl, unpackAnyAs } from '@mesh/xds';
import type { Any } from '@mesh/xds';
import { UpstreamTlsContext } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { HttpProtocolOptions } from '@mesh/xds/generated/envoy/extensions/upstreams/http/v3/http_protocol_options';
import type { GeneratedResources } from '../../../xds-server/generator';
import { EndpointGenerator } from '../../endpoint/endpoint-generator';
import { HTTP_PROTOCOL_OPTIONS_KEY } from '../cluster-draft';
import { EnvoyClusterGenerator, GrpcClusterGenerator } from '../cluster-generator';

/** What a proxy asking for the first time triggers: a full request. */
export const PROXY_REQUEST: PushRequest = pushRequest({ reason: 'proxy', start: 0 });

export function generateClusters(
  push: PushContext,
  proxy: Proxy,
  names: readonly string[] = [],
  request: PushRequest = PROXY_REQUEST,
): GeneratedResources {
  const generator = proxy.generator === 'grpc' ? new GrpcClusterGenerator() : new EnvoyClusterGenerator();
  return generator.generate(proxy, { typeUrl: TypeUrl.Cluster, resourceNames: new Set(names) }, push, request);
}

export function generateEndpoints(
  push: PushContext,
  proxy: Proxy,
  names: readonly string[] = [],
  request: PushRequest = PROXY_REQUEST,
  generator: EndpointGenerator = new EndpointGenerator(),
): GeneratedResources {
  return generator.generate(
    proxy,
    { typeUrl: TypeUrl.ClusterLoadAssignment, resourceNames: new Set(names) },
    push,
    request,
  );
}

export function clustersOf(push: PushContext, proxy: Proxy, names: readonly string[] = []): Cluster[] {
  return generateClusters(push, proxy, names).resources.map((entry) => unpackAnyAs(Cluster, entry.resource));
}

export function loadAssignmentsOf(
  push: PushContext,
  proxy: Proxy,
  names: readonly string[] = [],
): ClusterLoadAssignment[] {
  return generateEndpoints(push, proxy, names).resources.map((entry) =>
    unpackAnyAs(ClusterLoadAssignment, entry.resource),
  );
}

export function named<T extends { name?: string; clusterName?: string }>(items: readonly T[], name: string): T {
  const found = items.find((item) => (item.name ?? item.clusterName) === name);
  if (!found) throw new Error(`${name} not among ${items.map((item) => item.name ?? item.clusterName).join(', ')}`);
  return found;
}

export function upstreamTls(any: Any | undefined): UpstreamTlsContext {
  if (!any) throw new Error('no transport socket config');
  return unpackAnyAs(UpstreamTlsContext, any);
}

export function httpOptionsOf(cluster: Cluster): HttpProtocolOptions | undefined {
  const any = cluster.typedExtensionProtocolOptions?.[HTTP_PROTOCOL_OPTIONS_KEY];
  return any ? unpackAnyAs(HttpProtocolOptions, any) : undefined;
}

/** Endpoint addresses of a load assignment, per priority: `{0: ['10.0.0.1:80'], 1: [...]}`. */
export function addressesByPriority(assignment: ClusterLoadAssignment): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const group of assignment.endpoints ?? []) {
    const list = (out[group.priority ?? 0] ??= []);
    for (const lb of group.lbEndpoints ?? []) {
      const socket = lb.endpoint?.address?.socketAddress;
      list.push(`${socket?.address}:${socket?.portValue}`);
    }
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}
