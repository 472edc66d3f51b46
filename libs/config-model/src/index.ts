/**
 * @mesh/config-model: Istio and Kubernetes API types, the schema registry, the Config wrapper,
 * manifest parsing with line numbers, and the host, label and mesh-config helpers.
 */
export * from './schema';
export * from './config';
export * from './issues';
export * from './manifest';
export * from './from-manifest';
