/**
 * The tcp_proxy network filter: a cluster (or weighted clusters) that every connection of the
 * chain is forwarded to.
 */
import type { Any } from '@mesh/xds';
import { TcpProxy } from '@mesh/xds/generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy';
import type { XdsTcpProxy } from '../model';
import { allowOnly, durationMs, nonEmpty, unpackTyped } from './common';
import { fail, field, index } from './decode-result';

export function tcpProxy(config: Any, path: string): XdsTcpProxy {
  const proxy = unpackTyped(TcpProxy, config, path);
  allowOnly(proxy, ['statPrefix', 'cluster', 'weightedClusters', 'idleTimeout', 'accessLog'], path);
  const statPrefix = nonEmpty(proxy.statPrefix, field(path, 'stat_prefix'));
  let destination: XdsTcpProxy['destination'];
  if (proxy.cluster !== undefined && proxy.weightedClusters !== undefined) {
    fail(path, 'cluster and weighted_clusters are exclusive');
  }
  if (proxy.cluster !== undefined) destination = { cluster: nonEmpty(proxy.cluster, field(path, 'cluster')) };
  else if (proxy.weightedClusters !== undefined) {
    const at = field(path, 'weighted_clusters');
    allowOnly(proxy.weightedClusters, ['clusters'], at);
    const clusters = (proxy.weightedClusters.clusters ?? []).map((c, i) => {
      const cat = index(field(at, 'clusters'), i);
      allowOnly(c, ['name', 'weight'], cat);
      const weight = c.weight ?? 0;
      if (weight < 1) fail(field(cat, 'weight'), 'must be at least 1');
      return { name: nonEmpty(c.name, field(cat, 'name')), weight };
    });
    if (clusters.length === 0) fail(field(at, 'clusters'), 'must list at least one cluster');
    destination = { weightedClusters: clusters };
  } else {
    return fail(path, 'must set cluster or weighted_clusters');
  }
  return {
    kind: 'tcp_proxy',
    statPrefix,
    destination,
    idleTimeoutMs: durationMs(proxy.idleTimeout, field(path, 'idle_timeout')),
  };
}
