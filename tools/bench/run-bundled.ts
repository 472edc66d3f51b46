/**
 * Benchmarks live beside the code they measure (libs/<lib>/bench/*.bench.ts). Node cannot run lib
 * sources directly (extensionless imports, `@mesh/*` aliases), so a benchmark is bundled with
 * esbuild (which follows the lib's tsconfig aliases) into tmp/bench/ inside the repository, where
 * packages still resolve from node_modules, and run in a fresh process so that its figures (memory
 * above all) are its own. Resolves with the exit code.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../xds-gen/sources.ts';

export async function runBundledBenchmark(
  lib: string,
  benchFile: string,
  env: NodeJS.ProcessEnv = {},
): Promise<number> {
  const outDir = join(repoRoot, 'tmp', 'bench');
  const outfile = join(outDir, benchFile.replace(/\.bench\.ts$/, '.mjs'));
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(repoRoot, 'libs', lib, 'bench', benchFile)],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    tsconfig: join(repoRoot, 'libs', lib, 'tsconfig.json'),
    logLevel: 'warning',
  });
  const run = spawnSync(process.execPath, [outfile], { stdio: 'inherit', env: { ...process.env, ...env } });
  return run.status ?? 1;
}
