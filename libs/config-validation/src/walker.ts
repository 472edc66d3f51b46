/**
 * Walking untrusted input. Specs arrive as whatever YAML the user wrote, so validators never
 * trust a type: they walk `unknown` values with a `Field` that knows its path and reports what is
 * wrong there. Every accessor reports a wrong type once and then returns `undefined`, so the
 * validators that use it stay straight-line code with no casts.
 */
import type { ConfigIssue, FieldPath, ResourceRef, Severity } from '@mesh/config-model';

/** Collects the issues of one object, errors and warnings apart. */
export class IssueList {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  constructor(private readonly resource?: ResourceRef) {}

  add(severity: Severity, path: FieldPath, message: string): void {
    const issue: ConfigIssue = { severity, path, message, ...(this.resource ? { resource: this.resource } : {}) };
    (severity === 'error' ? this.errors : this.warnings).push(issue);
  }
}

/** JSON-ish type names as users know them from YAML. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One value in the input, with the path that leads to it. */
export class Field {
  constructor(
    readonly value: unknown,
    readonly path: FieldPath,
    readonly issues: IssueList,
  ) {}

  /** Absent and null are the same: Kubernetes prunes nulls of non-nullable fields before validating. */
  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  /** The child at `key`; absent when this value is not a container or has no such key. */
  at(key: string | number): Field {
    let child: unknown;
    if (typeof key === 'number' && Array.isArray(this.value)) child = this.value[key];
    else if (typeof key === 'string' && isRecord(this.value) && Object.hasOwn(this.value, key)) child = this.value[key];
    return new Field(child, [...this.path, key], this.issues);
  }

  error(message: string): void {
    this.issues.add('error', this.path, message);
  }

  warn(message: string): void {
    this.issues.add('warning', this.path, message);
  }

  private wrongType(expected: string): undefined {
    this.error(`must be ${expected} (got ${typeName(this.value)})`);
    return undefined;
  }

  string(): string | undefined {
    if (!this.present) return undefined;
    return typeof this.value === 'string' ? this.value : this.wrongType('a string');
  }

  boolean(): boolean | undefined {
    if (!this.present) return undefined;
    return typeof this.value === 'boolean' ? this.value : this.wrongType('a boolean');
  }

  number(): number | undefined {
    if (!this.present) return undefined;
    return typeof this.value === 'number' && Number.isFinite(this.value) ? this.value : this.wrongType('a number');
  }

  integer(): number | undefined {
    if (!this.present) return undefined;
    return typeof this.value === 'number' && Number.isInteger(this.value) ? this.value : this.wrongType('an integer');
  }

  /** An integer in [min, max]; the message names the range. */
  integerIn(min: number, max: number): number | undefined {
    const value = this.integer();
    if (value === undefined) return undefined;
    if (value < min || value > max) {
      this.error(`must be between ${min} and ${max} (got ${value})`);
      return undefined;
    }
    return value;
  }

  /** proto3 uint32: 0..4294967295. */
  uint32(): number | undefined {
    return this.integerIn(0, 0xffffffff);
  }

  /** proto3 int32 that Istio requires to be non-negative. */
  nonNegativeInt32(): number | undefined {
    const value = this.integer();
    if (value === undefined) return undefined;
    if (value < 0) {
      this.error(`must not be negative (got ${value})`);
      return undefined;
    }
    if (value > 0x7fffffff) {
      this.error(`must be at most 2147483647 (got ${value})`);
      return undefined;
    }
    return value;
  }

  /** One of the enum's names (proto enums are written by name in YAML). */
  enumOf<const T extends string>(names: readonly T[]): T | undefined {
    const value = this.string();
    if (value === undefined) return undefined;
    if (!(names as readonly string[]).includes(value)) {
      this.error(`"${value}" is not one of ${names.join(', ')}`);
      return undefined;
    }
    return value as T;
  }

  list(): Field[] | undefined {
    if (!this.present) return undefined;
    if (!Array.isArray(this.value)) return this.wrongType('a list');
    return this.value.map((_, index) => this.at(index));
  }

  /** A list of strings; items that are not strings are reported and skipped. */
  strings(): Array<{ value: string; field: Field }> {
    const out: Array<{ value: string; field: Field }> = [];
    for (const item of this.list() ?? []) {
      const value = item.string();
      if (value !== undefined) out.push({ value, field: item });
      else if (!item.present) item.error('must be a string (got null)');
    }
    return out;
  }

  /** A proto map: its entries in order, each value as a Field. */
  entries(): Array<[string, Field]> | undefined {
    if (!this.present) return undefined;
    if (!isRecord(this.value)) return this.wrongType('a mapping');
    return Object.keys(this.value).map((key) => [key, this.at(key)]);
  }

  /** A map<string, string>, e.g. labels; values that are not strings are reported and skipped. */
  stringMap(): Array<{ key: string; value: string; field: Field }> | undefined {
    const entries = this.entries();
    if (entries === undefined) return undefined;
    const out: Array<{ key: string; value: string; field: Field }> = [];
    for (const [key, field] of entries) {
      if (!field.present) {
        field.error('must be a string (got null)');
        continue;
      }
      const value = field.string();
      if (value !== undefined) out.push({ key, value, field });
    }
    return out;
  }

  /**
   * A message with a fixed set of fields. Unknown fields are errors (the CRDs' structural schemas
   * reject them under strict field validation), named with their path and a likely intended name.
   */
  struct<const K extends string>(fields: readonly K[]): Struct<K> | undefined {
    if (!this.present) return undefined;
    if (!isRecord(this.value)) return this.wrongType('a mapping');
    for (const key of Object.keys(this.value)) {
      if (!(fields as readonly string[]).includes(key)) {
        const hint = closestName(key, fields);
        this.issues.add(
          'error',
          [...this.path, key],
          `unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        );
      }
    }
    return new Struct<K>(this.value, this.path, this.issues);
  }
}

/** A mapping whose field names were checked; `field` only takes the names it was given. */
export class Struct<K extends string> extends Field {
  field(name: K): Field {
    return this.at(name);
  }

  has(name: K): boolean {
    return this.at(name).present;
  }

  /** The fields of `names` that are set, in the order given. */
  setAmong(names: readonly K[]): K[] {
    return names.filter((name) => this.has(name));
  }

  /** Reports a missing required field at the field's own path and returns it. */
  required(name: K, message = 'is required'): Field {
    const field = this.at(name);
    if (!field.present) field.error(message);
    return field;
  }

  /** A string that must be set and not empty; reports "is required" (or the type) at the field. */
  requiredString(name: K, message = 'is required'): string | undefined {
    const field = this.at(name);
    if (!field.present) {
      field.error(message);
      return undefined;
    }
    const value = field.string();
    if (value === '') field.error(message);
    return value || undefined;
  }

  /** A proto `oneof`: at most one of `names` may be set. Returns the one that is set, if any. */
  oneOf(names: readonly K[]): K | undefined {
    const set = this.setAmong(names);
    if (set.length > 1) this.error(`only one of ${names.join(', ')} may be set (found ${set.join(', ')})`);
    return set[0];
  }
}

/** The known name closest to a misspelt one (edit distance ≤ 2), for "did you mean" hints. */
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
