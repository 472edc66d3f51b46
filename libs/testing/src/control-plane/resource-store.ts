/**
 * The stub control plane's resources: per type URL, a version that grows with every
 * `setResources` and, per resource, a content version (a hash of its bytes) so that delta streams
 * send only what changed.
 */
import { createHash } from 'node:crypto';
import { type Any, messageNameOf } from '@mesh/xds';

/** A resource as a test hands it to the stub: its xDS name and the packed message. */
export interface StubResource {
  name: string;
  resource: Any;
}

export interface StoredResource extends StubResource {
  /** Content version: equal bytes give equal versions, so unchanged resources are not resent. */
  readonly version: string;
}

interface TypeEntry {
  version: number;
  resources: ReadonlyMap<string, StoredResource>;
}

const EMPTY: ReadonlyMap<string, StoredResource> = new Map();

export class ResourceStore {
  private readonly types = new Map<string, TypeEntry>();

  /**
   * Replaces every resource of a type and returns the type's new version. Throws on what would be
   * a bug in the test itself (duplicate or empty names, an Any of another type); the resources'
   * contents are not checked, so tests can serve invalid ones on purpose.
   */
  set(typeUrl: string, resources: readonly StubResource[]): string {
    const byName = new Map<string, StoredResource>();
    resources.forEach((r, i) => {
      if (!r.name) throw new Error(`setResources(${typeUrl}): resources[${i}] has an empty name`);
      if (byName.has(r.name)) throw new Error(`setResources(${typeUrl}): duplicate resource name "${r.name}"`);
      if (messageNameOf(r.resource.typeUrl ?? '') !== messageNameOf(typeUrl)) {
        throw new Error(`setResources(${typeUrl}): "${r.name}" is packed as ${r.resource.typeUrl ?? '(no type URL)'}`);
      }
      byName.set(r.name, { name: r.name, resource: r.resource, version: contentVersion(r.resource) });
    });
    const version = (this.types.get(typeUrl)?.version ?? 0) + 1;
    this.types.set(typeUrl, { version, resources: byName });
    return String(version);
  }

  /** The type's version, or '' while the test has never set it (then nothing is served). */
  versionOf(typeUrl: string): string {
    const entry = this.types.get(typeUrl);
    return entry ? String(entry.version) : '';
  }

  resourcesOf(typeUrl: string): ReadonlyMap<string, StoredResource> {
    return this.types.get(typeUrl)?.resources ?? EMPTY;
  }
}

function contentVersion(resource: Any): string {
  return createHash('sha256')
    .update(resource.typeUrl ?? '')
    .update(resource.value ?? new Uint8Array())
    .digest('hex')
    .slice(0, 16);
}
