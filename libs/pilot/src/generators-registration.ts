/**
 * Every xDS generator of this build, registered in one place (Istio's habit): the ADS server finds
 * a generator by proxy family ('envoy' | 'grpc') and type URL. CDS, EDS, LDS and RDS for both
 * families; SDS is not generated yet (it comes with the CA).
 */
import type { PushContext } from '@mesh/mesh-model';
import { registerClusterGenerators, type ClusterGeneratorOptions } from './generators/cluster';
import { registerEndpointGenerators } from './generators/endpoint';
import { registerListenerGenerators } from './generators/listener';
import { registerRouteGenerators } from './generators/route';
import type { GeneratorRegistry } from './xds-server';

export interface GeneratorOptions {
  /** Told why a cluster was left out for a proxy (for a debug log). */
  readonly onSkippedCluster?: ClusterGeneratorOptions['onSkippedCluster'];
}

export function registerAllGenerators(
  registry: GeneratorRegistry<PushContext>,
  options: GeneratorOptions = {},
): GeneratorRegistry<PushContext> {
  registerClusterGenerators(registry, { onSkippedCluster: options.onSkippedCluster });
  registerEndpointGenerators(registry);
  registerListenerGenerators(registry);
  registerRouteGenerators(registry);
  return registry;
}
