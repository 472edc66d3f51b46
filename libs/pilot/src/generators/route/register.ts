/** Registers the RDS generators in the ADS server's registry (call once, where generators are wired). */
import type { PushContext } from '@mesh/mesh-model';
import { TypeUrl } from '@mesh/xds';
import type { GeneratorRegistry } from '../../xds-server/generator';
import { grpcRouteGenerator, routeGenerator } from './rds-generator';

export function registerRouteGenerators(registry: GeneratorRegistry<PushContext>): GeneratorRegistry<PushContext> {
  return registry
    .register('envoy', TypeUrl.RouteConfiguration, routeGenerator)
    .register('grpc', TypeUrl.RouteConfiguration, grpcRouteGenerator);
}
