/** Envoy's StringMatcher, compiled once per route table into a predicate. */
import type { XdsStringMatcher } from '../../xds/model';
import { fullMatchRegex } from './regex';

export type StringPredicate = (value: string) => boolean;

export function compileStringMatcher(matcher: XdsStringMatcher): StringPredicate {
  if (matcher.kind === 'regex') {
    const regex = fullMatchRegex(matcher.value);
    return (value) => regex.test(value);
  }
  const expected = matcher.ignoreCase ? matcher.value.toLowerCase() : matcher.value;
  const fold = matcher.ignoreCase;
  switch (matcher.kind) {
    case 'exact':
      return fold ? (v) => v.toLowerCase() === expected : (v) => v === expected;
    case 'prefix':
      return fold ? (v) => v.toLowerCase().startsWith(expected) : (v) => v.startsWith(expected);
    case 'suffix':
      return fold ? (v) => v.toLowerCase().endsWith(expected) : (v) => v.endsWith(expected);
    case 'contains':
      return fold ? (v) => v.toLowerCase().includes(expected) : (v) => v.includes(expected);
  }
}
