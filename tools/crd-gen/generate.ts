/**
 * Writes the CRDs of the Istio kinds and the validating webhook configuration into deploy/.
 *
 *   node tools/crd-gen/generate.ts           # (re)writes deploy/crds/*.yaml and deploy/validating-webhook.yaml
 *   node tools/crd-gen/generate.ts --check   # exits 1 if the committed files differ from what it would write
 *
 * The API descriptions live in istio-*.ts, the kind list in kinds.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDeployFiles } from './render.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const crdDir = 'deploy/crds';

/** Generated files that are missing or different, and stale files in deploy/crds that nothing generates. */
export function staleFiles(root: string, files: Map<string, string>): string[] {
  const stale: string[] = [];
  for (const [path, text] of files) {
    const full = join(root, path);
    if (!existsSync(full) || readFileSync(full, 'utf8') !== text) stale.push(path);
  }
  const dir = join(root, crdDir);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.yaml') && !files.has(`${crdDir}/${name}`)) stale.push(`${crdDir}/${name}`);
    }
  }
  return stale;
}

function main(argv: string[]): number {
  const files = renderDeployFiles();
  if (argv.includes('--check')) {
    const stale = staleFiles(repoRoot, files);
    if (stale.length === 0) return 0;
    console.error(`out of date (run node tools/crd-gen/generate.ts):\n  ${stale.join('\n  ')}`);
    return 1;
  }
  for (const path of staleFiles(repoRoot, files)) {
    const full = join(repoRoot, path);
    const text = files.get(path);
    if (text === undefined) {
      rmSync(full);
      console.log(`removed ${path}`);
    } else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
      console.log(`wrote ${path}`);
    }
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));
