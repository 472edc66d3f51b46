/**
 * Problems found in config, shared by parsing, validation, analysis, the stores and the webhook,
 * so every one of them names the resource, the field path and the place in the file the same way.
 */
import { describeConfig, formatLocation, type SourceLocation } from './config';

/** A field path as segments: ['spec', 'http', 0, 'route', 1, 'weight']. */
export type FieldPath = ReadonlyArray<string | number>;

/** `spec.http[0].route[1].weight`; keys that are not identifiers are quoted: `labels["app.kubernetes.io/name"]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export type Severity = 'error' | 'warning';

export interface ResourceRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface ConfigIssue {
  readonly severity: Severity;
  readonly message: string;
  /** The field the issue is about, as segments; empty for the object as a whole. */
  readonly path: FieldPath;
  readonly resource?: ResourceRef;
  /** Where the field (or else the object) is in its file, when it came from one. */
  readonly source?: SourceLocation;
}

/** `VirtualService default/reviews (reviews.yaml:14): spec.http[0].route[1].weight: must be 0..100` */
export function formatIssue(issue: ConfigIssue): string {
  const where = [issue.resource ? describeConfig(issue.resource) : '', formatLocation(issue.source)]
    .filter(Boolean)
    .join(' ');
  const field = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
  const prefix = issue.severity === 'warning' ? 'warning: ' : '';
  return `${prefix}${where ? `${where}: ` : ''}${field}${issue.message}`;
}
