/**
 * What every config source offers its readers: the current objects, change events, readiness and
 * what it refused. Pilot, galley and the service registry depend on this interface only, never on
 * where the objects come from.
 */
import type { Config, ConfigIssue, Kind } from '@mesh/config-model';

/**
 * One change to the served objects. `add` and `delete` carry the object (for `delete`, the last
 * version that was served); `update` carries the new version and the one it replaces.
 */
export type ConfigEvent =
  | { readonly type: 'add'; readonly config: Config }
  | { readonly type: 'update'; readonly config: Config; readonly previous: Config }
  | { readonly type: 'delete'; readonly config: Config };

export type ConfigEventHandler = (event: ConfigEvent) => void;

/** The shape of `validateConfig` from `@mesh/config-validation`; injected so sources stay generic. */
export type ConfigValidator = (config: Config) => {
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
};

export interface ConfigStoreStats {
  /** Served objects by kind (kinds with none are absent). */
  readonly objects: Readonly<Partial<Record<Kind, number>>>;
  /** Objects and documents currently refused (invalid, unparseable or conflicting). */
  readonly rejected: number;
  /** Documents skipped because the mesh does not read their kind (e.g. Deployment), by kind. */
  readonly ignored: Readonly<Record<string, number>>;
  /** Events delivered to subscribers since the store was created. */
  readonly events: number;
}

export interface ConfigStore {
  /** The served version of one object; `namespace` is '' for cluster-scoped kinds. */
  get(kind: Kind, namespace: string, name: string): Config | undefined;
  /** Served objects of a kind, in one namespace or all of them; sorted by namespace, then name. */
  list(kind: Kind, namespace?: string): Config[];
  /**
   * Calls `handler` for every change from now on (no replay: read `list` for the current state).
   * Events are delivered synchronously, in order. Returns the function that unsubscribes.
   */
  subscribe(handler: ConfigEventHandler): () => void;
  /** Resolves once the initial load is done (every object present at start-up has been offered). */
  ready(): Promise<void>;
  /** Errors for everything currently refused; a refused object that had a good version keeps serving it. */
  rejected(): ConfigIssue[];
  stats(): ConfigStoreStats;
  /** Stops watching; no events are delivered afterwards. */
  close(): Promise<void>;
}
