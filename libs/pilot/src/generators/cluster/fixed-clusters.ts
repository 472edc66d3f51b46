/**
 * The clusters every proxy has whatever the config, with Istio's names:
 * - `BlackHoleCluster`: STATIC with no endpoints; routes send traffic here to drop it;
 * - `PassthroughCluster` (sidecars): ORIGINAL_DST, for traffic to destinations outside the
 *   registry when the outbound policy allows it; the downstream's HTTP protocol, 5 min idle;
 * - `InboundPassthroughCluster` (sidecars): the same for inbound traffic to ports no service
 *   declares, connecting from 127.0.0.6 (::6) so that capture rules can tell it from the workload's
 *   own outbound traffic.
 */
import type { MeshConfig } from '@mesh/config-model';
import type { Proxy } from '@mesh/mesh-model';
import type { Cluster } from '@mesh/xds';
import { Cluster_DiscoveryType, Cluster_LbPolicy } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { durationFromIstio } from '../common/duration';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER } from '../naming';
import { commonHttpOptions, finishCluster, useDownstreamProtocol, type ClusterDraft } from './cluster-draft';
import { defaultThresholds } from './traffic-policy-settings';

/** Source addresses of inbound passthrough connections. */
export const INBOUND_PASSTHROUGH_BIND_IPV4 = '127.0.0.6';
export const INBOUND_PASSTHROUGH_BIND_IPV6 = '::6';
const PASSTHROUGH_IDLE_TIMEOUT = { seconds: 300, nanos: 0 };

function connectTimeout(mesh: Pick<MeshConfig, 'connectTimeout'>) {
  return durationFromIstio(mesh.connectTimeout, 'mesh config connectTimeout');
}

export function blackHoleCluster(mesh: Pick<MeshConfig, 'connectTimeout'>): Cluster {
  return {
    name: BLACKHOLE_CLUSTER,
    type: Cluster_DiscoveryType.STATIC,
    connectTimeout: connectTimeout(mesh),
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
  };
}

function passthroughDraft(name: string, mesh: Pick<MeshConfig, 'connectTimeout'>): ClusterDraft {
  const draft: ClusterDraft = {
    cluster: {
      name,
      type: Cluster_DiscoveryType.ORIGINAL_DST,
      connectTimeout: connectTimeout(mesh),
      lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED,
      circuitBreakers: { thresholds: [defaultThresholds()] },
    },
  };
  commonHttpOptions(draft).idleTimeout = PASSTHROUGH_IDLE_TIMEOUT;
  useDownstreamProtocol(draft);
  return draft;
}

export function passthroughCluster(mesh: Pick<MeshConfig, 'connectTimeout'>): Cluster {
  return finishCluster(passthroughDraft(PASSTHROUGH_CLUSTER, mesh));
}

export function inboundPassthroughCluster(mesh: Pick<MeshConfig, 'connectTimeout'>, proxy: Proxy): Cluster {
  const draft = passthroughDraft(INBOUND_PASSTHROUGH_CLUSTER, mesh);
  const hasIpv6 = proxy.ipAddresses.some((ip) => ip.includes(':'));
  const hasIpv4 = proxy.ipAddresses.some((ip) => !ip.includes(':')) || proxy.ipAddresses.length === 0;
  const source = hasIpv4 ? INBOUND_PASSTHROUGH_BIND_IPV4 : INBOUND_PASSTHROUGH_BIND_IPV6;
  draft.cluster.upstreamBindConfig = {
    sourceAddress: { address: source, portValue: 0 },
    ...(hasIpv4 && hasIpv6
      ? { extraSourceAddresses: [{ address: { address: INBOUND_PASSTHROUGH_BIND_IPV6, portValue: 0 } }] }
      : {}),
  };
  return finishCluster(draft);
}
