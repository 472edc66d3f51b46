/**
 * Proxyless gRPC against the real pilot bundle: a client nobody here wrote (@grpc/grpc-js-xds, in
 * its own process) resolves `xds:///echo.mesh.test:50051` through pilot's plaintext ADS port, for
 * a service that exists only as a ServiceEntry in pilot's --config-dir, and its calls follow the
 * VirtualService: the 80/20 weighted split, the header match, and a live edit of the directory
 * re-routing the same channel within 1 s. Pilot's /debug/syncz must show the client in sync.
 *
 * Every process is real (pilot, three grpc-js echo backends, the client); nothing is faked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEchoBackend, type EchoBackend } from './harness/echo-backends';
import {
  destinationRuleYaml,
  ECHO_HOST,
  ECHO_PORT,
  replaceFile,
  serviceEntryYaml,
  virtualServiceYaml,
} from './harness/mesh-config';
import { PilotProcess } from './harness/pilot-process';
import { pollUntil } from './harness/wait';
import { XdsClientProcess, type PollResult } from './harness/xds-client-process';

const TARGET = `${ECHO_HOST}:${ECHO_PORT}`;
const NODE_ID = 'sidecar~127.0.0.1~client-1.default~default.svc.cluster.local';
const VERSIONS = ['v1', 'v2', 'v3'];
const clusterOf = (subset: string) => `outbound|${ECHO_PORT}|${subset}|${ECHO_HOST}`;

/** The part of pilot's /debug/syncz this suite reads. */
interface SyncStatus {
  proxy: string;
  proxy_type: string;
  protocol: string;
  types: {
    type: string;
    resource_names: string[];
    sent_version: string;
    sent_nonce: string;
    acked_version: string;
    acked_nonce: string;
    nack?: { message: string };
  }[];
}

/** What one live re-route took, read from the client's own call log. */
interface Reroute {
  /** From the file write to the end of the first call the new route answered. */
  firstNewMs: number;
  /** Calls made after the write and before the first new answer (all answered by the old route). */
  oldAnswersAfterWrite: number;
  /** Anything but the new version after the first new answer (must stay empty). */
  strayAfterSwitch: string[];
  /** The first few failed calls (there must be none). */
  errors: string[];
  stable: boolean;
  calls: number;
}

function rerouteOf(result: PollResult, writtenAt: number, newVersion: string): Reroute {
  const afterWrite = result.samples.filter((sample) => sample.startedAt >= writtenAt);
  const first = afterWrite.findIndex((sample) => sample.answer === newVersion);
  return {
    firstNewMs: first < 0 ? Number.POSITIVE_INFINITY : afterWrite[first].endedAt - writtenAt,
    oldAnswersAfterWrite: first < 0 ? afterWrite.length : first,
    strayAfterSwitch:
      first < 0 ? [] : afterWrite.slice(first).flatMap((s) => (s.answer === newVersion ? [] : [s.answer])),
    errors: result.samples.flatMap((sample) => (sample.answer.startsWith('error:') ? [sample.answer] : [])).slice(0, 5),
    stable: result.stable,
    calls: result.samples.length,
  };
}

describe('proxyless gRPC: @grpc/grpc-js-xds follows pilot --config-dir', () => {
  let configDir: string;
  let backends: EchoBackend[] = [];
  let pilot: PilotProcess | undefined;
  let client: XdsClientProcess | undefined;

  beforeAll(async () => {
    backends = await Promise.all(VERSIONS.map((version) => startEchoBackend(version)));
    configDir = mkdtempSync(join(tmpdir(), 'mesh-e2e-proxyless-'));
    // The backends' ports are only known now, so the ServiceEntry is written after they listen.
    writeFileSync(join(configDir, 'service-entry.yaml'), serviceEntryYaml(backends));
    writeFileSync(join(configDir, 'destination-rule.yaml'), destinationRuleYaml(VERSIONS));
    writeFileSync(join(configDir, 'virtual-service.yaml'), virtualServiceYaml({ v1: 80, v2: 20 }, 'v2'));

    pilot = await PilotProcess.start(configDir);
    const ready = await pollUntil(
      () => fetch(`http://127.0.0.1:${pilot!.ports.debug}/ready`).then((r) => r.status),
      (status) => status === 200,
      { timeoutMs: 10_000 },
    );
    if (ready !== 200) throw new Error(`pilot never became ready:\n${pilot.stderr}`);

    client = await XdsClientProcess.start(TARGET, {
      xds_servers: [
        {
          server_uri: `127.0.0.1:${pilot.ports.xds}`,
          channel_creds: [{ type: 'insecure' }],
          server_features: ['xds_v3'],
        },
      ],
      // grpc-js-xds refuses a bootstrap whose node has no `locality` (its error surfaces only as
      // "Cannot read properties of null" on every call), so an empty one is given.
      node: { id: NODE_ID, metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' }, locality: {} },
    });
  });

  afterAll(async () => {
    // Each step on its own, so one failing does not leave the others' processes running.
    await client?.stop().catch(() => client?.kill());
    await pilot?.stop().catch(() => pilot?.kill());
    for (const backend of backends) backend.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('splits 1,000 calls 80/20 between v1 and v2 (each within ±5 points) and none to the unrouted v3', async () => {
    const result = await client!.calls(1_000);
    const answered = Object.values(result.counts).reduce((sum, n) => sum + n, 0);
    const share = (version: string) => (100 * (result.counts[version] ?? 0)) / answered;
    console.log(
      `80/20 split over ${answered} calls: v1 ${share('v1').toFixed(1)} %, v2 ${share('v2').toFixed(1)} %` +
        ` (${JSON.stringify(result.counts)}, errors ${result.errorCount})`,
    );

    expect({ errorCount: result.errorCount, errors: result.errors }).toEqual({ errorCount: 0, errors: [] });
    expect(answered).toBe(1_000);
    expect(Object.keys(result.counts).sort()).toEqual(['v1', 'v2']);
    expect(Math.abs(share('v1') - 80)).toBeLessThanOrEqual(5);
    expect(Math.abs(share('v2') - 20)).toBeLessThanOrEqual(5);
  });

  it('sends every call carrying x-route: canary to v2', async () => {
    const result = await client!.calls(200, { 'x-route': 'canary' });
    expect(result).toEqual({ counts: { v2: 200 }, errorCount: 0, errors: [] });
    // A header value other than the match falls through to the split.
    const other = await client!.calls(200, { 'x-route': 'stable' });
    expect(other.errorCount).toBe(0);
    expect(other.counts.v1).toBeGreaterThan(100);
  });

  it.each<{ to: string; weights: Record<string, number>; why: string }>([
    { to: 'v3', weights: { v3: 100 }, why: 'a subset the client has no cluster for yet' },
    { to: 'v1', weights: { v1: 100 }, why: 'back from v3 to v1' },
  ])('re-routes the live client to $to within 1 s of editing the VirtualService ($why)', async ({ to, weights }) => {
    let writtenAt = 0;
    const result = await client!.poll({ intervalMs: 20, until: to, stableCalls: 25, timeoutMs: 5_000 }, () => {
      writtenAt = Date.now();
      replaceFile(configDir, 'virtual-service.yaml', virtualServiceYaml(weights, 'v2'));
    });
    const reroute = rerouteOf(result, writtenAt, to);
    console.log(
      `re-route to ${to}: first call answered by the new route ${reroute.firstNewMs} ms after the file write` +
        ` (${reroute.oldAnswersAfterWrite} calls after the write still on the old route; ${reroute.calls} calls polled every 20 ms)`,
    );

    expect(reroute.errors).toEqual([]);
    expect(reroute.stable).toBe(true);
    expect(reroute.strayAfterSwitch).toEqual([]);
    expect(reroute.firstNewMs).toBeLessThan(1_000);
    // The header route was left as it was.
    expect(await client!.calls(20, { 'x-route': 'canary' })).toEqual({ counts: { v2: 20 }, errorCount: 0, errors: [] });
  });

  it("lists the client in pilot's /debug/syncz with every type it watches acknowledged and no NACK", async () => {
    const inSync = (status: SyncStatus | undefined) =>
      status !== undefined &&
      ['lds', 'rds', 'cds', 'eds'].every((type) => status.types.some((t) => t.type === type)) &&
      status.types.every((t) => t.sent_nonce !== '' && t.acked_nonce === t.sent_nonce);
    const status = await pollUntil(
      async () => (await pilot!.debugJson<SyncStatus[]>('/debug/syncz')).find((s) => s.proxy === NODE_ID),
      inSync,
    );

    expect(status).toBeDefined();
    expect({ proxy_type: status!.proxy_type, protocol: status!.protocol }).toEqual({
      proxy_type: 'sidecar',
      protocol: 'sotw',
    });
    const byType = Object.fromEntries(status!.types.map((t) => [t.type, t]));
    expect(Object.keys(byType).sort()).toEqual(['cds', 'eds', 'lds', 'rds']);
    for (const t of status!.types) {
      expect({ type: t.type, acked: t.acked_version, nonce: t.acked_nonce, nack: t.nack }).toEqual({
        type: t.type,
        acked: t.sent_version,
        nonce: t.sent_nonce,
        nack: undefined,
      });
    }
    // grpc-js-xds asks by name: the listener and route of its target, the clusters the current
    // routes name (split → v1, canary → v2) and their endpoints.
    expect(byType.lds.resource_names).toEqual([TARGET]);
    expect(byType.rds.resource_names).toEqual([TARGET]);
    expect([...byType.cds.resource_names].sort()).toEqual([clusterOf('v1'), clusterOf('v2')]);
    expect([...byType.eds.resource_names].sort()).toEqual([clusterOf('v1'), clusterOf('v2')]);

    // syncz keeps only a NACK not yet followed by an ACK; the counter keeps every one.
    const metrics = await fetch(`http://127.0.0.1:${pilot!.ports.monitoring}/metrics`).then((r) => r.text());
    expect(metrics).toContain('# TYPE pilot_total_xds_rejects counter');
    const rejects = metrics
      .split('\n')
      .filter((line) => line.startsWith('pilot_total_xds_rejects'))
      .map((line) => Number(line.split(' ').at(-1)));
    expect(rejects.filter((n) => n !== 0)).toEqual([]);
  });
});
