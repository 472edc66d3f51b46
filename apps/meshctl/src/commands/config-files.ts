/**
 * The files a `-f` names: a file as given, or every *.yaml, *.yml and *.json below a directory
 * (recursively, in sorted order so output is stable). Paths are kept as the user wrote them, joined
 * with the names found, so messages point at paths the user recognises.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const EXTENSIONS = /\.(ya?ml|json)$/i;

export interface ReadFile {
  readonly file: string;
  readonly text: string;
}

export function configFiles(targets: readonly string[]): string[] {
  const files: string[] = [];
  for (const target of targets) {
    let stats;
    try {
      stats = statSync(target);
    } catch {
      throw new Error(`${target}: no such file or directory`);
    }
    if (stats.isDirectory()) files.push(...walk(target));
    else files.push(target);
  }
  return files;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile() && EXTENSIONS.test(entry.name)) out.push(path);
  }
  return out;
}

export function readConfigFiles(targets: readonly string[]): ReadFile[] {
  return configFiles(targets).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
}
