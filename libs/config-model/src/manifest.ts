/**
 * Reading manifests: multi-document YAML (and JSON, which YAML 1.2 contains) into plain objects
 * that remember their file and the line of every field.
 */
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
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

/**
 * Parses every document of a file. A document that is not valid YAML, or whose top level is not
 * a mapping, is reported and skipped; the other documents are still returned. Empty documents
 * (e.g. a trailing `---`) are ignored. A `kind: List` is expanded into its items.
 */
export function parseManifests(text: string, file: string): ParsedManifests {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const manifests: Manifest[] = [];
  const errors: ManifestParseError[] = [];
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;

  for (const doc of Array.isArray(documents) ? documents : [documents]) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        errors.push({ source: { file, line: lineAt(error.pos[0]) }, message: firstLine(error.message) });
      }
      continue;
    }
    if (doc.contents === null || (doc.contents as { value?: unknown }).value === null) continue;
    if (!isMap(doc.contents)) {
      errors.push({
        source: { file, line: lineAt(doc.contents.range?.[0] ?? 0) },
        message: 'a manifest must be a mapping with apiVersion, kind and metadata',
      });
      continue;
    }
    const object = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
    if (object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item, index) => {
        if (item && typeof item === 'object' && !Array.isArray(item)) {
          manifests.push(manifestAt(doc, ['items', index], item as Record<string, unknown>, file, lineAt));
        }
      });
      continue;
    }
    manifests.push(manifestAt(doc, [], object, file, lineAt));
  }
  return { manifests, errors };
}

function manifestAt(
  doc: Document,
  base: FieldPath,
  object: Record<string, unknown>,
  file: string,
  lineAt: (offset: number) => number,
): Manifest {
  const rootNode = base.length === 0 ? (doc.contents as Node) : (doc.getIn(base, true) as Node);
  const line = lineAt(rootNode.range?.[0] ?? 0);
  return {
    object,
    source: { file, line },
    lineOf(path: FieldPath): number {
      for (let n = path.length; n >= 0; n--) {
        const node = nodeAt(doc, [...base, ...path.slice(0, n)]);
        if (node?.range) return lineAt(node.range[0]);
      }
      return line;
    },
  };
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

function firstLine(message: string): string {
  return message.split('\n')[0];
}
