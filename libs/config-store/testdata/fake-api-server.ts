/**
 * An in-memory stand-in for the Kubernetes API server's list and watch, for unit tests of the
 * Kubernetes source: client-node's real informer (ListWatch) runs on top of it. It keeps a
 * resourceVersion counter and an event history, so a watch can resume from a version; it can
 * crash (open watches fail, calls fail until it starts again), lose its history (a resumed watch
 * then gets 410 Gone and the informer relists) and not serve a path (404, a missing CRD).
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

type Phase = 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR';
type WatchCallback = (phase: string, object: unknown) => void;
type Done = (error: unknown) => void;

interface OpenWatch {
  readonly path: string;
  readonly callback: WatchCallback;
  readonly done: Done;
  readonly controller: AbortController;
  readonly queue: Array<{ phase: Phase; object: unknown }>;
  draining: boolean;
}

export class FakeApiServer {
  private version = 1000;
  private readonly objects = new Map<string, Map<string, KubernetesObject>>();
  private history: Array<{ version: number; path: string; phase: Phase; object: KubernetesObject }> = [];
  /** A watch from a version older than this has lost its history: 410 Gone. */
  private oldestResumable = 0;
  private readonly open = new Set<OpenWatch>();
  private down = false;
  private readonly notServed = new Set<string>();
  readonly calls = { list: 0, watch: 0 };
  /** When each list or watch call refused because the server was down arrived (performance.now()). */
  readonly refusedAt: number[] = [];

  /** Creates or replaces an object; returns the resourceVersion it got. */
  apply(path: string, object: KubernetesObject): string {
    const stored = structuredClone(object);
    const resourceVersion = String(++this.version);
    stored.metadata = { ...stored.metadata, resourceVersion };
    const byName = this.collection(path);
    const key = keyOf(stored);
    const phase = byName.has(key) ? 'MODIFIED' : 'ADDED';
    byName.set(key, stored);
    this.record(path, phase, stored);
    return resourceVersion;
  }

  delete(path: string, namespace: string, name: string): void {
    const byName = this.collection(path);
    const key = `${namespace}/${name}`;
    const object = byName.get(key);
    if (!object) throw new Error(`fake API server: no ${key} at ${path}`);
    byName.delete(key);
    const deleted = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.version) } };
    this.record(path, 'DELETED', deleted);
  }

  /** Open watches fail with a connection error; every call fails until `start()`. */
  crash(): void {
    this.down = true;
    for (const watch of [...this.open]) {
      this.open.delete(watch);
      watch.done(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    }
  }

  start(): void {
    this.down = false;
  }

  /** Forgets the event history (as etcd compaction does): resuming a watch from before now gets 410. */
  compact(): void {
    this.history = [];
    this.oldestResumable = this.version;
  }

  serveNot(path: string): void {
    this.notServed.add(path);
  }

  /** The list call for one collection, as the informer wants it. */
  lister(path: string): () => Promise<KubernetesListObject<KubernetesObject>> {
    return async () => {
      this.calls.list++;
      this.check(path);
      // Like the API server, list items of core kinds come without apiVersion and kind.
      const items = [...this.collection(path).values()].map((o) => {
        const copy = structuredClone(o);
        if (path.startsWith('/api/')) {
          delete copy.apiVersion;
          delete copy.kind;
        }
        return copy;
      });
      return { metadata: { resourceVersion: String(this.version) }, items };
    };
  }

  /** Has the shape of client-node's `Watch` (its `watch` method); cast it for ListWatch. */
  readonly watcher = {
    watch: async (
      path: string,
      query: Record<string, string | number | boolean | undefined>,
      callback: WatchCallback,
      done: Done,
    ): Promise<AbortController> => {
      this.calls.watch++;
      const controller = new AbortController();
      try {
        this.check(path);
      } catch (error) {
        done(error);
        return controller;
      }
      const watch: OpenWatch = { path, callback, done, controller, queue: [], draining: false };
      const from = Number(query.resourceVersion ?? 0);
      if (from < this.oldestResumable) {
        this.send(watch, 'ERROR', {
          kind: 'Status',
          code: 410,
          reason: 'Expired',
          message: 'too old resource version',
        });
        setImmediate(() => done(null));
        return controller;
      }
      this.open.add(watch);
      controller.signal.addEventListener('abort', () => this.open.delete(watch));
      for (const event of this.history) {
        if (event.path === path && event.version > from) this.send(watch, event.phase, structuredClone(event.object));
      }
      return controller;
    },
  };

  private check(path: string): void {
    if (this.down) this.refusedAt.push(performance.now());
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    if (this.notServed.has(path)) throw Object.assign(new Error('Not Found'), { statusCode: 404 });
  }

  private record(path: string, phase: Phase, object: KubernetesObject): void {
    this.history.push({ version: this.version, path, phase, object: structuredClone(object) });
    for (const watch of this.open) if (watch.path === path) this.send(watch, phase, structuredClone(object));
  }

  /** Delivers events asynchronously and in order, as a network stream would. */
  private send(watch: OpenWatch, phase: Phase, object: unknown): void {
    watch.queue.push({ phase, object });
    if (watch.draining) return;
    watch.draining = true;
    setImmediate(() => {
      watch.draining = false;
      for (const event of watch.queue.splice(0)) {
        if (watch.controller.signal.aborted) return;
        watch.callback(event.phase, event.object);
      }
    });
  }

  private collection(path: string): Map<string, KubernetesObject> {
    let byName = this.objects.get(path);
    if (!byName) {
      byName = new Map();
      this.objects.set(path, byName);
    }
    return byName;
  }
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
