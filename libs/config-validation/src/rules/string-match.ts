/**
 * Istio's StringMatch: `exact`, `prefix` or `regex` (RE2), at most one of them.
 */
import type { Field } from '../walker';
import { checkRegex } from './regex';

export const STRING_MATCH_FIELDS = ['exact', 'prefix', 'regex'] as const;
export type StringMatchKind = (typeof STRING_MATCH_FIELDS)[number];

export interface StringMatch {
  readonly kind: StringMatchKind | undefined;
  readonly value: string | undefined;
}

export interface StringMatchRules {
  /** An empty prefix is allowed for URIs (it matches every path) but nowhere else. */
  readonly allowEmptyPrefix?: boolean;
  /** `withoutHeaders` treats regex "*" as "header present", not as a regex. */
  readonly starMeansPresent?: boolean;
}

export function checkStringMatch(field: Field, rules: StringMatchRules = {}): StringMatch | undefined {
  const match = field.struct(STRING_MATCH_FIELDS);
  if (!match) return undefined;
  const kind = match.oneOf(STRING_MATCH_FIELDS);
  if (kind === undefined) return { kind, value: undefined };
  const valueField = match.field(kind);
  const value = valueField.string();
  if (value === undefined) return { kind, value };
  if (kind === 'prefix' && value === '' && !rules.allowEmptyPrefix) valueField.error('prefix must not be empty');
  if (kind === 'regex' && !(rules.starMeansPresent && value === '*')) checkRegex(valueField, value);
  return { kind, value };
}
