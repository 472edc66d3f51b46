/**
 * @mesh/pilot: the control plane's xDS side. The ADS server (`xds-server/`); the translation
 * generators (`generators/`) plug into its GeneratorRegistry (`registerAllGenerators`); the
 * controller (`controller/`) runs the push path and the debug and monitoring ports.
 */
export * from './xds-server';
export * from './generators-registration';
export * from './controller';
// CDS and EDS generators ("clusters" helper): wire with registerClusterGenerators(registry) and
// registerEndpointGenerators(registry).
export {
  registerClusterGenerators,
  EnvoyClusterGenerator,
  GrpcClusterGenerator,
  type ClusterGeneratorOptions,
} from './generators/cluster';
export { registerEndpointGenerators, EndpointGenerator } from './generators/endpoint';
// LDS and RDS generators ("listeners" helper) and the traffic simulator over generated config.
export * from './generators/listener';
export * from './generators/route';
// SDS: credentials by `credentialName` from Kubernetes Secrets (Envoy-style proxies).
export { registerSecretGenerators, SecretGenerator, type SecretGeneratorOptions } from './generators/secret';
export * from './generators/simulation';
