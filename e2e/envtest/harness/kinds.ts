/**
 * Create/replace/delete/list for the kinds the config source watches, one client-node call each:
 * CustomObjectsApi for Istio kinds (plain JSON as the API server sends it), the typed core and
 * discovery clients for Services, Pods and EndpointSlices. Specs write objects through these and
 * compare what the source serves with what the API server holds.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1EndpointSlice,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { schemaOfKind, type Kind } from '@mesh/config-model';

export interface KindClient {
  create(object: KubernetesObject): Promise<KubernetesObject>;
  /** Replaces the object; `object.metadata.resourceVersion` makes it conditional. */
  replace(object: KubernetesObject): Promise<KubernetesObject>;
  /** Deletes; resolves with the object the API server answered with, when it answers with one (not a Status). */
  delete(namespace: string, name: string): Promise<KubernetesObject | undefined>;
  /** Every object of the kind in one namespace. */
  list(namespace: string): Promise<KubernetesObject[]>;
}

function nameOf(object: KubernetesObject): { namespace: string; name: string } {
  const { namespace, name } = object.metadata ?? {};
  if (!namespace || !name) throw new Error('the object needs metadata.namespace and metadata.name');
  return { namespace, name };
}

/** Istio kinds, Service, Pod and EndpointSlice (what the specs write). */
export function kindClient(kubeConfig: KubeConfig, kind: Kind): KindClient {
  switch (kind) {
    case 'Service': {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      return {
        create: (o) => core.createNamespacedService({ namespace: nameOf(o).namespace, body: o as V1Service }),
        replace: (o) => core.replaceNamespacedService({ ...nameOf(o), body: o as V1Service }),
        delete: async (namespace, name) => deletedObject(await core.deleteNamespacedService({ namespace, name })),
        list: async (namespace) => (await core.listNamespacedService({ namespace })).items,
      };
    }
    case 'Pod': {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      return {
        create: (o) => core.createNamespacedPod({ namespace: nameOf(o).namespace, body: o as V1Pod }),
        replace: (o) => core.replaceNamespacedPod({ ...nameOf(o), body: o as V1Pod }),
        // Answers with the pod as marked for deletion (deletionTimestamp set, an update watchers see);
        // with no kubelet, a pod that was never scheduled is then removed at once.
        delete: async (namespace, name) => deletedObject(await core.deleteNamespacedPod({ namespace, name })),
        list: async (namespace) => (await core.listNamespacedPod({ namespace })).items,
      };
    }
    case 'EndpointSlice': {
      const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
      return {
        create: (o) =>
          discovery.createNamespacedEndpointSlice({ namespace: nameOf(o).namespace, body: o as V1EndpointSlice }),
        replace: (o) => discovery.replaceNamespacedEndpointSlice({ ...nameOf(o), body: o as V1EndpointSlice }),
        delete: async (namespace, name) =>
          deletedObject(await discovery.deleteNamespacedEndpointSlice({ namespace, name })),
        list: async (namespace) => (await discovery.listNamespacedEndpointSlice({ namespace })).items,
      };
    }
    default: {
      const custom = kubeConfig.makeApiClient(CustomObjectsApi);
      const schema = schemaOfKind(kind);
      if (!schema.istio) throw new Error(`kindClient does not handle ${kind}`);
      const target = { group: schema.group, version: schema.versions[0]!, plural: schema.plural };
      return {
        create: async (o) =>
          (await custom.createNamespacedCustomObject({
            ...target,
            namespace: nameOf(o).namespace,
            body: o,
          })) as KubernetesObject,
        replace: async (o) =>
          (await custom.replaceNamespacedCustomObject({ ...target, ...nameOf(o), body: o })) as KubernetesObject,
        delete: async (namespace, name) =>
          deletedObject(
            (await custom.deleteNamespacedCustomObject({ ...target, namespace, name })) as KubernetesObject,
          ),
        list: async (namespace) =>
          ((await custom.listNamespacedCustomObject({ ...target, namespace })) as { items: KubernetesObject[] }).items,
      };
    }
  }
}

/** The resourceVersion the API server gave an object it returned. */
export function versionOf(object: KubernetesObject): string {
  const version = object.metadata?.resourceVersion;
  if (!version) throw new Error(`${object.kind ?? 'object'} ${object.metadata?.name ?? ''} has no resourceVersion`);
  return version;
}

function deletedObject(answer: KubernetesObject | undefined): KubernetesObject | undefined {
  return answer?.kind === 'Status' || answer?.metadata?.name === undefined ? undefined : answer;
}
