/**
 * @mesh/config-store: one collection/event abstraction for configuration, with three sources:
 * a watched directory of YAML/JSON, the Kubernetes API server (informers) and memory.
 */
export * from './store';
export { ConfigCollection, type Refusal, type FieldLocator, type ConfigCollectionOptions } from './collection';
export * from './memory-store';
export { DirectoryConfigSource, type DirectoryConfigSourceOptions } from './directory/directory-source';
export {
  KubernetesConfigSource,
  type KubernetesConfigSourceOptions,
  type KindStatus,
} from './kubernetes/kubernetes-source';
export { informersFromKubeConfig, watchPathOf, type InformerFactory, type KubeInformer } from './kubernetes/informers';
