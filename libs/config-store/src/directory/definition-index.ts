/**
 * The whole directory as definitions, across files: which file's definition of each object wins
 * (the first by path, so the outcome never depends on the order files were read or changed) and
 * the conflicts to report for the others.
 */
import { describeConfig } from '@mesh/config-model';
import type { Refusal } from '../collection';
import type { Definition, FileDefinitions } from './file-definitions';

export class DefinitionIndex {
  private readonly files = new Map<string, FileDefinitions>();
  /** key → (file path relative to the directory → definition). */
  private readonly byKey = new Map<string, Map<string, Definition>>();
  private readonly conflicts = new Map<string, Refusal[]>();

  fileNames(): IterableIterator<string> {
    return this.files.keys();
  }

  file(relativePath: string): FileDefinitions | undefined {
    return this.files.get(relativePath);
  }

  /** Replaces what a file defines; returns the keys whose winner may have changed. */
  setFile(relativePath: string, definitions: FileDefinitions): Set<string> {
    const affected = this.removeFile(relativePath);
    this.files.set(relativePath, definitions);
    for (const [key, definition] of definitions.definitions) {
      let perFile = this.byKey.get(key);
      if (!perFile) {
        perFile = new Map();
        this.byKey.set(key, perFile);
      }
      perFile.set(relativePath, definition);
      affected.add(key);
    }
    for (const key of affected) this.updateConflicts(key);
    return affected;
  }

  /** Forgets a file; returns the keys whose winner may have changed. */
  removeFile(relativePath: string): Set<string> {
    const affected = new Set<string>();
    const old = this.files.get(relativePath);
    if (!old) return affected;
    this.files.delete(relativePath);
    for (const key of old.definitions.keys()) {
      const perFile = this.byKey.get(key);
      perFile?.delete(relativePath);
      if (perFile?.size === 0) this.byKey.delete(key);
      affected.add(key);
    }
    for (const key of affected) this.updateConflicts(key);
    return affected;
  }

  /** The definition served for a key: the one in the first file by path. */
  winner(key: string): Definition | undefined {
    const perFile = this.byKey.get(key);
    if (!perFile) return undefined;
    let best: string | undefined;
    for (const path of perFile.keys()) if (best === undefined || path < best) best = path;
    return best === undefined ? undefined : perFile.get(best);
  }

  /** Every refusal of the directory: per file (in path order), then the conflicts. */
  refusals(): Refusal[] {
    const out: Refusal[] = [];
    for (const path of [...this.files.keys()].sort()) out.push(...(this.files.get(path)?.refusals ?? []));
    for (const key of [...this.conflicts.keys()].sort()) out.push(...(this.conflicts.get(key) ?? []));
    return out;
  }

  ignored(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const file of this.files.values()) {
      for (const [kind, count] of Object.entries(file.ignored)) out[kind] = (out[kind] ?? 0) + count;
    }
    return out;
  }

  private updateConflicts(key: string): void {
    const perFile = this.byKey.get(key);
    const winner = this.winner(key);
    if (!perFile || !winner || perFile.size < 2) {
      this.conflicts.delete(key);
      return;
    }
    const losers = [...perFile.values()].filter((d) => d !== winner).sort((a, b) => (a.file < b.file ? -1 : 1));
    this.conflicts.set(
      key,
      losers.map((loser) => ({
        issues: [
          {
            severity: 'error',
            path: [],
            resource: loser.ref,
            source: { file: loser.file, line: loser.line },
            message:
              `${describeConfig(loser.ref)} is defined in both ${winner.file}:${winner.line} and ` +
              `${loser.file}:${loser.line}; using the one in ${winner.file} (first by path)`,
          },
        ],
      })),
    );
  }
}
