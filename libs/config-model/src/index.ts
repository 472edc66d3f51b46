/**
 * @mesh/config-model: Istio and Kubernetes API types, the schema registry, the Config wrapper,
 * manifest parsing with line numbers, and the host, label and mesh-config helpers.
 */
export * from './schema';
export * from './config';
export * from './issues';
export * from './manifest';
export * from './from-manifest';
export * from './types';
export * from './kube-objects';
export * from './hosts';
export * from './labels';
export * from './protocol';
export * from './duration';
export * from './mesh-config';
