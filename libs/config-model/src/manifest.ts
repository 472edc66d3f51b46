/**
 * Reading manifests: multi-document YAML (and JSON, which YAML 1.2 contains) into plain objects
 * that remember their file and the line of every field.
 *
 * Speed matters (a config directory may hold thousands of objects), and only objects with
 * problems ever need field lines. So values come from js-yaml, which is several times faster, and
 * each document is re-parsed with `yaml` (which keeps node positions) only the first time one of
 * its field lines is asked for.
 */
import { load, YAMLException } from 'js-yaml';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { SourceLocation } from './config';
import type { FieldPath } from './issues';

export interface Manifest {
  /** The object as plain data. */
  readonly object: Record<string, unknown>;
  readonly source: SourceLocation;
  /** 1-based line of the field at `path`, or of its nearest ancestor that exists. */
  lineOf(path: FieldPath): number;
}

export interface ManifestParseError {
  readonly source: SourceLocation;
  readonly message: string;
}

export interface ParsedManifests {
  readonly manifests: Manifest[];
  readonly errors: ManifestParseError[];
}

/** One document's text and the 1-based line of the file it starts on. */
interface DocumentChunk {
  readonly text: string;
  readonly firstLine: number;
}

/**
 * Parses every document of a file. A document that is not valid YAML, or whose top level is not
 * a mapping, is reported and skipped; the other documents are still returned. Empty documents
 * (e.g. a trailing `---`) are ignored. A `kind: List` is expanded into its items.
 */
export function parseManifests(text: string, file: string): ParsedManifests {
  const manifests: Manifest[] = [];
  const errors: ManifestParseError[] = [];

  for (const chunk of splitDocuments(text)) {
    const contentLine = firstContentLine(chunk);
    if (contentLine === undefined) continue; // blank or comments only

    let value: unknown;
    try {
      value = load(chunk.text, { filename: file });
    } catch (error) {
      errors.push(loadError(error, chunk, file));
      continue;
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push({
        source: { file, line: contentLine },
        message: 'a manifest must be a mapping with apiVersion, kind and metadata',
      });
      continue;
    }

    const positions = new LazyPositions(chunk);
    const object = value as Record<string, unknown>;
    if (object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item, index) => {
        if (item && typeof item === 'object' && !Array.isArray(item)) {
          const base = ['items', index];
          const line = positions.lineOf(base) ?? contentLine;
          manifests.push(manifest(item as Record<string, unknown>, file, line, positions, base));
        }
      });
      continue;
    }
    manifests.push(manifest(object, file, contentLine, positions, []));
  }
  return { manifests, errors };
}

function manifest(
  object: Record<string, unknown>,
  file: string,
  line: number,
  positions: LazyPositions,
  base: FieldPath,
): Manifest {
  return {
    object,
    source: { file, line },
    lineOf(path: FieldPath): number {
      for (let n = path.length; n >= 0; n--) {
        const found = positions.lineOf([...base, ...path.slice(0, n)]);
        if (found !== undefined) return found;
      }
      return line;
    },
  };
}

/**
 * Splits a stream at document markers. A `---` or `...` at the start of a line always ends a
 * document in YAML (block content is indented, and flow scalars may not contain them), so this is
 * exact without a full parse. Text after `--- ` on the marker line belongs to the next document.
 */
function splitDocuments(text: string): DocumentChunk[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const chunks: DocumentChunk[] = [];
  let current: string[] = [];
  let firstLine = 1;
  const flush = (): void => {
    chunks.push({ text: current.join('\n'), firstLine });
    current = [];
  };
  lines.forEach((line, index) => {
    if (/^---(?:[ \t]|$)/.test(line)) {
      flush();
      firstLine = index + 1;
      current.push(`   ${line.slice(3)}`); // keep columns; the marker itself is gone
    } else if (/^\.\.\.[ \t]*$/.test(line)) {
      flush();
      firstLine = index + 2;
    } else {
      current.push(line);
    }
  });
  flush();
  return chunks;
}

function firstContentLine(chunk: DocumentChunk): number | undefined {
  const lines = chunk.text.split('\n');
  const index = lines.findIndex((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  return index === -1 ? undefined : chunk.firstLine + index;
}

function loadError(error: unknown, chunk: DocumentChunk, file: string): ManifestParseError {
  if (error instanceof YAMLException) {
    const line = chunk.firstLine + (error.mark?.line ?? 0);
    return { source: { file, line }, message: error.reason || 'invalid YAML' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { source: { file, line: chunk.firstLine }, message: message.split('\n')[0] };
}

/** Node positions of one document, parsed on first use. */
class LazyPositions {
  private readonly chunk: DocumentChunk;
  private doc?: Document | null;
  private lineCounter?: LineCounter;

  constructor(chunk: DocumentChunk) {
    this.chunk = chunk;
  }

  /** 1-based file line of the node at `path` (a mapping entry's key), or undefined if absent. */
  lineOf(path: FieldPath): number | undefined {
    const doc = this.document();
    if (!doc || !this.lineCounter) return undefined;
    const node = nodeAt(doc, path);
    if (!node?.range) return undefined;
    return this.chunk.firstLine + this.lineCounter.linePos(node.range[0]).line - 1;
  }

  private document(): Document | null {
    if (this.doc === undefined) {
      this.lineCounter = new LineCounter();
      const doc = parseDocument(this.chunk.text, { lineCounter: this.lineCounter, prettyErrors: false });
      // js-yaml accepted this text; should `yaml` not, lines fall back to the object's line.
      this.doc = doc.errors.length === 0 ? doc : null;
    }
    return this.doc;
  }
}

function nodeAt(doc: Document, path: FieldPath): Node | undefined {
  if (path.length === 0) return doc.contents as Node;
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const key = path[path.length - 1];
  // For a mapping entry, point at the key (where users look), not at the value.
  if (isMap(parent)) {
    const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
    return (pair?.key as Node | undefined) ?? undefined;
  }
  if (isSeq(parent) && typeof key === 'number') return parent.items[key] as Node | undefined;
  return undefined;
}
