/**
 * A traffic simulation for a scenario's proxy over the LDS and RDS it is served, and the CDS the
 * cluster generator serves it, so every cluster a route or TCP proxy names is checked to exist
 * (the two generators agree on names only through naming.ts). For specs only.
 */
import { pushRequest } from '@mesh/mesh-model';
import { TypeUrl } from '@mesh/xds';
import { EnvoyClusterGenerator } from '../cluster';
import { Simulation, simulationInput } from '../simulation';
import { generateConfig } from './generate';
import { scenarioPush, type ListenerScenario } from './listener-scenarios';

export async function simulationFor(scenario: ListenerScenario): Promise<Simulation> {
  const { push } = scenarioPush(scenario);
  const proxy = scenario.proxy();
  const config = await generateConfig(push, proxy, scenario.grpcListeners);
  const clusters =
    proxy.generator === 'envoy'
      ? (
          await new EnvoyClusterGenerator().generate(
            proxy,
            { typeUrl: TypeUrl.Cluster, resourceNames: new Set() },
            push,
            pushRequest({ reason: 'proxy', start: 0 }),
          )
        ).resources
      : undefined;
  return new Simulation(simulationInput({ ...config, ...(clusters ? { clusters } : {}) }));
}
