/** The EDS generator (shared by Envoy-style proxies and proxyless gRPC) and its registration. */
import type { PushContext } from '@mesh/mesh-model';
import { TypeUrl } from '@mesh/xds';
import type { GeneratorRegistry } from '../../xds-server/generator';
import { EndpointGenerator } from './endpoint-generator';

export { EndpointGenerator, edsClusterNames } from './endpoint-generator';
export { loadAssignmentFor, endpointViewOf, type EndpointView } from './load-assignment';
export { localityLbSettingFor } from './locality-lb';

/** Registers EDS for both generator families ('envoy' and 'grpc'); one instance, one cache. */
export function registerEndpointGenerators(registry: GeneratorRegistry<PushContext>): void {
  const generator = new EndpointGenerator();
  registry.register('envoy', TypeUrl.ClusterLoadAssignment, generator);
  registry.register('grpc', TypeUrl.ClusterLoadAssignment, generator);
}
