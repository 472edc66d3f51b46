/**
 * The clusters of the active configuration, reconciled with each snapshot: new ones created,
 * changed ones updated in place (their hosts, pools and counters carry over), removed ones
 * closed once their requests finish.
 */
import type { Snapshot } from '../../xds/snapshot';
import type { XdsCluster, XdsClusterLoadAssignment } from '../../xds/model';
import type { Counter, Gauge, StatsStore } from '../stats/stats-store';
import type { TlsMaterialResolver } from '../tls/tls-material';
import { ClusterRuntime } from './cluster';

export class ClusterManager {
  private readonly clusters = new Map<string, ClusterRuntime>();
  /** The definition each cluster was last updated with, to tell modified from unchanged. */
  private readonly fingerprints = new Map<string, string>();
  private readonly added: Counter;
  private readonly modified: Counter;
  private readonly removed: Counter;
  private readonly active: Gauge;

  constructor(
    private readonly store: StatsStore,
    private readonly tls: TlsMaterialResolver,
  ) {
    const s = store.scope('cluster_manager');
    this.added = s.counter('cluster_added');
    this.modified = s.counter('cluster_modified');
    this.removed = s.counter('cluster_removed');
    this.active = s.gauge('active_clusters');
  }

  get(name: string): ClusterRuntime | undefined {
    return this.clusters.get(name);
  }

  all(): ClusterRuntime[] {
    return [...this.clusters.values()];
  }

  reconcile(snapshot: Snapshot): void {
    for (const [name, definition] of snapshot.clusters) {
      const assignment = endpointsOf(definition, snapshot);
      const fingerprint = JSON.stringify(definition);
      let cluster = this.clusters.get(name);
      if (!cluster) {
        cluster = new ClusterRuntime(definition, this.store);
        this.clusters.set(name, cluster);
        this.added.inc();
      } else if (this.fingerprints.get(name) !== fingerprint) {
        this.modified.inc();
      }
      this.fingerprints.set(name, fingerprint);
      cluster.update(definition, assignment, this.tls);
    }
    for (const [name, cluster] of this.clusters) {
      if (snapshot.clusters.has(name)) continue;
      this.clusters.delete(name);
      this.fingerprints.delete(name);
      cluster.close();
      this.removed.inc();
    }
    this.active.set(this.clusters.size);
  }

  close(): void {
    for (const cluster of this.clusters.values()) cluster.close();
    this.clusters.clear();
  }
}

/** EDS clusters take theirs from the snapshot (none if given up on); the others carry their own. */
function endpointsOf(cluster: XdsCluster, snapshot: Snapshot): XdsClusterLoadAssignment | undefined {
  if (cluster.type === 'eds') return snapshot.endpoints.get(cluster.serviceName);
  if (cluster.type === 'original_dst') return undefined;
  return cluster.loadAssignment;
}
