/**
 * Config and discovery objects from the Kubernetes API server, through one informer per kind.
 *
 * Reconnection: client-node's informer resumes a cleanly closed watch itself and relists after
 * `410 Gone`, but gives up on other errors (API server down, connection reset, list failed) with
 * an `error` event. This source then restarts it with exponential backoff. Nothing is lost or
 * repeated across restarts because (1) every object carries the API server's resourceVersion and
 * the collection ignores a version it already has, and (2) after each successful restart the
 * informer's list is compared with what the store holds: objects the store has and the informer
 * no longer lists are deleted, the others offered again (unchanged ones are ignored as repeats).
 *
 * Kinds of which only the labels are kept (`Schema.keep`, Nodes): an update that changes none of
 * the labels is dropped here, not emitted: a kubelet rewrites its Node's status every few minutes,
 * and nothing the mesh keeps of the Node changes then. The object served keeps its older
 * resourceVersion until a label changes.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  apiVersionOf,
  configFromObject,
  configKey,
  schemas,
  type Config,
  type ConfigIssue,
  type Kind,
  type Schema,
} from '@mesh/config-model';
import { ConfigCollection, messageOf } from '../collection';
import type { ConfigEventHandler, ConfigStore, ConfigStoreStats, ConfigValidator } from '../store';
import type { InformerFactory, KubeInformer } from './informers';

export interface KubernetesConfigSourceOptions {
  readonly informers: InformerFactory;
  /** The kinds to watch (default: every kind of the schema registry). */
  readonly kinds?: readonly Kind[];
  readonly validate?: ConfigValidator;
  /** Delay before restarting a failed informer: doubles from `initialMs` up to `maxMs` (0.5 s, 30 s). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
}

export interface KindStatus {
  /** The first list of this kind has been applied (or the API server does not serve the kind). */
  readonly synced: boolean;
  /** Restarts after errors since the source started. */
  readonly restarts: number;
  /** The last error, until a restart succeeds. */
  readonly lastError?: string;
}

export class KubernetesConfigSource implements ConfigStore {
  private readonly collection: ConfigCollection;
  private readonly watchers: KindWatcher[];
  private readonly initialSync: Promise<void>;
  private rejectInitialSync?: (error: Error) => void;

  constructor(options: KubernetesConfigSourceOptions) {
    this.collection = new ConfigCollection({ validate: options.validate });
    const kinds = new Set(options.kinds ?? schemas.map((s) => s.kind));
    const backoff = { initialMs: options.backoff?.initialMs ?? 500, maxMs: options.backoff?.maxMs ?? 30_000 };
    let unsynced = kinds.size;
    let resolveInitialSync: () => void = () => undefined;
    this.initialSync = new Promise<void>((resolve, reject) => {
      resolveInitialSync = resolve;
      this.rejectInitialSync = reject;
    });
    this.initialSync.catch(() => undefined);
    const onSynced = (): void => {
      if (--unsynced === 0) resolveInitialSync();
    };
    if (unsynced === 0) resolveInitialSync();
    this.watchers = schemas
      .filter((schema) => kinds.has(schema.kind))
      .map((schema) => new KindWatcher(schema, options.informers(schema), this.collection, backoff, onSynced));
    for (const watcher of this.watchers) watcher.start();
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

  /** Resolves once every kind has been listed; rejects if the source is closed before that. */
  ready(): Promise<void> {
    return this.initialSync;
  }

  rejected(): ConfigIssue[] {
    return this.collection.rejected();
  }

  stats(): ConfigStoreStats {
    return this.collection.stats();
  }

  /** Per kind: synced, restarts and the last error (for readiness and debug endpoints). */
  status(): Partial<Record<Kind, KindStatus>> {
    const out: Partial<Record<Kind, KindStatus>> = {};
    for (const watcher of this.watchers) out[watcher.schema.kind] = watcher.status();
    return out;
  }

  async close(): Promise<void> {
    this.rejectInitialSync?.(new Error('the Kubernetes config source was closed before its first sync'));
    this.collection.close();
    await Promise.all(this.watchers.map((w) => w.stop()));
  }
}

/** One kind: feeds informer events to the collection and restarts the informer after errors. */
class KindWatcher {
  private synced = false;
  private restarts = 0;
  private lastError?: string;
  private delayMs: number;
  private restartTimer?: NodeJS.Timeout;
  /** Set while `informer.start()` runs: errors then fail the attempt instead of scheduling a restart. */
  private attempt?: { failed: boolean; notServed: boolean };
  private stopped = false;

  constructor(
    readonly schema: Schema,
    private readonly informer: KubeInformer,
    private readonly collection: ConfigCollection,
    private readonly backoff: { readonly initialMs: number; readonly maxMs: number },
    private readonly onSynced: () => void,
  ) {
    this.delayMs = backoff.initialMs;
    informer.on('add', (object) => this.apply(object));
    informer.on('update', (object) => this.apply(object));
    informer.on('delete', (object) => this.remove(object));
    informer.on('error', (error) => this.onError(error));
  }

  start(): void {
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  status(): KindStatus {
    return {
      synced: this.synced,
      restarts: this.restarts,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  private async run(): Promise<void> {
    const attempt = { failed: false, notServed: false };
    this.attempt = attempt;
    try {
      await this.informer.start();
    } catch (error) {
      this.onError(error);
    }
    this.attempt = undefined;
    if (this.stopped) return;
    if (attempt.failed) {
      // A kind the API server does not serve (its CRD is not installed) has no objects: do not
      // hold readiness back for it, but keep trying in case the CRD is installed later.
      if (attempt.notServed) this.markSynced();
      this.scheduleRestart();
      return;
    }
    this.reconcile();
    this.lastError = undefined;
    this.delayMs = this.backoff.initialMs;
    this.markSynced();
  }

  private onError(error: unknown): void {
    this.lastError = describeError(error, this.schema);
    if (this.attempt) {
      this.attempt.failed = true;
      this.attempt.notServed ||= statusOf(error) === 404;
      return;
    }
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.restarts++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.run();
    }, delay);
  }

  /** Makes the store hold exactly what the informer lists. */
  private reconcile(): void {
    const listed = new Set<string>();
    for (const object of this.informer.list()) {
      const key = this.keyOf(object);
      if (key === undefined) continue;
      listed.add(key);
      this.apply(object);
    }
    for (const key of this.collection.keys(this.schema.kind)) if (!listed.has(key)) this.collection.remove(key);
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.onSynced();
  }

  private apply(object: KubernetesObject): void {
    const plain = plainObject(object, this.schema);
    const result = configFromObject(plain);
    if (result.ok) {
      if (!this.keptPartChanged(result.config)) return;
      this.collection.offer(result.config);
      return;
    }
    const metadata = object.metadata ?? {};
    if (!metadata.name) return; // the API server names every object; nothing to track without one
    this.collection.refuse(
      {
        kind: this.schema.kind,
        namespace: this.schema.namespaced ? (metadata.namespace ?? '') : '',
        name: metadata.name,
      },
      metadata.resourceVersion ?? '',
      result.issues,
    );
  }

  /** False when the schema keeps only labels and the served object already has these (see the file comment). */
  private keptPartChanged(config: Config): boolean {
    if (this.schema.keep !== 'labels') return true;
    const served = this.collection.get(config.kind, config.namespace, config.name);
    return (
      served === undefined ||
      served.deletionTimestamp !== config.deletionTimestamp ||
      !sameStringMap(served.labels, config.labels)
    );
  }

  private remove(object: KubernetesObject): void {
    const key = this.keyOf(object);
    if (key !== undefined) this.collection.remove(key);
  }

  private keyOf(object: KubernetesObject): string | undefined {
    const name = object.metadata?.name;
    if (!name) return undefined;
    const namespace = this.schema.namespaced ? (object.metadata?.namespace ?? '') : '';
    return configKey({ kind: this.schema.kind, namespace, name });
  }
}

/**
 * The object as a complete manifest: list items carry no apiVersion and kind, watch events do.
 * The copy (a JSON round trip, which also drops anything that is not JSON should an injected
 * informer hand over class instances) keeps the Config apart from the informer's cache.
 */
function plainObject(object: KubernetesObject, schema: Schema): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(object)) as Record<string, unknown>;
  plain.apiVersion ??= apiVersionOf(schema.group, schema.versions[0]);
  plain.kind ??= schema.kind;
  return plain;
}

function sameStringMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  return typeof code === 'number' ? code : typeof statusCode === 'number' ? statusCode : undefined;
}

function describeError(error: unknown, schema: Schema): string {
  const status = statusOf(error);
  if (status === 404) {
    return `the API server does not serve ${schema.plural}.${schema.group || 'core'} (is the CRD installed?)`;
  }
  return `${schema.kind}: ${messageOf(error)}${status !== undefined ? ` (HTTP ${status})` : ''}`;
}
