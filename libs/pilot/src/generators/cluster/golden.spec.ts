/**
 * Golden files of CDS and EDS for every scenario: `testdata/clusters/<scenario>.cds.golden.json`
 * and `.eds.golden.json`, one entry per proxy. Refresh with REFRESH_GOLDEN=1 after an intended
 * change, and read the diff: the behaviour specs beside this one say what must hold.
 */
import { Cluster, ClusterLoadAssignment, unpackAnyAs } from '@mesh/xds';
import { compareGolden } from '../testing/golden';
import { generateClusters, generateEndpoints } from './testdata/generate';
import { SCENARIOS, scenarioPush } from './testdata/scenarios';

describe.each(SCENARIOS.map((scenario) => scenario.name))('scenario %s', (name) => {
  const { scenario, push } = scenarioPush(name);

  it('matches its CDS golden file', () => {
    const output: Record<string, unknown> = {};
    for (const { name: proxyName, proxy, requestedClusters } of scenario.proxies) {
      output[proxyName] = generateClusters(push, proxy, requestedClusters ?? []).resources.map((entry) =>
        Cluster.toJSON(unpackAnyAs(Cluster, entry.resource)),
      );
    }
    const { expected, actual } = compareGolden(`clusters/${name}.cds.golden.json`, output);
    expect(actual).toBe(expected);
  });

  it('matches its EDS golden file', () => {
    const output: Record<string, unknown> = {};
    for (const { name: proxyName, proxy, requestedClusters } of scenario.proxies) {
      output[proxyName] = generateEndpoints(push, proxy, requestedClusters ?? []).resources.map((entry) =>
        ClusterLoadAssignment.toJSON(unpackAnyAs(ClusterLoadAssignment, entry.resource)),
      );
    }
    const { expected, actual } = compareGolden(`clusters/${name}.eds.golden.json`, output);
    expect(actual).toBe(expected);
  });
});
