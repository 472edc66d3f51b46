/**
 * Benchmark: initial load of a 5,000-object config directory by @mesh/config-store.
 *
 *   node tools/bench/config-store-load.ts
 *
 * The benchmark itself lives beside the code (libs/config-store/bench/load.bench.ts). Node cannot
 * run lib sources directly (extensionless imports, `@mesh/*` aliases), so this script bundles it
 * with esbuild (which follows the tsconfig aliases) into tmp/bench/ inside the repository, where
 * packages still resolve from node_modules, and runs it in a fresh process so its memory figure
 * is its own. The last line printed is one JSON object:
 * `{"objects":5000,"files":N,"load_ms":...,"rss_mb":...,"rejected":0}`.
 * BENCH_OBJECTS and BENCH_OBJECTS_PER_FILE change the size.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../xds-gen/sources.ts';

const entry = join(repoRoot, 'libs', 'config-store', 'bench', 'load.bench.ts');
const outfile = join(repoRoot, 'tmp', 'bench', 'config-store-load.mjs');
mkdirSync(join(repoRoot, 'tmp', 'bench'), { recursive: true });

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node24',
  tsconfig: join(repoRoot, 'libs', 'config-store', 'tsconfig.json'),
  logLevel: 'warning',
});

const run = spawnSync(process.execPath, [outfile], { stdio: 'inherit', env: process.env });
process.exit(run.status ?? 1);
