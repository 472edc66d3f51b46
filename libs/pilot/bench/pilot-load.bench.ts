/**
 * Benchmark: istiod (the real bundle, --config-dir mode) serving a mesh of 1,000 services to 2,000
 * simulated proxies, each on its own gRPC connection (half state-of-the-world, half delta ADS).
 * Bundled and run by tools/bench/pilot-load.ts, which prints its output.
 *
 * Per change (a VirtualService edit: a full push; an endpoint move: an incremental EDS push) it
 * measures, from the moment the file is written to the moment each proxy acknowledged the response
 * carrying the change: p50/p99/max over every proxy and round; istiod CPU seconds for the change
 * (/proc); bytes each protocol's proxies received for it (until the push settles). Also istiod's
 * RSS after the initial sync and at its peak. The debounce (100 ms quiet) is part of the latency,
 * as it is for a user. The last line printed is one JSON object.
 *
 * Environment: BENCH_SERVICES (1000), BENCH_PROXIES (2000), BENCH_ROUNDS (3), BENCH_ISTIOD (the
 * bundle, set by the wrapper), BENCH_CONNECT_BATCH (100 proxies connecting at once).
 */
import { ControlPlaneProcess, httpGet, sleep, within } from '@mesh/testing';
import { TypeUrl } from '@mesh/xds';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeMesh, writeService, type ServiceRevision } from './mesh-fixture';
import { cpuSeconds, memoryMb, percentile } from './process-stats';
import { DeltaProxy, SotwProxy, sidecarNode, type SimulatedProxy } from './simulated-proxy';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const PROXIES = Number(process.env.BENCH_PROXIES ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECT_BATCH = Number(process.env.BENCH_CONNECT_BATCH ?? 100);
const ISTIOD = process.env.BENCH_ISTIOD ?? 'dist/apps/istiod/main.js';
/** sotw, delta or mixed (every other proxy). */
const PROTOCOL = process.env.BENCH_PROTOCOL ?? 'mixed';
const SYNC_TIMEOUT_MS = 300_000;
const CHANGE_TIMEOUT_MS = 60_000;
/** After the last proxy converged: how long to keep counting bytes of the same push. */
const SETTLE_MS = 1_500;

interface ChangeResult {
  readonly latenciesMs: number[];
  readonly unconverged: number;
  readonly cpuSeconds: number;
  readonly bytesPerProxy: { sotw: number; delta: number };
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function connectAll(address: string): Promise<SimulatedProxy[]> {
  const proxies: SimulatedProxy[] = [];
  for (let start = 0; start < PROXIES; start += CONNECT_BATCH) {
    const batch: SimulatedProxy[] = [];
    for (let i = start; i < Math.min(PROXIES, start + CONNECT_BATCH); i++) {
      const sotw = PROTOCOL === 'sotw' || (PROTOCOL === 'mixed' && i % 2 === 0);
      const proxy = sotw
        ? new SotwProxy(address, sidecarNode(i, 'sotw'))
        : new DeltaProxy(address, sidecarNode(i, 'delta'));
      proxy.start();
      batch.push(proxy);
    }
    await within(
      Promise.all(batch.map((proxy) => proxy.synced)),
      SYNC_TIMEOUT_MS,
      `timed out: proxies ${start}..${start + batch.length - 1} to sync (${batch.find((p) => p.error)?.error ?? 'no stream error'})`,
    );
    proxies.push(...batch);
  }
  return proxies;
}

async function measureChange(
  proxies: readonly SimulatedProxy[],
  pid: number,
  typeUrl: string,
  marker: string,
  change: () => void,
): Promise<ChangeResult> {
  const markerBytes = Buffer.from(marker);
  for (const proxy of proxies) {
    proxy.resetBytes();
    proxy.watchFor({ typeUrl, marker: markerBytes });
  }
  const cpuBefore = cpuSeconds(pid);
  const t0 = performance.now();
  change();
  const deadline = t0 + CHANGE_TIMEOUT_MS;
  while (performance.now() < deadline && proxies.some((proxy) => proxy.convergedAt === undefined)) await sleep(20);
  await sleep(SETTLE_MS);
  const cpu = cpuSeconds(pid) - cpuBefore;
  const latenciesMs: number[] = [];
  let unconverged = 0;
  const bytes = { sotw: 0, delta: 0 };
  const count = { sotw: 0, delta: 0 };
  for (const proxy of proxies) {
    if (proxy.convergedAt === undefined) unconverged++;
    else latenciesMs.push(proxy.convergedAt - t0);
    const protocol = proxy instanceof SotwProxy ? 'sotw' : 'delta';
    bytes[protocol] += proxy.bytesReceived;
    count[protocol]++;
    proxy.watchFor(undefined);
  }
  return {
    latenciesMs,
    unconverged,
    cpuSeconds: cpu,
    bytesPerProxy: { sotw: bytes.sotw / Math.max(1, count.sotw), delta: bytes.delta / Math.max(1, count.delta) },
  };
}

function summarize(name: string, results: readonly ChangeResult[]) {
  const latencies = results.flatMap((result) => result.latenciesMs);
  const sum = (pick: (result: ChangeResult) => number): number => results.reduce((total, r) => total + pick(r), 0);
  const summary = {
    p50_ms: Math.round(percentile(latencies, 50)),
    p99_ms: Math.round(percentile(latencies, 99)),
    max_ms: Math.round(percentile(latencies, 100)),
    unconverged: sum((r) => r.unconverged),
    cpu_s_per_change: +(sum((r) => r.cpuSeconds) / results.length).toFixed(2),
    sotw_bytes_per_proxy: Math.round(sum((r) => r.bytesPerProxy.sotw) / results.length),
    delta_bytes_per_proxy: Math.round(sum((r) => r.bytesPerProxy.delta) / results.length),
  };
  log(
    `${name}: converged p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms, max ${summary.max_ms} ms` +
      ` (${latencies.length} acks, ${summary.unconverged} missing); istiod CPU ${summary.cpu_s_per_change} s/change;` +
      ` bytes per proxy: SotW ${summary.sotw_bytes_per_proxy}, delta ${summary.delta_bytes_per_proxy}`,
  );
  return summary;
}

/** istiod's V8 heap in use (MB), from its Prometheus endpoint. */
async function heapUsedMb(monitoringPort: number): Promise<number> {
  const { text } = await httpGet(monitoringPort, '/metrics');
  const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return match ? Number(match[1]) / 1e6 : NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pilot-'));
  writeMesh(dir, SERVICES);
  log(
    `mesh: ${SERVICES} services (2 ports, 2 subsets, 5 endpoints, 1 VirtualService, 1 DestinationRule each) in ${dir}`,
  );
  const { process: istiod, ports } = await ControlPlaneProcess.start('istiod', ISTIOD, [
    '--config-dir',
    dir,
    '--grpc-addr',
    '127.0.0.1:0',
    '--http-addr',
    '127.0.0.1:0',
    '--monitoring-addr',
    '127.0.0.1:0',
    '--log-level',
    'warn',
    // The 2,000 simulated proxies share one process whose event loop stalls for seconds under
    // load; with istiod's default keepalive (a ping every 30 s, 10 s to answer) those stalls,
    // which real proxies in processes of their own do not have, dropped connections mid-run.
    '--keepalive-interval-ms',
    '300000',
  ]);
  const pid = istiod.pid!;
  let proxies: SimulatedProxy[] = [];
  try {
    for (let i = 0; i < 600 && (await httpGet(ports.debug, '/ready')).status !== 200; i++) await sleep(100);
    const clientCpu0 = process.cpuUsage();
    const t0 = performance.now();
    proxies = await connectAll(`127.0.0.1:${ports.xds}`);
    const syncMs = performance.now() - t0;
    const synced = memoryMb(pid);
    const initialBytes = proxies.reduce((total, proxy) => total + proxy.bytesReceived, 0);
    const byType = new Map<string, number>();
    for (const proxy of proxies)
      for (const [type, bytes] of proxy.bytesByType) byType.set(type, (byType.get(type) ?? 0) + bytes);
    const perType = [...byType].map(
      ([type, bytes]) => `${type.slice(type.lastIndexOf('.') + 1)} ${(bytes / proxies.length / 1e6).toFixed(2)} MB`,
    );
    log(
      `initial sync: ${proxies.length} proxies in ${(syncMs / 1000).toFixed(1)} s, ` +
        `${(initialBytes / proxies.length / 1e6).toFixed(2)} MB per proxy (${perType.join(', ')}); istiod RSS ${synced.rss.toFixed(0)} MB, heap used ${(await heapUsedMb(ports.monitoring)).toFixed(0)} MB`,
    );

    const target = 0;
    let revision: ServiceRevision = { routeMarker: 'rev-0' };
    const routeChanges: ChangeResult[] = [];
    const endpointChanges: ChangeResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const routeMarker = `rev-${round}-${Math.random().toString(36).slice(2, 8)}`;
      revision = { ...revision, routeMarker };
      routeChanges.push(
        await measureChange(proxies, pid, TypeUrl.RouteConfiguration, routeMarker, () =>
          writeService(dir, target, revision),
        ),
      );
      const movedEndpoint = `10.254.${round}.${Math.floor(Math.random() * 250) + 1}`;
      revision = { ...revision, movedEndpoint };
      endpointChanges.push(
        await measureChange(proxies, pid, TypeUrl.ClusterLoadAssignment, movedEndpoint, () =>
          writeService(dir, target, revision),
        ),
      );
    }
    const clientCpu = process.cpuUsage(clientCpu0);
    const route = summarize('VirtualService change (full push)', routeChanges);
    const endpoint = summarize('endpoint change (EDS push)', endpointChanges);
    const memory = memoryMb(pid);
    const deltaRatio = endpoint.delta_bytes_per_proxy / Math.max(1, endpoint.sotw_bytes_per_proxy);
    // istiod sends SotW proxies only the changed assignments too (the protocol allows it for EDS),
    // so the ratio above is near 1; against the whole EDS state, which a SotW server that resends
    // everything would send, the delta figure is this fraction.
    const edsStatePerProxy = (byType.get(TypeUrl.ClusterLoadAssignment) ?? 0) / proxies.length;
    const deltaToFullState = endpoint.delta_bytes_per_proxy / Math.max(1, edsStatePerProxy);
    log(
      `endpoint change, delta bytes per proxy: ${(deltaRatio * 100).toFixed(1)}% of what SotW proxies got, ` +
        `${(deltaToFullState * 100).toFixed(2)}% of the whole EDS state (${Math.round(edsStatePerProxy)} bytes)`,
    );
    const errors = proxies.filter((proxy) => proxy.error).length;
    const errorKinds = new Map<string, number>();
    for (const proxy of proxies) if (proxy.error) errorKinds.set(proxy.error, (errorKinds.get(proxy.error) ?? 0) + 1);
    for (const [message, count] of errorKinds) log(`stream error x${count}: ${message}`);
    log(
      `istiod RSS: ${memory.rss.toFixed(0)} MB now, ${memory.peak.toFixed(0)} MB peak; streams ended with an error: ${errors}`,
    );
    log(`simulated proxies' CPU (this process): ${((clientCpu.user + clientCpu.system) / 1e6).toFixed(1)} s`);
    const targets = {
      rss_under_1500_mb: memory.peak < 1500,
      vs_change_p99_under_5s: route.p99_ms < 5000 && route.unconverged === 0,
      endpoint_change_p99_under_1s: endpoint.p99_ms < 1000 && endpoint.unconverged === 0,
      delta_under_10pct_of_sotw: deltaRatio < 0.1,
    };
    log(
      `targets: ${Object.entries(targets)
        .map(([name, met]) => `${name} ${met ? 'met' : 'MISSED'}`)
        .join(', ')}`,
    );
    log(
      JSON.stringify({
        services: SERVICES,
        proxies: proxies.length,
        rounds: ROUNDS,
        initial_sync_s: +(syncMs / 1000).toFixed(1),
        initial_bytes_per_proxy: Math.round(initialBytes / proxies.length),
        vs_change: route,
        endpoint_change: endpoint,
        endpoint_delta_to_sotw_bytes: +deltaRatio.toFixed(4),
        endpoint_delta_to_full_eds_state: +deltaToFullState.toFixed(5),
        istiod_rss_mb: Math.round(memory.rss),
        istiod_peak_rss_mb: Math.round(memory.peak),
        stream_errors: errors,
        targets,
      }),
    );
  } finally {
    for (const proxy of proxies) proxy.close();
    await istiod.stop().catch(() => istiod.kill());
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
