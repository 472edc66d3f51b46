/**
 * CDS generators (Envoy-style proxies and proxyless gRPC) and their registration. The cluster
 * builders are exported for tests, debug tooling and the route generator's needs.
 */
import type { PushContext } from '@mesh/mesh-model';
import { TypeUrl } from '@mesh/xds';
import type { GeneratorRegistry } from '../../xds-server/generator';
import { EnvoyClusterGenerator, GrpcClusterGenerator, type ClusterGeneratorOptions } from './cluster-generator';

export {
  EnvoyClusterGenerator,
  GrpcClusterGenerator,
  clustersDependOnEndpoints,
  type ClusterGeneratorOptions,
} from './cluster-generator';
export { buildOutboundCluster, discoveryTypeOf, isSkipped, type SkippedCluster } from './outbound-cluster';
export { outboundTargets, outboundTargetForName, outboundServices, type OutboundTarget } from './outbound-targets';
export { buildInboundClusters } from './inbound-clusters';
export { blackHoleCluster, passthroughCluster, inboundPassthroughCluster } from './fixed-clusters';
export { buildGrpcCluster, buildGrpcClusters, grpcMtlsContext } from './grpc-clusters';
export { HTTP_PROTOCOL_OPTIONS_KEY } from './cluster-draft';
export { istioMtlsSni, fileCertResourceName, fileRootResourceName } from './upstream-tls';

/** Registers CDS for both generator families ('envoy' and 'grpc'). */
export function registerClusterGenerators(
  registry: GeneratorRegistry<PushContext>,
  options: ClusterGeneratorOptions = {},
): void {
  registry.register('envoy', TypeUrl.Cluster, new EnvoyClusterGenerator(options));
  registry.register('grpc', TypeUrl.Cluster, new GrpcClusterGenerator());
}
