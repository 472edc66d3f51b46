/**
 * Benchmark: istiod pushing to 2,000 simulated proxies (libs/pilot/bench/pilot-load.bench.ts).
 *
 *   npm run bench:pilot
 *
 * Builds the istiod bundle (the process under test), bundles the benchmark (which holds the
 * simulated proxies) into tmp/bench/ and runs it in a process of its own. The last line printed is
 * one JSON object. BENCH_SERVICES, BENCH_PROXIES, BENCH_ROUNDS and BENCH_CONNECT_BATCH change the
 * size (e.g. BENCH_SERVICES=100 BENCH_PROXIES=100 for a quick look).
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../xds-gen/sources.ts';

const bundled = spawnSync(process.execPath, [join(repoRoot, 'tools', 'build', 'bundle-app.ts'), 'istiod'], {
  stdio: 'inherit',
});
if (bundled.status !== 0) process.exit(bundled.status ?? 1);

const entry = join(repoRoot, 'libs', 'pilot', 'bench', 'pilot-load.bench.ts');
const outfile = join(repoRoot, 'tmp', 'bench', 'pilot-load.mjs');
mkdirSync(join(repoRoot, 'tmp', 'bench'), { recursive: true });
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node24',
  tsconfig: join(repoRoot, 'libs', 'pilot', 'tsconfig.json'),
  logLevel: 'warning',
});

const run = spawnSync(process.execPath, [outfile], {
  stdio: 'inherit',
  env: { ...process.env, BENCH_ISTIOD: join(repoRoot, 'dist', 'apps', 'istiod', 'main.js') },
});
process.exit(run.status ?? 1);
