/**
 * Config from a directory of YAML/JSON files (recursive), watched for changes: what
 * `istiod --config-dir` serves. Every re-read of a file turns it into definitions
 * (file-definitions.ts), the directory picks one definition per object (definition-index.ts) and
 * the collection validates and serves them. Changes are debounced: a burst of writes is read once.
 */
import { type Config, type ConfigIssue, type Kind } from '@mesh/config-model';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigCollection, messageOf, type FieldLocator } from '../collection';
import type { ConfigEventHandler, ConfigStore, ConfigStoreStats, ConfigValidator } from '../store';
import { DefinitionIndex } from './definition-index';
import { readFileDefinitions, unreadableFile, type Definition } from './file-definitions';
import { DirectoryWatchers, listConfigFiles, sameStamp, type FileStamp } from './tree';

export interface DirectoryConfigSourceOptions {
  readonly dir: string;
  readonly validate?: ConfigValidator;
  /** Namespace of namespaced objects that name none (default `default`). */
  readonly defaultNamespace?: string;
  /** Quiet time after the last file event before re-reading (default 100 ms). */
  readonly debounceMs?: number;
  /** Longest a stream of events can hold a re-read back (default 1 s). */
  readonly maxDelayMs?: number;
  /** Also compare the whole tree this often, in case an event was lost (default 60 s; 0: never). */
  readonly resyncMs?: number;
  /** false: read once, do not watch (default true). */
  readonly watch?: boolean;
}

const DIRECTORY_SCOPE = 'directory';
const ROOT_SCOPE = 'directory-root';
const READ_CONCURRENCY = 16;

export class DirectoryConfigSource implements ConfigStore {
  private readonly collection: ConfigCollection;
  private readonly index = new DefinitionIndex();
  private readonly stamps = new Map<string, FileStamp>();
  private readonly watchers?: DirectoryWatchers;
  /**
   * Paths named by file events since the last sync: re-read even if their stamp looks unchanged,
   * because file times are only as fine as the kernel's clock tick (a few ms), so two same-size
   * writes in one tick leave the same stamp.
   */
  private readonly named = new Set<string>();
  private readonly defaultNamespace: string;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private readonly initialLoad: Promise<void>;
  private debounceTimer?: NodeJS.Timeout;
  private burstStartedAt?: number;
  private resyncTimer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private runAgain = false;
  private lastVersion = 0;
  private closed = false;

  constructor(private readonly options: DirectoryConfigSourceOptions) {
    this.collection = new ConfigCollection({ validate: options.validate });
    this.defaultNamespace = options.defaultNamespace ?? 'default';
    this.debounceMs = options.debounceMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
    if (options.watch !== false) {
      this.watchers = new DirectoryWatchers(options.dir, (path) => this.onFileEvent(path));
      const resyncMs = options.resyncMs ?? 60_000;
      if (resyncMs > 0) {
        this.resyncTimer = setInterval(() => void this.sync(), resyncMs);
        this.resyncTimer.unref();
      }
    }
    this.initialLoad = this.sync(true);
    // ready() hands the failure to whoever waits; nobody waiting must not crash the process.
    this.initialLoad.catch(() => undefined);
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

  /** Resolves after the first read of the tree; rejects if the directory cannot be read. */
  ready(): Promise<void> {
    return this.initialLoad;
  }

  rejected(): ConfigIssue[] {
    return this.collection.rejected();
  }

  stats(): ConfigStoreStats {
    return this.collection.stats();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.debounceTimer);
    clearInterval(this.resyncTimer);
    this.watchers?.closeAll();
    this.collection.close();
    await this.running?.catch(() => undefined);
  }

  private onFileEvent(relativePath: string | undefined): void {
    if (this.closed) return;
    if (relativePath !== undefined) this.named.add(relativePath);
    const now = Date.now();
    this.burstStartedAt ??= now;
    clearTimeout(this.debounceTimer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.burstStartedAt + this.maxDelayMs - now));
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.burstStartedAt = undefined;
      void this.sync();
    }, wait);
  }

  /** Runs one sync at a time; a request during a sync runs another one right after it. */
  private sync(initial = false): Promise<void> {
    if (this.running) {
      this.runAgain = true;
      return this.running;
    }
    const run = this.syncOnce(initial).finally(() => {
      this.running = undefined;
      if (this.runAgain && !this.closed) {
        this.runAgain = false;
        void this.sync();
      }
    });
    this.running = run;
    if (!initial) run.catch((error: unknown) => this.reportRootProblem(`re-reading failed: ${messageOf(error)}`));
    return run;
  }

  private async syncOnce(initial: boolean): Promise<void> {
    const named = new Set(this.named);
    this.named.clear();
    const directories = new Set<string>();
    let listing: Map<string, FileStamp>;
    try {
      listing = await listConfigFiles(this.options.dir, (dir) => {
        directories.add(dir);
        this.watchers?.ensure(dir);
      });
    } catch (error) {
      const message = `cannot read config directory ${this.options.dir}: ${messageOf(error)}`;
      if (initial) throw new Error(message, { cause: error });
      // Keep serving what we have; watchers of a vanished tree are dead, so start over next time.
      this.watchers?.closeAll();
      this.reportRootProblem(`${message} (keeping the objects loaded before)`);
      return;
    }
    if (this.closed) return;
    this.watchers?.retainOnly(directories);
    this.collection.setRefusals(ROOT_SCOPE, []);

    const affected = new Set<string>();
    const addAll = (keys: Iterable<string>): void => {
      for (const key of keys) affected.add(key);
    };
    for (const path of [...this.index.fileNames()]) {
      if (!listing.has(path)) {
        addAll(this.index.removeFile(path));
        this.stamps.delete(path);
      }
    }
    const toRead = [...listing]
      .filter(([path, stamp]) => named.has(path) || !sameStamp(this.stamps.get(path), stamp))
      .map(([path]) => path)
      .sort();
    const contents = await readAll(this.options.dir, toRead);
    if (this.closed) return;

    const locators = new Map<Definition, FieldLocator>();
    toRead.forEach((path, i) => {
      const content = contents[i];
      if (content.kind === 'missing') {
        addAll(this.index.removeFile(path));
        this.stamps.delete(path);
        return;
      }
      const context = {
        file: join(this.options.dir, path),
        defaultNamespace: this.defaultNamespace,
        previous: this.index.file(path),
        nextVersion: () => String(++this.lastVersion),
      };
      const result =
        content.kind === 'text'
          ? readFileDefinitions(content.text, context)
          : unreadableFile(`cannot read ${context.file}: ${content.message}`, context);
      for (const [key, locate] of result.locators) {
        const definition = result.definitions.get(key);
        if (definition) locators.set(definition, locate);
      }
      const { definitions, refusals, ignored } = result;
      addAll(this.index.setFile(path, { definitions, refusals, ignored }));
      this.stamps.set(path, listing.get(path) as FileStamp);
    });

    for (const key of [...affected].sort()) {
      const winner = this.index.winner(key);
      if (!winner) this.collection.remove(key);
      else if (winner.config) this.collection.offer(winner.config, locators.get(winner));
      else this.collection.refuse(winner.ref, winner.resourceVersion, winner.issues ?? []);
    }
    this.collection.setRefusals(DIRECTORY_SCOPE, this.index.refusals());
    this.collection.setIgnored(DIRECTORY_SCOPE, this.index.ignored());
  }

  private reportRootProblem(message: string): void {
    this.collection.setRefusals(ROOT_SCOPE, [{ issues: [{ severity: 'error', path: [], message }] }]);
  }
}

type FileContent = { kind: 'text'; text: string } | { kind: 'missing' } | { kind: 'unreadable'; message: string };

async function readAll(root: string, paths: readonly string[]): Promise<FileContent[]> {
  const out: FileContent[] = new Array(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      try {
        out[i] = { kind: 'text', text: await readFile(join(root, paths[i]), 'utf8') };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        out[i] = code === 'ENOENT' ? { kind: 'missing' } : { kind: 'unreadable', message: messageOf(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, paths.length) }, worker));
  return out;
}
