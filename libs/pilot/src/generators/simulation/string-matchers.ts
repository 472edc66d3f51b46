/**
 * Envoy's matching semantics for strings, headers and query parameters, as the simulator needs
 * them. Regexes are RE2 (re2-wasm) and, as Envoy's safe_regex, must match the whole value.
 */
import type { HeaderMatcher, QueryParameterMatcher } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import type { StringMatcher } from '@mesh/xds/generated/envoy/type/matcher/v3/string';
import { RE2 } from 're2-wasm';

/** Does RE2 `pattern` match all of `value`? The compiled program is released at once (WASM memory). */
export function fullRegexMatch(pattern: string, value: string): boolean {
  const re = new RE2(`^(?:${pattern})$`, 'u');
  try {
    return re.test(value);
  } finally {
    (re as unknown as { wrapper?: { delete?: () => void } }).wrapper?.delete?.();
  }
}

export function stringMatches(matcher: StringMatcher, value: string): boolean {
  const ignoreCase = matcher.ignoreCase === true;
  const v = ignoreCase ? value.toLowerCase() : value;
  const norm = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  if (matcher.exact !== undefined) return v === norm(matcher.exact);
  if (matcher.prefix !== undefined) return v.startsWith(norm(matcher.prefix));
  if (matcher.suffix !== undefined) return v.endsWith(norm(matcher.suffix));
  if (matcher.contains !== undefined) return v.includes(norm(matcher.contains));
  if (matcher.safeRegex?.regex !== undefined) return fullRegexMatch(matcher.safeRegex.regex, value);
  return false;
}

/**
 * Envoy's header match: a missing header fails every match (and passes an inverted one) except
 * `present_match: false`, unless `treat_missing_header_as_empty` makes it an empty value.
 */
export function headerMatches(matcher: HeaderMatcher, headers: ReadonlyMap<string, string>): boolean {
  const name = (matcher.name ?? '').toLowerCase();
  const present = headers.has(name);
  const invert = matcher.invertMatch === true;
  const isPresenceMatch =
    matcher.presentMatch !== undefined ||
    (matcher.stringMatch === undefined &&
      matcher.exactMatch === undefined &&
      matcher.prefixMatch === undefined &&
      matcher.suffixMatch === undefined &&
      matcher.containsMatch === undefined &&
      matcher.safeRegexMatch === undefined &&
      matcher.rangeMatch === undefined);
  const wantPresent = matcher.presentMatch ?? true;
  if (!present && !matcher.treatMissingHeaderAsEmpty) {
    return isPresenceMatch ? (invert ? wantPresent : !wantPresent) : invert;
  }
  const value = headers.get(name) ?? '';
  let match: boolean;
  if (isPresenceMatch) match = wantPresent ? present : !present;
  else if (matcher.stringMatch) match = stringMatches(matcher.stringMatch, value);
  else if (matcher.exactMatch !== undefined) match = value === matcher.exactMatch;
  else if (matcher.prefixMatch !== undefined) match = value.startsWith(matcher.prefixMatch);
  else if (matcher.suffixMatch !== undefined) match = value.endsWith(matcher.suffixMatch);
  else if (matcher.containsMatch !== undefined) match = value.includes(matcher.containsMatch);
  else if (matcher.safeRegexMatch?.regex !== undefined) match = fullRegexMatch(matcher.safeRegexMatch.regex, value);
  else {
    const n = Number(value);
    match = Number.isInteger(n) && n >= (matcher.rangeMatch?.start ?? 0) && n < (matcher.rangeMatch?.end ?? 0);
  }
  return match !== invert;
}

export function queryMatches(matcher: QueryParameterMatcher, query: URLSearchParams): boolean {
  const name = matcher.name ?? '';
  const value = query.get(name);
  if (value === null) return false;
  if (matcher.presentMatch) return true;
  return matcher.stringMatch ? stringMatches(matcher.stringMatch, value) : false;
}
