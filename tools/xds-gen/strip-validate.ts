/**
 * Removes protoc-gen-validate annotations from a .proto source text.
 *
 * Why: the `validate.proto` shipped beside Envoy's protos in @grpc/grpc-js-xds is older than
 * the annotations Envoy's files use (e.g. `StringRules.ignore_empty`), so a compiler rejects
 * them. The annotations only drive validation code generators we do not run; the wire format
 * does not depend on them. We strip them from a staged copy at generation time and never edit
 * the upstream files.
 *
 * The pass works on tokens (comments and strings are skipped correctly) and removes:
 * - `import "validate/validate.proto";`
 * - `option (validate.xxx) = ...;` statements (message and oneof options)
 * - `(validate.xxx) = ...` entries in field and enum-value option lists `[...]`; a list left
 *   empty is removed with its brackets.
 */

type TokenKind = 'ident' | 'number' | 'string' | 'punct';

interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

const VALIDATE_IMPORT = 'validate/validate.proto';

export function stripValidateAnnotations(source: string): string {
  const tokens = tokenize(source);
  const edits: Edit[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i];
    if (token.kind === 'ident' && token.text === 'import') {
      const end = findStatementEnd(tokens, i);
      const target = tokens.slice(i + 1, end).find((t) => t.kind === 'string');
      if (target && unquote(target.text) === VALIDATE_IMPORT) {
        edits.push(deleteWithLine(source, token.start, tokens[end].end));
      }
      i = end + 1;
      continue;
    }
    if (token.kind === 'ident' && token.text === 'option' && isValidateOptionName(tokens, i + 1)) {
      const end = findStatementEnd(tokens, i);
      edits.push(deleteWithLine(source, token.start, tokens[end].end));
      i = end + 1;
      continue;
    }
    if (token.kind === 'punct' && token.text === '[' && i > 0 && tokens[i - 1].kind === 'number') {
      const close = findMatching(tokens, i);
      const edit = stripOptionList(source, tokens, i, close);
      if (edit) edits.push(edit);
      i = close + 1;
      continue;
    }
    i++;
  }
  return applyEdits(source, edits);
}

function isValidateOptionName(tokens: Token[], at: number): boolean {
  const open = tokens[at];
  const name = tokens[at + 1];
  return (
    open !== undefined &&
    open.kind === 'punct' &&
    open.text === '(' &&
    name !== undefined &&
    name.kind === 'ident' &&
    (name.text === 'validate' || name.text.startsWith('validate.'))
  );
}

/** Removes validate entries from the option list between tokens[open] `[` and tokens[close] `]`. */
function stripOptionList(source: string, tokens: Token[], open: number, close: number): Edit | undefined {
  const entries: Array<{ first: number; last: number }> = [];
  let depth = 0;
  let first = open + 1;
  for (let j = open + 1; j < close; j++) {
    const t = tokens[j];
    if (t.kind === 'punct' && '([{<'.includes(t.text)) depth++;
    else if (t.kind === 'punct' && ')]}>'.includes(t.text)) depth--;
    else if (depth === 0 && t.kind === 'punct' && t.text === ',') {
      entries.push({ first, last: j - 1 });
      first = j + 1;
    }
  }
  if (first <= close - 1) entries.push({ first, last: close - 1 });

  const kept = entries.filter((e) => !isValidateOptionName(tokens, e.first));
  if (kept.length === entries.length) return undefined;
  if (kept.length === 0) {
    // Also remove the whitespace between the field number and `[`.
    return { start: tokens[open - 1].end, end: tokens[close].end, replacement: '' };
  }
  const text = kept.map((e) => source.slice(tokens[e.first].start, tokens[e.last].end)).join(', ');
  return { start: tokens[open].start, end: tokens[close].end, replacement: `[${text}]` };
}

/** Index of the `;` ending the statement that starts at tokens[from], skipping nested braces. */
function findStatementEnd(tokens: Token[], from: number): number {
  let depth = 0;
  for (let j = from; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.kind !== 'punct') continue;
    if (t.text === '{') depth++;
    else if (t.text === '}') depth--;
    else if (t.text === ';' && depth === 0) return j;
  }
  throw new Error(`unterminated statement starting at offset ${tokens[from].start}`);
}

function findMatching(tokens: Token[], open: number): number {
  const pairs: Record<string, string> = { '[': ']', '(': ')', '{': '}' };
  const stack: string[] = [];
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.kind !== 'punct') continue;
    if (t.text in pairs) stack.push(pairs[t.text]);
    else if (t.text === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return j;
    }
  }
  throw new Error(`unbalanced '${tokens[open].text}' at offset ${tokens[open].start}`);
}

/** Deletes [start, end) and, when that leaves the line blank, the whole line. */
function deleteWithLine(source: string, start: number, end: number): Edit {
  const lineStart = source.lastIndexOf('\n', start - 1) + 1;
  let lineEnd = source.indexOf('\n', end);
  if (lineEnd === -1) lineEnd = source.length;
  const blankBefore = source.slice(lineStart, start).trim() === '';
  const blankAfter = source.slice(end, lineEnd).trim() === '';
  if (blankBefore && blankAfter) {
    return { start: lineStart, end: Math.min(lineEnd + 1, source.length), replacement: '' };
  }
  return { start, end, replacement: '' };
}

function applyEdits(source: string, edits: Edit[]): string {
  let out = source;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.replacement + out.slice(edit.end);
  }
  return out;
}

function unquote(literal: string): string {
  return literal.slice(1, -1);
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      const nl = source.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
    } else if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      if (close === -1) throw new Error(`unterminated comment at offset ${i}`);
      i = close + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      if (j >= n) throw new Error(`unterminated string at offset ${i}`);
      tokens.push({ kind: 'string', text: source.slice(i, j + 1), start: i, end: j + 1 });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_.]/.test(source[j])) j++;
      tokens.push({ kind: 'ident', text: source.slice(i, j), start: i, end: j });
      i = j;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.+-]/.test(source[j]) && !(source[j] === '-' && !/[eE]/.test(source[j - 1]))) j++;
      tokens.push({ kind: 'number', text: source.slice(i, j), start: i, end: j });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}
