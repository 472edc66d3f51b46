/**
 * Locality-aware load balancing, relative to the proxy asking (Istio's semantics):
 *
 * - the setting in force is the DestinationRule's `localityLbSetting`, else the mesh's; it is off
 *   when the mesh disables it and the rule does not enable it, or when the rule disables it;
 * - `distribute`: for the first entry whose `from` matches the proxy's locality, each `to`
 *   pattern's share is spread over the localities it matches (in proportion to their weights,
 *   rounded up) and localities no pattern matches lose their endpoints;
 * - otherwise, and only when outlier detection is on (without it a client never notices an
 *   endpoint is gone, so it would never fail over), priorities: first by `failoverPriority` labels
 *   (endpoints sharing more of the listed labels with the proxy, in order, come first), then by
 *   closeness (same subzone 0, zone 1, region 2, elsewhere 3; a `failover` rule for the proxy's
 *   region pushes other regions than its `to` further back, to 4). Priorities are renumbered
 *   0..N without gaps, as Envoy and gRPC require.
 */
import type { LocalityLoadBalancerSetting, MeshConfig } from '@mesh/config-model';
import type { Endpoint, Locality } from '@mesh/mesh-model';
import type { LocalityLbEndpoints } from '@mesh/xds/generated/envoy/config/endpoint/v3/endpoint_components';
import { localityMatches, localityPriority } from '../common/locality';
import { localityLbEndpointsOf, type LocalityGroup } from './lb-endpoints';

/** The locality setting in force for a cluster, or undefined when locality LB is off. */
export function localityLbSettingFor(
  mesh: Pick<MeshConfig, 'localityLbSetting'>,
  rule: LocalityLoadBalancerSetting | undefined,
): LocalityLoadBalancerSetting | undefined {
  const meshSetting = mesh.localityLbSetting as LocalityLoadBalancerSetting | undefined;
  let enabled = meshSetting !== undefined && meshSetting.enabled !== false;
  if (rule) enabled = rule.enabled !== false;
  if (!enabled) return undefined;
  return rule ?? meshSetting;
}

/** Does the setting make priorities or weights matter to Envoy's locality-weighted LB? */
export function needsLocalityWeightedLb(setting: LocalityLoadBalancerSetting | undefined, failover: boolean): boolean {
  if (!setting) return false;
  if ((setting.distribute?.length ?? 0) > 0) return true;
  return failover && ((setting.failover?.length ?? 0) > 0 || (setting.failoverPriority?.length ?? 0) > 0);
}

export interface LocalityContext {
  readonly locality: Locality | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

/** One LocalityLbEndpoints with the mesh endpoints it came from (failoverPriority reads their labels). */
interface Entry {
  readonly group: LocalityGroup;
  lle: LocalityLbEndpoints;
}

const TOPOLOGY_LABELS: Readonly<Partial<Record<string, (locality: Locality) => string>>> = {
  'topology.kubernetes.io/region': (l) => l.region,
  'topology.kubernetes.io/zone': (l) => l.zone,
  'topology.istio.io/subzone': (l) => l.subzone,
};

/** A label of an endpoint, with the topology labels Istio adds from its locality and network. */
function endpointLabel(endpoint: Endpoint, key: string): string | undefined {
  const own = endpoint.labels[key];
  if (own !== undefined) return own;
  if (key === 'topology.istio.io/network') return endpoint.network;
  const fromLocality = TOPOLOGY_LABELS[key];
  return fromLocality && endpoint.locality ? fromLocality(endpoint.locality) : undefined;
}

function proxyLabel(proxy: LocalityContext, key: string): string | undefined {
  const own = proxy.labels[key];
  if (own !== undefined) return own;
  const fromLocality = TOPOLOGY_LABELS[key];
  return fromLocality && proxy.locality ? fromLocality(proxy.locality) : undefined;
}

/**
 * The LocalityLbEndpoints of `groups` with the setting applied for this proxy. `failover` says
 * whether outlier detection is on for the cluster.
 */
export function applyLocalityLb(
  groups: readonly LocalityGroup[],
  proxy: LocalityContext,
  setting: LocalityLoadBalancerSetting | undefined,
  failover: boolean,
): LocalityLbEndpoints[] {
  let entries: Entry[] = groups.map((group) => ({ group, lle: localityLbEndpointsOf(group) }));
  if (!setting) return entries.map((entry) => entry.lle);
  if ((setting.distribute?.length ?? 0) > 0) {
    applyDistribute(entries, proxy.locality, setting.distribute ?? []);
  } else if (failover && setting.enabled !== false) {
    if ((setting.failoverPriority?.length ?? 0) > 0) {
      entries = applyFailoverPriority(entries, proxy, setting.failoverPriority ?? []);
      if ((setting.failover?.length ?? 0) > 0) applyLocalityFailover(entries, proxy.locality, setting.failover ?? []);
    } else {
      applyLocalityFailover(entries, proxy.locality, setting.failover ?? []);
    }
  }
  return entries.map((entry) => entry.lle);
}

function applyDistribute(
  entries: Entry[],
  proxyLocality: Locality | undefined,
  distribute: NonNullable<LocalityLoadBalancerSetting['distribute']>,
): void {
  const rule = distribute.find((candidate) => localityMatches(proxyLocality, candidate.from ?? ''));
  if (!rule) return;
  const unmatched = new Set(entries.map((_, index) => index));
  for (const [pattern, weight] of Object.entries(rule.to ?? {})) {
    const matched = new Map<number, number>();
    let total = 0;
    for (const index of unmatched) {
      if (!localityMatches(entries[index].group.locality, pattern)) continue;
      const original = entries[index].lle.loadBalancingWeight ?? 1;
      matched.set(index, original);
      total += original;
    }
    for (const [index, original] of matched) {
      unmatched.delete(index);
      const share = (original * weight) / total;
      if (share > 0) entries[index].lle = { ...entries[index].lle, loadBalancingWeight: Math.ceil(share) };
    }
  }
  for (const index of unmatched) entries[index].lle = { ...entries[index].lle, lbEndpoints: [] };
}

/** Splits each locality by how many leading `failoverPriority` labels its endpoints share with the proxy. */
function applyFailoverPriority(entries: Entry[], proxy: LocalityContext, failoverPriority: readonly string[]): Entry[] {
  if (Object.keys(proxy.labels).length === 0) return entries;
  const keys: string[] = [];
  const overrides = new Map<string, string>();
  for (const item of failoverPriority) {
    // `label=value` compares endpoints against that value instead of the proxy's own label.
    const parts = item.split('=');
    keys.push(parts[0]);
    if (parts.length === 2) overrides.set(parts[0], parts[1]);
  }
  const lowest = keys.length;
  const out: Entry[] = [];
  for (const entry of entries) {
    const byPriority = new Map<number, LocalityGroup['endpoints'][number][]>();
    for (const wrapped of entry.group.endpoints) {
      let priority = 0;
      for (let j = 0; j < keys.length; j++) {
        const wanted = overrides.has(keys[j]) ? overrides.get(keys[j]) : proxyLabel(proxy, keys[j]);
        if (wanted !== endpointLabel(wrapped.endpoint, keys[j])) {
          priority = lowest - j;
          break;
        }
      }
      let list = byPriority.get(priority);
      if (!list) byPriority.set(priority, (list = []));
      list.push(wrapped);
    }
    for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
      const group: LocalityGroup = { locality: entry.group.locality, endpoints: byPriority.get(priority)! };
      out.push({ group, lle: { ...localityLbEndpointsOf(group), priority } });
    }
  }
  renumber(out);
  return out;
}

function applyLocalityFailover(
  entries: Entry[],
  proxyLocality: Locality | undefined,
  failover: NonNullable<LocalityLoadBalancerSetting['failover']>,
): void {
  for (const entry of entries) {
    let priority = localityPriority(proxyLocality, entry.group.locality);
    if (priority === 3) {
      const rule = failover.find((candidate) => candidate.from === (proxyLocality?.region ?? ''));
      if (rule && entry.group.locality.region !== rule.to) priority = 4;
    }
    // Keep what failoverPriority decided as the major key: at most 5 closeness levels per level.
    entry.lle = { ...entry.lle, priority: (entry.lle.priority ?? 0) * 5 + priority };
  }
  renumber(entries);
}

/** Priorities 0..N in the same order, without gaps. */
function renumber(entries: Entry[]): void {
  const distinct = [...new Set(entries.map((entry) => entry.lle.priority ?? 0))].sort((a, b) => a - b);
  const rank = new Map(distinct.map((priority, index) => [priority, index]));
  for (const entry of entries) entry.lle = { ...entry.lle, priority: rank.get(entry.lle.priority ?? 0) ?? 0 };
}
