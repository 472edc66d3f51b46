/**
 * Benchmark: istiod pushing to 2,000 simulated proxies (libs/pilot/bench/pilot-load.bench.ts).
 *
 *   npm run bench:pilot
 *
 * Builds the istiod bundle (the process under test), then bundles and runs the benchmark (which
 * holds the simulated proxies; see run-bundled.ts). The last line printed is one JSON object.
 * BENCH_SERVICES, BENCH_PROXIES, BENCH_ROUNDS, BENCH_PROTOCOL (sotw, delta, mixed) and
 * BENCH_CONNECT_BATCH change the run (e.g. BENCH_SERVICES=100 BENCH_PROXIES=100 for a quick look).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../xds-gen/sources.ts';
import { runBundledBenchmark } from './run-bundled.ts';

const bundled = spawnSync(process.execPath, [join(repoRoot, 'tools', 'build', 'bundle-app.ts'), 'istiod'], {
  stdio: 'inherit',
});
if (bundled.status !== 0) process.exit(bundled.status ?? 1);

process.exit(
  await runBundledBenchmark('pilot', 'pilot-load.bench.ts', {
    BENCH_ISTIOD: join(repoRoot, 'dist', 'apps', 'istiod', 'main.js'),
  }),
);
