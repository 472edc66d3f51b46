/**
 * The served state every source shares: which version of each object subscribers see, what is
 * refused and why, and the events. Sources offer candidates (each with the resourceVersion they
 * gave it); the collection validates them and decides what readers see:
 *
 * - a candidate whose resourceVersion equals the last one offered for its key is a repeat (a
 *   relist, a re-read of an unchanged file) and changes nothing;
 * - an invalid candidate never reaches subscribers: it is recorded as refused, and an object that
 *   had a good version keeps serving it (no delete event);
 * - a valid candidate clears the refusal and goes out as `add` or `update`.
 */
import {
  configKey,
  describeConfig,
  type Config,
  type ConfigIssue,
  type FieldPath,
  type Kind,
  type ResourceRef,
  type SourceLocation,
} from '@mesh/config-model';
import type { ConfigEvent, ConfigEventHandler, ConfigStoreStats, ConfigValidator } from './store';

/** Something a source refused that is not one object (a broken document, a conflict). */
export interface Refusal {
  readonly issues: readonly ConfigIssue[];
}

/** Finds the line of a field, so validation issues can point into the file. */
export type FieldLocator = (path: FieldPath) => SourceLocation | undefined;

export interface ConfigCollectionOptions {
  readonly validate?: ConfigValidator;
  /** Called when a subscriber throws; the other subscribers still get the event. */
  readonly onHandlerError?: (error: unknown, event: ConfigEvent) => void;
}

interface Entry {
  readonly kind: Kind;
  /** The version subscribers see: the last valid candidate. */
  served?: Config;
  /** resourceVersion of the last candidate offered, served or refused. */
  latestVersion: string;
  /** Errors of the last candidate when it was refused. */
  refusal?: readonly ConfigIssue[];
}

export class ConfigCollection {
  private readonly entries = new Map<string, Entry>();
  private readonly servedByKind = new Map<Kind, Map<string, Config>>();
  private readonly handlers = new Set<ConfigEventHandler>();
  private readonly refusalsByScope = new Map<string, readonly Refusal[]>();
  private readonly ignoredByScope = new Map<string, Readonly<Record<string, number>>>();
  private eventCount = 0;
  private closed = false;

  constructor(private readonly options: ConfigCollectionOptions = {}) {}

  /** Offers a new version of an object. See the file comment for what happens to it. */
  offer(candidate: Config, locate?: FieldLocator): void {
    const key = configKey(candidate);
    const entry = this.entries.get(key);
    if (entry && isRepeat(entry, candidate.resourceVersion)) return;

    const errors = this.validate(candidate, locate);
    const current = entry ?? { kind: candidate.kind, latestVersion: '' };
    current.latestVersion = candidate.resourceVersion;
    if (!entry) this.entries.set(key, current);
    if (errors.length > 0) {
      current.refusal = errors;
      return;
    }
    current.refusal = undefined;
    const previous = current.served;
    current.served = candidate;
    this.index(candidate.kind).set(key, candidate);
    this.emit(previous ? { type: 'update', config: candidate, previous } : { type: 'add', config: candidate });
  }

  /** Records that the latest version of an object could not even be read as a Config. */
  refuse(ref: ResourceRef & { readonly kind: Kind }, resourceVersion: string, issues: readonly ConfigIssue[]): void {
    const key = configKey(ref);
    const entry = this.entries.get(key);
    if (entry && isRepeat(entry, resourceVersion)) return;
    if (entry) {
      entry.latestVersion = resourceVersion;
      entry.refusal = issues;
    } else {
      this.entries.set(key, { kind: ref.kind, latestVersion: resourceVersion, refusal: issues });
    }
  }

  /** The object is gone from the source: its refusal is forgotten and, if it was served, it is deleted. */
  remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    if (entry.served) {
      this.servedByKind.get(entry.kind)?.delete(key);
      this.emit({ type: 'delete', config: entry.served });
    }
  }

  /** Keys of every object the source has offered and not removed (served or refused). */
  keys(kind?: Kind): string[] {
    const out: string[] = [];
    for (const [key, entry] of this.entries) if (kind === undefined || entry.kind === kind) out.push(key);
    return out;
  }

  /** Replaces the refusals a source keeps under one name (e.g. the directory's broken documents). */
  setRefusals(scope: string, refusals: readonly Refusal[]): void {
    if (refusals.length === 0) this.refusalsByScope.delete(scope);
    else this.refusalsByScope.set(scope, refusals);
  }

  /** Replaces the counts of skipped documents a source keeps under one name. */
  setIgnored(scope: string, countsByKind: Readonly<Record<string, number>>): void {
    if (Object.keys(countsByKind).length === 0) this.ignoredByScope.delete(scope);
    else this.ignoredByScope.set(scope, countsByKind);
  }

  /** After close, no event reaches a subscriber again. */
  close(): void {
    this.closed = true;
    this.handlers.clear();
  }

  // --- the reading side, which the stores expose as ConfigStore ---

  get(kind: Kind, namespace: string, name: string): Config | undefined {
    return this.servedByKind.get(kind)?.get(configKey({ kind, namespace, name }));
  }

  list(kind: Kind, namespace?: string): Config[] {
    const served = this.servedByKind.get(kind);
    if (!served) return [];
    const out: Config[] = [];
    for (const config of served.values())
      if (namespace === undefined || config.namespace === namespace) out.push(config);
    return out.sort(byNamespaceThenName);
  }

  subscribe(handler: ConfigEventHandler): () => void {
    if (this.closed) return () => {};
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  rejected(): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    const keys = [...this.entries.keys()].sort();
    for (const key of keys) {
      const refusal = this.entries.get(key)?.refusal;
      if (refusal) out.push(...refusal);
    }
    for (const scope of [...this.refusalsByScope.keys()].sort()) {
      for (const refusal of this.refusalsByScope.get(scope) ?? []) out.push(...refusal.issues);
    }
    return out;
  }

  stats(): ConfigStoreStats {
    const objects: Partial<Record<Kind, number>> = {};
    for (const [kind, served] of this.servedByKind) if (served.size > 0) objects[kind] = served.size;
    let rejected = 0;
    for (const entry of this.entries.values()) if (entry.refusal) rejected++;
    for (const refusals of this.refusalsByScope.values()) rejected += refusals.length;
    const ignored: Record<string, number> = {};
    for (const counts of this.ignoredByScope.values()) {
      for (const [kind, count] of Object.entries(counts)) ignored[kind] = (ignored[kind] ?? 0) + count;
    }
    return { objects, rejected, ignored, events: this.eventCount };
  }

  private validate(candidate: Config, locate: FieldLocator | undefined): ConfigIssue[] {
    const validate = this.options.validate;
    if (!validate) return [];
    const resource: ResourceRef = { kind: candidate.kind, namespace: candidate.namespace, name: candidate.name };
    let errors: readonly ConfigIssue[];
    try {
      errors = validate(candidate).errors;
    } catch (error) {
      // A validator bug must not take the store down; the object is refused and says why.
      errors = [{ severity: 'error', path: [], message: `validation failed unexpectedly: ${messageOf(error)}` }];
    }
    return errors.map((issue) => ({
      ...issue,
      resource: issue.resource ?? resource,
      source: issue.source ?? locate?.(issue.path) ?? candidate.source,
    }));
  }

  private index(kind: Kind): Map<string, Config> {
    let served = this.servedByKind.get(kind);
    if (!served) {
      served = new Map();
      this.servedByKind.set(kind, served);
    }
    return served;
  }

  private emit(event: ConfigEvent): void {
    if (this.closed) return;
    this.eventCount++;
    for (const handler of [...this.handlers]) {
      try {
        handler(event);
      } catch (error) {
        const report = this.options.onHandlerError ?? defaultHandlerError;
        report(error, event);
      }
    }
  }
}

function isRepeat(entry: Entry, resourceVersion: string): boolean {
  return resourceVersion !== '' && entry.latestVersion === resourceVersion;
}

function byNamespaceThenName(a: Config, b: Config): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function defaultHandlerError(error: unknown, event: ConfigEvent): void {
  console.error(`config-store: a subscriber failed on ${event.type} of ${describeConfig(event.config)}:`, error);
}

export function messageOf(error: unknown): string {
  // Not `instanceof Error`: errors from Node's own modules may come from another realm (e.g. under Jest).
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}
