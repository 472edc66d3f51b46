/**
 * The list/watch side of the Kubernetes source, as an injected interface: one informer per kind.
 * In production it is `@kubernetes/client-node`'s informer (`makeInformer`), which lists, watches
 * from the list's resourceVersion, resumes after a cleanly closed watch and relists after
 * `410 Gone`; the source restarts it after the errors it gives up on. Tests give the same
 * informer a fake transport, or their own informer.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Schema } from '@mesh/config-model';

/** What the source needs from an informer (client-node's `Informer & ObjectCache` fits). */
export interface KubeInformer {
  on(verb: 'add' | 'update' | 'delete', callback: (object: KubernetesObject) => void): void;
  on(verb: 'error', callback: (error?: unknown) => void): void;
  /** Lists (unless it can resume from its last resourceVersion) and starts watching. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Its cache: after `start()` resolves without an error, the truth as of the list or watch. */
  list(): ReadonlyArray<KubernetesObject>;
}

export type InformerFactory = (schema: Schema) => KubeInformer;

/** The collection path the informer lists and watches, at the schema's preferred version. */
export function watchPathOf(schema: Schema): string {
  const version = schema.versions[0];
  return schema.group === '' ? `/api/${version}/${schema.plural}` : `/apis/${schema.group}/${version}/${schema.plural}`;
}

type ListFunction = () => Promise<KubernetesListObject<KubernetesObject>>;

/** Informers talking to the API server of `kubeConfig`, across all namespaces. */
export function informersFromKubeConfig(kubeConfig: KubeConfig): InformerFactory {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);

  const listFunctionOf = (schema: Schema): ListFunction => {
    if (schema.istio) {
      const request = { group: schema.group, version: schema.versions[0], plural: schema.plural };
      // Custom objects come back as plain JSON: exactly what the API server sent.
      return async () => (await custom.listClusterCustomObject(request)) as KubernetesListObject<KubernetesObject>;
    }
    switch (schema.kind) {
      case 'Namespace':
        return () => core.listNamespace();
      case 'Service':
        return () => core.listServiceForAllNamespaces();
      case 'Pod':
        return () => core.listPodForAllNamespaces();
      case 'Secret':
        return () => core.listSecretForAllNamespaces();
      case 'ConfigMap':
        return () => core.listConfigMapForAllNamespaces();
      case 'EndpointSlice':
        return () => discovery.listEndpointSliceForAllNamespaces();
      default:
        throw new Error(`no list call for kind ${schema.kind}`);
    }
  };

  return (schema) => makeInformer(kubeConfig, watchPathOf(schema), listFunctionOf(schema));
}
