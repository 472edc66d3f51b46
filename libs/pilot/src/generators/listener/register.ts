/** Registers the LDS generators in the ADS server's registry (call once, where generators are wired). */
import type { PushContext } from '@mesh/mesh-model';
import { TypeUrl } from '@mesh/xds';
import type { GeneratorRegistry } from '../../xds-server/generator';
import { grpcListenerGenerator, listenerGenerator } from './lds-generator';

export function registerListenerGenerators(registry: GeneratorRegistry<PushContext>): GeneratorRegistry<PushContext> {
  return registry
    .register('envoy', TypeUrl.Listener, listenerGenerator)
    .register('grpc', TypeUrl.Listener, grpcListenerGenerator);
}
