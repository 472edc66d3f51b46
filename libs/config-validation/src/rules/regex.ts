/**
 * Regular expressions in Istio config are RE2 (Envoy compiles them with RE2), so a pattern is
 * checked by compiling it with RE2 itself (re2-wasm): what RE2 rejects (look-behind, back
 * references, possessive quantifiers...) is rejected here with RE2's own error text.
 */
import { RE2 } from 're2-wasm';
import type { Field } from '../walker';

/** Istio's limit: Envoy bounds RE2 program size, approximated by the pattern length. */
export const MAX_REGEX_LENGTH = 1024;

/** Results per distinct pattern: validation sees the same few patterns over and over. */
const compiled = new Map<string, string | undefined>();
const MAX_CACHED = 2048;

/**
 * re2-wasm translates JavaScript escapes that RE2 does not have (`\u0041`, `\cA`) before
 * compiling; Envoy's RE2 receives the pattern untranslated and rejects them, so they are caught here.
 */
function jsOnlyEscape(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '\\') continue;
    const next = pattern[i + 1];
    if (next === 'u' || next === 'c') return `invalid escape sequence: \\${next}`;
    i++; // skip the escaped character
  }
  return undefined;
}

/** RE2's complaint about a pattern, or undefined when RE2 compiles it. */
export function re2Error(pattern: string): string | undefined {
  if (compiled.has(pattern)) return compiled.get(pattern);
  let error = jsOnlyEscape(pattern);
  if (error === undefined) {
    try {
      const re = new RE2(pattern, 'u');
      freeWasmObject(re);
    } catch (thrown) {
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      // "Invalid regular expression: /<pattern>/u: <RE2 error>" → "<RE2 error>"
      const marker = message.lastIndexOf('/u: ');
      error = marker === -1 ? message : message.slice(marker + 4);
    }
  }
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(pattern, error);
  return error;
}

/**
 * re2-wasm keeps each compiled program in WASM memory until its embind handle is deleted; the
 * validator only needs the verdict, so the program is released at once.
 */
function freeWasmObject(re: RE2): void {
  const handle = (re as unknown as { wrapper?: { delete?: () => void } }).wrapper;
  handle?.delete?.();
}

/** A regex field: not empty, at most 1024 characters, valid RE2. */
export function checkRegex(field: Field, pattern: string): boolean {
  if (pattern === '') {
    field.error('regex must not be empty');
    return false;
  }
  if (pattern.length > MAX_REGEX_LENGTH) {
    field.error(`regex is too long (${pattern.length} characters, at most ${MAX_REGEX_LENGTH})`);
    return false;
  }
  const error = re2Error(pattern);
  if (error !== undefined) {
    field.error(
      `invalid RE2 regex "${pattern}": ${error} (Istio uses RE2 syntax, https://github.com/google/re2/wiki/Syntax)`,
    );
    return false;
  }
  return true;
}
