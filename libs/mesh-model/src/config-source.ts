/**
 * What the mesh model reads configuration through. A domain lib may not import the config-store
 * adapter, so these are structural interfaces of our own: `ConfigStore` from `@mesh/config-store`
 * satisfies both `ConfigSnapshotSource` and `ConfigChangeFeed` as it is.
 */
import { configKey, type Config, type Kind } from '@mesh/config-model';

/** Read access to the current configuration. */
export interface ConfigSnapshotSource {
  /** Objects of a kind, in one namespace or all of them. */
  list(kind: Kind, namespace?: string): readonly Config[];
  get(kind: Kind, namespace: string, name: string): Config | undefined;
}

/** One change, shaped like config-store's ConfigEvent (`previous` only on update). */
export type ConfigChange =
  | { readonly type: 'add'; readonly config: Config }
  | { readonly type: 'update'; readonly config: Config; readonly previous: Config }
  | { readonly type: 'delete'; readonly config: Config };

/** A source of changes: calls the handler for every change, returns the function that unsubscribes. */
export interface ConfigChangeFeed {
  subscribe(handler: (change: ConfigChange) => void): () => void;
}

/**
 * A fixed set of objects as a ConfigSnapshotSource: for tests, and for tools that compute a
 * PushContext from files without a store. Objects with the same key: the last one wins.
 */
export class ConfigSnapshot implements ConfigSnapshotSource {
  private readonly byKind = new Map<Kind, Map<string, Config>>();

  constructor(configs: Iterable<Config> = []) {
    for (const config of configs) this.put(config);
  }

  put(config: Config): void {
    let ofKind = this.byKind.get(config.kind);
    if (!ofKind) this.byKind.set(config.kind, (ofKind = new Map()));
    ofKind.set(configKey(config), config);
  }

  remove(config: Pick<Config, 'kind' | 'namespace' | 'name'>): void {
    this.byKind.get(config.kind)?.delete(configKey(config));
  }

  list(kind: Kind, namespace?: string): Config[] {
    const all = [...(this.byKind.get(kind)?.values() ?? [])];
    const selected = namespace === undefined ? all : all.filter((config) => config.namespace === namespace);
    return selected.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  get(kind: Kind, namespace: string, name: string): Config | undefined {
    return this.byKind.get(kind)?.get(configKey({ kind, namespace, name }));
  }
}
