/**
 * The one wrapper every stored object has: identity, metadata, where it came from, and a spec
 * whose type depends on the kind.
 */
import type { Kind } from './schema';

/** Where an object was read from, for error messages (`file.yaml:12`). */
export interface SourceLocation {
  readonly file: string;
  /** 1-based line of the object's first line. */
  readonly line: number;
}

export interface ConfigMeta {
  readonly kind: Kind;
  readonly group: string;
  /** The version the object was written in (all accepted versions share one schema). */
  readonly version: string;
  readonly name: string;
  /** '' for cluster-scoped kinds. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Opaque version set by the source; changes whenever the object changes. */
  readonly resourceVersion: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  /**
   * Set by the API server once deletion was requested (graceful termination, finalizers): the
   * object still exists but is going away. Discovery reads it to stop sending traffic to a
   * terminating Pod.
   */
  readonly deletionTimestamp?: string;
  readonly source?: SourceLocation;
}

export interface Config<Spec = unknown> extends ConfigMeta {
  readonly spec: Spec;
  /** Kubernetes kinds keep their top-level fields other than metadata here (e.g. Secret.data). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A stable key naming an object: `Kind/namespace/name` (`Kind/name` when cluster-scoped). */
export function configKey(config: Pick<ConfigMeta, 'kind' | 'namespace' | 'name'>): string {
  return config.namespace ? `${config.kind}/${config.namespace}/${config.name}` : `${config.kind}/${config.name}`;
}

/** How a resource is named in messages: `VirtualService default/reviews`. */
export function describeConfig(config: {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}): string {
  return config.namespace ? `${config.kind} ${config.namespace}/${config.name}` : `${config.kind} ${config.name}`;
}

export function formatLocation(source: SourceLocation | undefined): string {
  return source ? `${source.file}:${source.line}` : '';
}
