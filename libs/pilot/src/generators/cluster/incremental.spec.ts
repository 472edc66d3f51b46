/** Endpoint-only pushes: when clusters must be re-sent and when CDS can say noChange. */
import { pushRequest } from '@mesh/mesh-model';
import { clustersDependOnEndpoints } from './cluster-generator';
import { generateClusters } from './testdata/generate';
import { scenarioPush, scenarioProxy } from './testdata/scenarios';

const endpointsChanged = (...hosts: string[]) =>
  pushRequest({ reason: 'endpoint', start: 0, full: false, edsHosts: new Set(hosts) });

describe('CDS on endpoint changes', () => {
  const entries = scenarioPush('service-entries');
  const sidecar = scenarioProxy(entries.scenario, 'default-sidecar');

  it('is unchanged when only EDS services changed', () => {
    expect(generateClusters(entries.push, sidecar, [], endpointsChanged('payments.internal'))).toEqual({
      resources: [],
      noChange: true,
    });
  });

  it('is re-sent when a DNS service (endpoints inlined in the cluster) changed', () => {
    const result = generateClusters(entries.push, sidecar, [], endpointsChanged('db.example.com'));
    expect(result.noChange).toBeUndefined();
    expect(result.resources.map((entry) => entry.name)).toContain('outbound|3306||db.example.com');
  });

  it("is re-sent when the change concerns the sidecar's own workload (its inbound clusters)", () => {
    const bookinfo = scenarioPush('bookinfo');
    const productpage = scenarioProxy(bookinfo.scenario, 'productpage-sidecar');
    expect(
      clustersDependOnEndpoints(bookinfo.push, productpage, new Set(['productpage.default.svc.cluster.local'])),
    ).toBe(true);
    expect(clustersDependOnEndpoints(bookinfo.push, productpage, new Set(['reviews.default.svc.cluster.local']))).toBe(
      false,
    );
    expect(clustersDependOnEndpoints(bookinfo.push, productpage, new Set())).toBe(false);
  });
});
