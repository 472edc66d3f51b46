/**
 * RE2 regexes, as Envoy's `safe_regex` runs them. RE2 (here compiled to WebAssembly) guarantees
 * time linear in the input, which is why Envoy uses it for matching on request data; JavaScript's
 * backtracking engine would let a crafted path stall the proxy on a pattern such as `(a+)+$`, so
 * it is not used for configured patterns. Envoy's matches are full matches: the whole value must
 * match, hence the anchors.
 */
import { RE2 } from 're2-wasm';

export interface FullMatchRegex {
  test(value: string): boolean;
}

export function fullMatchRegex(pattern: string): FullMatchRegex {
  return new RE2(`^(?:${pattern})$`, 'u');
}

/**
 * Replaces every match of `pattern` in a value, Envoy's `regex_rewrite`: `\0`-`\9` in the
 * substitution stand for capture groups, `\\` for a backslash (RE2's rewrite syntax).
 */
export function regexReplacer(pattern: string, substitution: string): (value: string) => string {
  const regex = new RE2(pattern, 'gu');
  const parts = substitutionParts(substitution);
  return (value) =>
    regex.replace(value, (...args: unknown[]) => {
      // replace() passes the match, its groups, then the offset and the input.
      return parts.map((p) => (typeof p === 'string' ? p : String(args[p] ?? ''))).join('');
    });
}

/** Literal text and group numbers, in order. */
function substitutionParts(substitution: string): (string | number)[] {
  const parts: (string | number)[] = [];
  let literal = '';
  for (let i = 0; i < substitution.length; i++) {
    const c = substitution[i];
    if (c === '\\' && i + 1 < substitution.length) {
      const next = substitution[i + 1];
      if (next >= '0' && next <= '9') {
        if (literal) parts.push(literal);
        literal = '';
        parts.push(Number(next));
        i++;
        continue;
      }
      if (next === '\\') {
        literal += '\\';
        i++;
        continue;
      }
    }
    literal += c;
  }
  if (literal) parts.push(literal);
  return parts;
}
