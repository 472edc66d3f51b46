/**
 * Istio's StringMatch (`exact` | `prefix` | `regex`, RE2) as Envoy matchers. Regexes become
 * `safe_regex` with the google_re2 engine, which Envoy matches against the whole value.
 */
import type { StringMatch } from '@mesh/config-model';
import type { RegexMatcher } from '@mesh/xds/generated/envoy/type/matcher/v3/regex';
import type { StringMatcher } from '@mesh/xds/generated/envoy/type/matcher/v3/string';

export function re2Matcher(regex: string): RegexMatcher {
  return { googleRe2: {}, regex };
}

/**
 * True when the match only asks for presence: no match type, or the regex `*` (not RE2, but
 * Istio documents it as "any value" and turns it into a presence check).
 */
export function isPresenceMatch(match: StringMatch | undefined): boolean {
  if (!match) return true;
  if (match.regex === '*') return true;
  return match.exact === undefined && match.prefix === undefined && match.regex === undefined;
}

/** The Envoy matcher of a StringMatch; undefined for a presence-only match. */
export function stringMatcher(match: StringMatch | undefined): StringMatcher | undefined {
  if (!match || isPresenceMatch(match)) return undefined;
  if (match.exact !== undefined) return { exact: match.exact };
  if (match.prefix !== undefined) return { prefix: match.prefix };
  return { safeRegex: re2Matcher(match.regex ?? '') };
}

/** Exact matchers for plain strings (the deprecated CORS `allowOrigin`). */
export function exactMatchers(values: readonly string[]): StringMatcher[] {
  return values.map((exact) => ({ exact }));
}
