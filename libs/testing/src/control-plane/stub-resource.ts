/**
 * Packing a generated Envoy message into the `{name, resource}` form `setResources` takes.
 */
import { type NamedCodec, packAny } from '@mesh/xds';
import type { StubResource } from './resource-store';

/**
 * The name is the message's own (`name`, or `cluster_name` for a ClusterLoadAssignment) unless
 * given: pass it for resources that are invalid on purpose, e.g. a Cluster without a name.
 */
export function stubResource<T extends { name?: string } | { clusterName?: string }>(
  codec: NamedCodec<T>,
  message: T,
  name?: string,
): StubResource {
  const own = 'clusterName' in message ? message.clusterName : 'name' in message ? message.name : undefined;
  const resolved = name ?? own;
  if (!resolved) throw new Error(`stubResource(${codec.$type}): the message has no name; pass one`);
  return { name: resolved, resource: packAny(codec, message) };
}
