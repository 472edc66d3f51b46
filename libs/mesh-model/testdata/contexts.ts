/** Builds PushContexts and proxies for specs. */
import { defaultMeshConfig, type Config, type MeshConfig } from '@mesh/config-model';
import { ConfigSnapshot } from '../src/config-source';
import { proxyFromNode, type Proxy } from '../src/proxy';
import { PushContext } from '../src/push-context';
import { ServiceRegistry } from '../src/registry/service-registry';

export interface TestMesh {
  readonly snapshot: ConfigSnapshot;
  readonly registry: ServiceRegistry;
  readonly context: PushContext;
}

export function meshOf(configs: readonly Config[], mesh: MeshConfig = defaultMeshConfig()): TestMesh {
  const snapshot = new ConfigSnapshot(configs);
  const registry = ServiceRegistry.fromSnapshot(snapshot);
  const context = PushContext.build({ config: snapshot, discovery: registry, mesh, version: 'v1' });
  return { snapshot, registry, context };
}

/** A sidecar (or router) proxy in `namespace` with `labels`, as its xDS node would announce it. */
export function proxyIn(
  namespace: string,
  labels: Record<string, string> = {},
  type: 'sidecar' | 'router' = 'sidecar',
  name = 'workload-0',
): Proxy {
  return proxyFromNode(`${type}~10.0.0.99~${name}.${namespace}~${namespace}.svc.cluster.local`, { LABELS: labels });
}
