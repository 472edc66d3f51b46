/**
 * Every xDS generator of this build, registered in one place (Istio's habit): the ADS server finds
 * a generator by proxy family ('envoy' | 'grpc') and type URL. CDS, EDS, LDS and RDS for both
 * families; SDS (credentials from Kubernetes Secrets) for Envoy-style proxies only. The workload
 * certificates (`default`, `ROOTCA`) are the agent's to serve, not ours.
 */
import type { PushContext } from '@mesh/mesh-model';
import { registerClusterGenerators, type ClusterGeneratorOptions } from './generators/cluster';
import { registerEndpointGenerators } from './generators/endpoint';
import { registerListenerGenerators } from './generators/listener';
import { registerRouteGenerators } from './generators/route';
import { registerSecretGenerators, type SecretGeneratorOptions } from './generators/secret';
import type { GeneratorRegistry } from './xds-server';

export interface GeneratorOptions {
  /** Told why a cluster was left out for a proxy (for a debug log). */
  readonly onSkippedCluster?: ClusterGeneratorOptions['onSkippedCluster'];
  /** Told why an SDS resource was not served to a proxy (once per namespace, name and reason; for a warning). */
  readonly onRefusedSecret?: SecretGeneratorOptions['onRefused'];
}

export function registerAllGenerators(
  registry: GeneratorRegistry<PushContext>,
  options: GeneratorOptions = {},
): GeneratorRegistry<PushContext> {
  registerClusterGenerators(registry, { onSkippedCluster: options.onSkippedCluster });
  registerEndpointGenerators(registry);
  registerListenerGenerators(registry);
  registerRouteGenerators(registry);
  registerSecretGenerators(registry, { onRefused: options.onRefusedSecret });
  return registry;
}
