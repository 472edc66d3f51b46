import type { XdsCluster, XdsHealthStatus, XdsLocalityEndpoints } from '../../xds/model';
import { StatsStore } from '../stats/stats-store';
import { ClusterRuntime } from './cluster';

const definition: XdsCluster = {
  name: 'c',
  type: 'eds',
  serviceName: 'c',
  lbPolicy: 'round_robin',
  connectTimeoutMs: 1000,
  transportSocketMatches: [],
  circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
  healthyPanicThresholdPercent: 50,
};
const locality = (priority: number, hosts: [number, XdsHealthStatus][]): XdsLocalityEndpoints => ({
  locality: { region: '', zone: '', subZone: '' },
  priority,
  endpoints: hosts.map(([port, healthStatus]) => ({
    address: { address: '10.0.0.1', port },
    healthStatus,
    weight: 1,
    metadata: {},
  })),
});

function portsChosen(cluster: ClusterRuntime, n: number): Set<number | undefined> {
  return new Set(Array.from({ length: n }, () => cluster.chooseHost()?.port));
}

describe('ClusterRuntime: priorities, health and panic', () => {
  let cluster: ClusterRuntime;
  let random: number;
  beforeEach(() => {
    random = 0;
    cluster = new ClusterRuntime(definition, new StatsStore(), () => random);
  });
  afterEach(() => cluster.close());

  it('skips unhealthy hosts while at least half are healthy', () => {
    cluster.update(definition, {
      clusterName: 'c',
      localities: [
        locality(0, [
          [1, 'healthy'],
          [2, 'unhealthy'],
          [3, 'unknown'],
          [4, 'draining'],
        ]),
      ],
    });
    expect(portsChosen(cluster, 8)).toEqual(new Set([1, 3]));
  });

  it('balances over every host of a level with fewer than half healthy (panic)', () => {
    cluster.update(definition, {
      clusterName: 'c',
      localities: [
        locality(0, [
          [1, 'healthy'],
          [2, 'unhealthy'],
          [3, 'unhealthy'],
        ]),
      ],
    });
    expect(portsChosen(cluster, 9)).toEqual(new Set([1, 2, 3]));
  });

  it('spills to the next priority in proportion to the unhealthy share of the first (overprovisioning 1.4)', () => {
    // Priority 0 is 50% healthy: 70% of the load stays there, 30% goes to priority 1.
    cluster.update(definition, {
      clusterName: 'c',
      localities: [
        locality(0, [
          [1, 'healthy'],
          [2, 'unhealthy'],
        ]),
        locality(1, [[10, 'healthy']]),
      ],
    });
    random = 0.69;
    expect(cluster.chooseHost()?.port).toBe(1);
    random = 0.71;
    expect(cluster.chooseHost()?.port).toBe(10);
    // A fully healthy first level takes everything.
    cluster.update(definition, {
      clusterName: 'c',
      localities: [locality(0, [[1, 'healthy']]), locality(1, [[10, 'healthy']])],
    });
    random = 0.99;
    expect(cluster.chooseHost()?.port).toBe(1);
  });

  it('keeps host objects (pool and counters) across updates that keep their address', () => {
    cluster.update(definition, { clusterName: 'c', localities: [locality(0, [[1, 'healthy']])] });
    const host = cluster.chooseHost();
    host!.requestStarted();
    cluster.update(definition, {
      clusterName: 'c',
      localities: [
        locality(0, [
          [1, 'healthy'],
          [2, 'healthy'],
        ]),
      ],
    });
    expect(cluster.allHosts().find((h) => h.port === 1)).toBe(host);
    expect(host!.counters.rqTotal).toBe(1);
    host!.requestFinished(true);
    cluster.update(definition, { clusterName: 'c', localities: [] });
    expect(cluster.chooseHost()).toBeUndefined();
  });
});
