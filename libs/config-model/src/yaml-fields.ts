/**
 * Reading YAML onto defaults, checked against a small description of the accepted fields. Used by
 * the mesh config; the rules are the ones Istio applies to its own config files: a field that is
 * set replaces the default, mappings merge field by field, a field of the wrong type is an error
 * naming its path (and line) and keeps its default, an unknown field is a warning and is ignored.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { parseDuration } from './duration';
import { isRecord } from './from-manifest';
import type { ConfigIssue, FieldPath } from './issues';

/** What a field accepts. */
export type Field =
  | { kind: 'string' }
  | { kind: 'boolean' }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'duration' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; item: Field }
  /** A map with free keys; merges onto the default map when `merge` is set. */
  | { kind: 'map'; value: Field; merge: boolean }
  | { kind: 'object'; fields: Readonly<Record<string, Field>> }
  /** A field with its own rules; returns the new value (or `current`, having reported why). */
  | { kind: 'custom'; apply: (current: unknown, input: unknown, path: FieldPath, report: Report) => unknown };

export const stringField: Field = { kind: 'string' };
export const booleanField: Field = { kind: 'boolean' };
export const durationField: Field = { kind: 'duration' };
export const stringListField: Field = { kind: 'list', item: stringField };
export const objectField = (fields: Record<string, Field>): Field => ({ kind: 'object', fields });
export const enumField = (values: readonly string[]): Field => ({ kind: 'enum', values });
export const integerField = (min: number, max: number): Field => ({ kind: 'integer', min, max });

export interface YamlReadResult<T> {
  readonly value: T;
  readonly issues: ConfigIssue[];
}

/**
 * Applies the YAML document in `yamlText` onto `defaults` (which it may change) as `root` allows.
 * Never throws; on a YAML syntax error nothing is applied. Issues carry `file` and the line of the
 * field when `file` is given.
 */
export function readYamlOnto<T>(root: Field, defaults: T, yamlText: string, file?: string): YamlReadResult<T> {
  const issues: ConfigIssue[] = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) =>
    file === undefined ? {} : { source: { file, line: lineCounter.linePos(offset ?? 0).line } };
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      issues.push({ severity: 'error', path: [], message: error.message.split('\n')[0], ...at(error.pos[0]) });
    }
    return { value: defaults, issues };
  }
  const input: unknown = doc.toJS({ maxAliasCount: 100 });
  const report: Report = (severity, path, message) => {
    issues.push({ severity, path, message, ...at(offsetOf(doc.contents, path)) });
  };
  return { value: applyField(root, defaults, input, [], report) as T, issues };
}

export type Report = (severity: ConfigIssue['severity'], path: FieldPath, message: string) => void;

/** The value of `field` after applying `input` onto `current`; `current` on a type error. */
function applyField(field: Field, current: unknown, input: unknown, path: FieldPath, report: Report): unknown {
  // `key:` with nothing after it reads as null: the field is left as it was.
  if (input === null || input === undefined) return current;
  switch (field.kind) {
    case 'string':
      if (typeof input === 'string') return input;
      return fail(report, path, 'must be a string', current);
    case 'boolean':
      if (typeof input === 'boolean') return input;
      return fail(report, path, 'must be true or false', current);
    case 'integer':
      if (typeof input === 'number' && Number.isInteger(input) && input >= field.min && input <= field.max) {
        return input;
      }
      return fail(report, path, `must be an integer in ${field.min}..${field.max}`, current);
    case 'number':
      if (typeof input === 'number' && input >= field.min && input <= field.max) return input;
      return fail(report, path, `must be a number in ${field.min}..${field.max}`, current);
    case 'duration':
      if (typeof input === 'string' && parseDuration(input) !== undefined) return input;
      return fail(report, path, 'must be a duration such as "10s", "1.5s" or "250ms"', current);
    case 'enum':
      if (typeof input === 'string' && field.values.includes(input)) return input;
      return fail(report, path, `must be one of ${field.values.join(', ')}`, current);
    case 'list':
      return applyList(field.item, current, input, path, report);
    case 'map':
      return applyMap(field, current, input, path, report);
    case 'object':
      return applyObject(field.fields, current, input, path, report);
    case 'custom':
      return field.apply(current, input, path, report);
  }
}

export function fail(report: Report, path: FieldPath, message: string, current: unknown): unknown {
  report('error', path, message);
  return current;
}

function applyList(item: Field, current: unknown, input: unknown, path: FieldPath, report: Report): unknown {
  if (!Array.isArray(input)) return fail(report, path, 'must be a list', current);
  let failed = false;
  const track: Report = (severity, at, message) => {
    if (severity === 'error') failed = true;
    report(severity, at, message);
  };
  const out = input.map((entry: unknown, index) => {
    if (entry === null || entry === undefined) return fail(track, [...path, index], 'must not be empty', undefined);
    return applyField(item, undefined, entry, [...path, index], track);
  });
  // A list with a bad entry keeps its default as a whole rather than half of what was written.
  return failed ? current : out;
}

function applyMap(
  field: Extract<Field, { kind: 'map' }>,
  current: unknown,
  input: unknown,
  path: FieldPath,
  report: Report,
): unknown {
  if (!isRecord(input)) return fail(report, path, 'must be a mapping', current);
  const out: Record<string, unknown> = field.merge && isRecord(current) ? { ...current } : {};
  for (const [key, value] of Object.entries(input)) {
    const applied = applyField(field.value, undefined, value, [...path, key], report);
    if (applied !== undefined) out[key] = applied;
  }
  return out;
}

function applyObject(
  fields: Readonly<Record<string, Field>>,
  current: unknown,
  input: unknown,
  path: FieldPath,
  report: Report,
): unknown {
  if (!isRecord(input)) return fail(report, path, 'must be a mapping', current);
  const out: Record<string, unknown> = isRecord(current) ? { ...current } : {};
  for (const [key, value] of Object.entries(input)) {
    const field = fields[key];
    if (!field) {
      report('warning', [...path, key], 'unknown or unsupported field, ignored');
      continue;
    }
    const applied = applyField(field, out[key], value, [...path, key], report);
    if (applied !== undefined) out[key] = applied;
  }
  return out;
}

/** Offset of the key (or list item) at `path` in the document, or of its nearest existing ancestor. */
function offsetOf(root: unknown, path: FieldPath): number | undefined {
  let node = root as Node | null;
  let best = node?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === segment);
      if (!pair) break;
      best = (pair.key as Node | null)?.range?.[0] ?? best;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = (node.items[segment] as Node | undefined) ?? null;
      if (!node) break;
      best = node.range?.[0] ?? best;
    } else break;
  }
  return best;
}
