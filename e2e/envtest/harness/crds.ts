/**
 * The mesh's CRDs (deploy/crds) applied to the envtest API server with @kubernetes/client-node,
 * and the wait until each is Established and its resources are really served.
 */
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  loadAllYaml,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from './envtest';
import { isApiError } from './kube';
import { waitFor } from './wait';

export const crdDir = join(workspaceRoot, 'deploy', 'crds');

export interface CrdFile {
  readonly file: string;
  readonly crd: V1CustomResourceDefinition;
}

/**
 * Every CRD document of every YAML file in `dir`, in file-name order. Read with client-node's
 * loadAllYaml, not a plain YAML parser: the typed API calls serialize by the model's property
 * names, so a plain object would silently lose keys such as `x-kubernetes-int-or-string` (whose
 * property is `x_kubernetes_int_or_string`) and the API server would refuse the schema.
 */
export function readCrds(dir = crdDir): CrdFile[] {
  const out: CrdFile[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const file = join(dir, name);
    for (const object of loadAllYaml(readFileSync(file, 'utf8')) as Array<KubernetesObject | null>) {
      if (object?.kind === 'CustomResourceDefinition') out.push({ file, crd: object as V1CustomResourceDefinition });
    }
  }
  return out;
}

/** Creates each CRD (replacing one that exists), then waits until all are Established and served. */
export async function applyCrds(kubeConfig: KubeConfig, crds = readCrds()): Promise<V1CustomResourceDefinition[]> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const { file, crd } of crds) {
    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (error) {
      if (!isApiError(error, 409)) throw new Error(`${file}: the API server refused the CRD`, { cause: error });
      const existing = await api.readCustomResourceDefinition({ name: crd.metadata!.name! });
      const body = { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion } };
      await api.replaceCustomResourceDefinition({ name: crd.metadata!.name!, body });
    }
  }
  return Promise.all(crds.map(({ crd }) => waitUntilServed(kubeConfig, crd.metadata!.name!)));
}

/** The CRD's Established condition, then a list of every served version answering (not 404). */
export async function waitUntilServed(kubeConfig: KubeConfig, name: string): Promise<V1CustomResourceDefinition> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const crd = await waitFor(`CRD ${name} to be Established`, async () => {
    const current = await api.readCustomResourceDefinition({ name });
    const established = current.status?.conditions?.find((c) => c.type === 'Established');
    return established?.status === 'True' ? current : undefined;
  });
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    await waitFor(`${crd.spec.names.plural}.${crd.spec.group}/${version.name} to be served`, async () => {
      await custom.listClusterCustomObject({
        group: crd.spec.group,
        version: version.name,
        plural: crd.spec.names.plural,
      });
      return true;
    });
  }
  return crd;
}
