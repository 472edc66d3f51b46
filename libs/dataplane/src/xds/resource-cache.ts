/**
 * The last accepted (decoded, checked) resources per type, with the versions the protocols need:
 * SotW's version_info per type and delta's version per resource. Only accepted updates get here,
 * so a NACKed response leaves everything as it was.
 */
import type { ResourceType } from './resource-types';

export interface CachedResource<T = unknown> {
  readonly name: string;
  /** Delta: the resource's own version; SotW: the version_info of the response that carried it. */
  readonly version: string;
  readonly value: T;
}

/** An accepted response, ready to apply. */
export interface AcceptedUpdate {
  readonly typeUrl: string;
  /** SotW version_info, or delta system_version_info. */
  readonly versionInfo: string;
  readonly resources: readonly CachedResource[];
  /** Names the response removes (delta). */
  readonly removed: readonly string[];
  /** SotW for LDS/CDS: the response is the whole set, so anything not in it is gone. */
  readonly replaceAll: boolean;
}

interface TypeEntry {
  versionInfo: string;
  /** True once a response for the type was accepted (an empty one counts: "there are none"). */
  received: boolean;
  readonly resources: Map<string, CachedResource>;
}

export class ResourceCache {
  private readonly types = new Map<string, TypeEntry>();

  /** Applies an update; returns the names that were removed. */
  apply(update: AcceptedUpdate): string[] {
    const entry = this.entry(update.typeUrl);
    const incoming = new Set(update.resources.map((r) => r.name));
    const removed = update.replaceAll
      ? [...entry.resources.keys()].filter((name) => !incoming.has(name))
      : update.removed.filter((name) => entry.resources.has(name));
    for (const name of removed) entry.resources.delete(name);
    for (const resource of update.resources) entry.resources.set(resource.name, resource);
    entry.versionInfo = update.versionInfo;
    entry.received = true;
    return removed;
  }

  /** Drops resources the client no longer subscribes to. */
  forget(typeUrl: string, names: Iterable<string>): void {
    const entry = this.types.get(typeUrl);
    if (entry) for (const name of names) entry.resources.delete(name);
  }

  resources(typeUrl: string): ReadonlyMap<string, CachedResource> {
    return this.entry(typeUrl).resources;
  }

  /**
   * The checked values of a type by name. The cast is sound because the only writer of a type's
   * entries is the response decoder of that same type.
   */
  valuesOf<T>(type: ResourceType<T>): Map<string, T> {
    return new Map([...this.resources(type.typeUrl).values()].map((r) => [r.name, r.value as T]));
  }

  has(typeUrl: string, name: string): boolean {
    return this.types.get(typeUrl)?.resources.has(name) ?? false;
  }

  versionInfo(typeUrl: string): string {
    return this.types.get(typeUrl)?.versionInfo ?? '';
  }

  received(typeUrl: string): boolean {
    return this.types.get(typeUrl)?.received ?? false;
  }

  /** name → version of every cached resource of the type (delta's initial_resource_versions). */
  resourceVersions(typeUrl: string): Record<string, string> {
    return Object.fromEntries([...this.resources(typeUrl).values()].map((r) => [r.name, r.version]));
  }

  private entry(typeUrl: string): TypeEntry {
    let entry = this.types.get(typeUrl);
    if (!entry) {
      entry = { versionInfo: '', received: false, resources: new Map() };
      this.types.set(typeUrl, entry);
    }
    return entry;
  }
}
