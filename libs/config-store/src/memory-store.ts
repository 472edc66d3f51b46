/**
 * A store you write to directly: for tests, and for other libs' unit tests that need a ConfigStore.
 * Writes behave like a small API server: every write gets a new resourceVersion (a counter), and
 * update and delete can require the version the writer last read (optimistic concurrency).
 * Written objects go through the same validation as the other sources: an invalid write is
 * accepted as the latest version but refused for serving (see `rejected()`).
 */
import { configKey, describeConfig, type Config, type ConfigIssue, type Kind } from '@mesh/config-model';
import { ConfigCollection } from './collection';
import type { ConfigEventHandler, ConfigStore, ConfigStoreStats, ConfigValidator } from './store';

export interface MemoryConfigStoreOptions {
  readonly validate?: ConfigValidator;
}

/** A write that lost a race (or named an object that does not exist, or already exists). */
export class ConfigConflictError extends Error {
  constructor(
    message: string,
    readonly reason: 'already-exists' | 'not-found' | 'stale-version',
  ) {
    super(message);
    this.name = 'ConfigConflictError';
  }
}

export class MemoryConfigStore implements ConfigStore {
  private readonly collection: ConfigCollection;
  /** The latest written version of every object, valid or not. */
  private readonly written = new Map<string, Config>();
  private lastVersion = 0;

  constructor(options: MemoryConfigStoreOptions = {}) {
    this.collection = new ConfigCollection({ validate: options.validate });
  }

  /** Stores a new object; its resourceVersion is assigned (whatever the argument says). */
  create(config: Config): Config {
    const key = configKey(config);
    if (this.written.has(key)) {
      throw new ConfigConflictError(`${describeConfig(config)} already exists`, 'already-exists');
    }
    return this.write(key, config);
  }

  /**
   * Replaces an object. `config.resourceVersion` must be the version the caller read (the
   * current one); pass '' to overwrite whatever is there.
   */
  update(config: Config): Config {
    const key = configKey(config);
    const current = this.written.get(key);
    if (!current) throw new ConfigConflictError(`${describeConfig(config)} does not exist`, 'not-found');
    this.checkVersion(current, config.resourceVersion);
    return this.write(key, config);
  }

  /** Removes an object; with `resourceVersion`, only if it is still that version. */
  delete(kind: Kind, namespace: string, name: string, resourceVersion?: string): void {
    const key = configKey({ kind, namespace, name });
    const current = this.written.get(key);
    if (!current) {
      throw new ConfigConflictError(`${describeConfig({ kind, namespace, name })} does not exist`, 'not-found');
    }
    if (resourceVersion !== undefined) this.checkVersion(current, resourceVersion);
    this.written.delete(key);
    this.collection.remove(key);
  }

  get(kind: Kind, namespace: string, name: string): Config | undefined {
    return this.collection.get(kind, namespace, name);
  }

  list(kind: Kind, namespace?: string): Config[] {
    return this.collection.list(kind, namespace);
  }

  subscribe(handler: ConfigEventHandler): () => void {
    return this.collection.subscribe(handler);
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  rejected(): ConfigIssue[] {
    return this.collection.rejected();
  }

  stats(): ConfigStoreStats {
    return this.collection.stats();
  }

  close(): Promise<void> {
    this.collection.close();
    return Promise.resolve();
  }

  private write(key: string, config: Config): Config {
    const stored: Config = { ...config, resourceVersion: String(++this.lastVersion) };
    this.written.set(key, stored);
    this.collection.offer(stored);
    return stored;
  }

  private checkVersion(current: Config, expected: string): void {
    if (expected !== '' && expected !== current.resourceVersion) {
      throw new ConfigConflictError(
        `${describeConfig(current)} was modified: you have resourceVersion ${expected}, the store has ${current.resourceVersion}`,
        'stale-version',
      );
    }
  }
}
