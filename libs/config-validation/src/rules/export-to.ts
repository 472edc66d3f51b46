/**
 * `exportTo`: which namespaces see a VirtualService, DestinationRule or ServiceEntry. Entries are
 * "." (this namespace), "*" (all), "~" (none; ServiceEntry only) or a namespace name.
 */
import type { Field } from '../walker';
import { isDNS1123Label } from './hosts';

export interface ExportToOptions {
  readonly allowNone: boolean;
  /** A DestinationRule with a workload selector may only be visible in its own namespace. */
  readonly selectorScoped?: boolean;
}

export function checkExportTo(field: Field, namespace: string, options: ExportToOptions): void {
  const entries = field.strings();
  if (entries.length === 0) return;
  const seen = new Set<string>();
  for (const { value, field: entry } of entries) {
    const key = value === '.' ? namespace : value;
    if (seen.has(key)) {
      entry.error(value === key ? `duplicate entry "${value}"` : `"." duplicates the current namespace "${namespace}"`);
      continue;
    }
    if (value === '~' && !options.allowNone) {
      entry.error('"~" (export to no namespace) is only allowed in ServiceEntry');
      continue;
    }
    if (value !== '.' && value !== '*' && value !== '~' && !isDNS1123Label(value)) {
      entry.error(`"${value}" is not a namespace name, ".", "*"${options.allowNone ? ' or "~"' : ''}`);
      continue;
    }
    seen.add(key);
  }
  if (seen.has('*') && entries.length > 1)
    field.error('"*" exports to every namespace: no other entries may be listed');
  if (seen.has('~') && entries.length > 1) field.error('"~" exports to no namespace: no other entries may be listed');
  if (options.selectorScoped && seen.size > 0 && (seen.size > 1 || !seen.has(namespace))) {
    field.error('a DestinationRule with a workloadSelector may only be exported to its own namespace (".")');
  }
}
