/**
 * `exportTo`: which namespaces may see a Service, VirtualService or DestinationRule.
 * Entries are namespace names, `.` (the object's own namespace), `*` (every namespace) or `~`
 * (none). Istio's rules: `*` anywhere makes the object public and the rest is ignored; otherwise
 * `~` anywhere hides it from everyone; otherwise it is visible to the listed namespaces. An
 * empty or absent list takes the mesh default (`defaultServiceExportTo` and friends), of which
 * only `.` and `*` are honoured, as in Istio.
 */

export interface Visibility {
  readonly public: boolean;
  /** Namespaces that may see the object (`.` already replaced by the owner's namespace). */
  readonly namespaces: ReadonlySet<string>;
}

const NOBODY: Visibility = { public: false, namespaces: new Set() };
const EVERYBODY: Visibility = { public: true, namespaces: new Set() };

export function parseExportTo(
  exportTo: readonly string[] | undefined,
  ownNamespace: string,
  meshDefault: readonly string[],
): Visibility {
  if (!exportTo || exportTo.length === 0) {
    if (meshDefault.includes('*')) return EVERYBODY;
    if (meshDefault.includes('.')) return { public: false, namespaces: new Set([ownNamespace]) };
    return NOBODY;
  }
  if (exportTo.includes('*')) return EVERYBODY;
  if (exportTo.includes('~')) return NOBODY;
  return { public: false, namespaces: new Set(exportTo.map((entry) => (entry === '.' ? ownNamespace : entry))) };
}

export function isVisibleTo(visibility: Visibility, clientNamespace: string): boolean {
  return visibility.public || visibility.namespaces.has(clientNamespace);
}
