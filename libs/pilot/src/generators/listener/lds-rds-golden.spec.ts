/**
 * Golden files for every LDS/RDS scenario: the listeners and route configurations a proxy gets,
 * as Envoy-style JSON. Refresh with REFRESH_GOLDEN=1 after an intended change, and read the diff.
 */
import { unpackAnyAs } from '@mesh/xds';
import { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import { generateConfig } from '../testing/generate';
import { compareGolden } from '../testing/golden';
import { LISTENER_SCENARIOS, scenarioPush } from '../testing/listener-scenarios';

describe.each(LISTENER_SCENARIOS.map((s) => [s.name, s] as const))('scenario %s', (name, scenario) => {
  it('generates the golden listeners and routes', async () => {
    const { push } = scenarioPush(scenario);
    const config = await generateConfig(push, scenario.proxy(), scenario.grpcListeners);
    expect(config.listeners.length).toBeGreaterThan(0);

    const lds = config.listeners.map((r) => Listener.toJSON(unpackAnyAs(Listener, r.resource)));
    const rds = config.routes.map((r) => RouteConfiguration.toJSON(unpackAnyAs(RouteConfiguration, r.resource)));
    const ldsGolden = compareGolden(`listeners/${name}.lds.golden.json`, lds);
    expect(ldsGolden.actual).toBe(ldsGolden.expected);
    const rdsGolden = compareGolden(`listeners/${name}.rds.golden.json`, rds);
    expect(rdsGolden.actual).toBe(rdsGolden.expected);
  });
});
