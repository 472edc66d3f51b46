/**
 * Benchmark: initial load of a 5,000-object config directory by @mesh/config-store.
 *
 *   node tools/bench/config-store-load.ts
 *
 * The benchmark itself lives beside the code (libs/config-store/bench/load.bench.ts); see
 * run-bundled.ts for how it is run. The last line printed is one JSON object:
 * `{"objects":5000,"files":N,"load_ms":...,"rss_mb":...,"rejected":0}`.
 * BENCH_OBJECTS and BENCH_OBJECTS_PER_FILE change the size.
 */
import { runBundledBenchmark } from './run-bundled.ts';

process.exit(await runBundledBenchmark('config-store', 'load.bench.ts'));
