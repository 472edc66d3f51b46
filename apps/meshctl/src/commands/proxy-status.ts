/**
 * `meshctl proxy-status [<proxy>] [--istiod-debug URL] [-o json]`: for every proxy connected to
 * istiod, whether each xDS type is in sync, from /debug/syncz (as `istioctl proxy-status`):
 *
 *   NAME                        CDS       LDS       EDS       RDS
 *   productpage-v1-abc.default  SYNCED    SYNCED    SYNCED    STALE
 *
 * SYNCED: the proxy acknowledged the last response; STALE: a response is not acknowledged yet;
 * NACK: the proxy rejected the last response (the detail goes to stderr); NOT SENT: nothing of the
 * type was sent (not subscribed, or no generator). `<proxy>` is a node ID or `pod.namespace`.
 */
import { FlagError, formatFlagHelp, parseFlags, stringFlag, type FlagSpecs } from '@mesh/platform';
import { expandAliases } from './arguments';
import type { Command } from './command';
import {
  debugBaseUrl,
  getDebugJson,
  istiodDebugFlag,
  isRecord,
  proxyName,
  type SyncStatus,
  type SyncTypeStatus,
} from './istiod-debug';
import { formatTable } from './table';

const flags = {
  istiodDebug: istiodDebugFlag,
  output: stringFlag('output', 'table', 'output format: table or json (the /debug/syncz entries); -o'),
} satisfies FlagSpecs;

const USAGE = 'Usage: meshctl proxy-status [<proxy>] [--istiod-debug URL] [-o json]';

export type XdsSyncState = 'SYNCED' | 'STALE' | 'NACK' | 'NOT SENT';

/** The columns, in istioctl's order. */
const COLUMNS: ReadonlyArray<{ readonly title: string; readonly type: string; readonly prefix: string }> = [
  { title: 'CDS', type: 'cds', prefix: 'cluster' },
  { title: 'LDS', type: 'lds', prefix: 'listener' },
  { title: 'EDS', type: 'eds', prefix: 'endpoint' },
  { title: 'RDS', type: 'rds', prefix: 'route' },
];

export const proxyStatusCommand: Command = {
  name: 'proxy-status',
  summary: 'show whether each connected proxy is in sync with istiod (CDS, LDS, EDS, RDS)',
  async run(argv) {
    const parsed = parseFlags(flags, expandAliases(argv, { o: 'output' }));
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n\n${formatFlagHelp(flags)}\n`);
      return 0;
    }
    if (parsed.positional.length > 1) throw new FlagError(`unexpected argument "${parsed.positional[1]}"`);
    const format = parsed.flags.output;
    if (format !== 'table' && format !== 'json') throw new FlagError(`--output: "${format}" is not table or json`);
    const base = debugBaseUrl(parsed.flags.istiodDebug);
    const wanted = parsed.positional[0];

    const statuses = readSyncz(await getDebugJson(base, '/debug/syncz'))
      .filter((s) => wanted === undefined || s.proxy === wanted || proxyName(s.proxy) === wanted)
      .sort((a, b) => proxyName(a.proxy).localeCompare(proxyName(b.proxy)) || a.proxy.localeCompare(b.proxy));
    if (wanted !== undefined && statuses.length === 0) {
      process.stderr.write(`meshctl: no proxy "${wanted}" is connected to ${base.origin}\n`);
      return 1;
    }
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
      return 0;
    }
    const rows = statuses.map((status) => [
      proxyName(status.proxy),
      ...COLUMNS.map((column) => syncState(status, column.type, column.prefix)),
    ]);
    process.stdout.write(formatTable(['NAME', ...COLUMNS.map((c) => c.title)], rows));
    for (const status of statuses) {
      for (const type of status.types ?? []) {
        if (type.nack && type.nack.nonce === type.sent_nonce) {
          process.stderr.write(`${proxyName(status.proxy)} ${type.type.toUpperCase()} NACK: ${type.nack.message}\n`);
        }
      }
    }
    return 0;
  },
};

function readSyncz(body: unknown): SyncStatus[] {
  if (!Array.isArray(body)) throw new Error('/debug/syncz did not answer a JSON list');
  return body.filter((entry): entry is SyncStatus => isRecord(entry) && typeof entry.proxy === 'string');
}

/**
 * One cell: from the detailed `types` entry when istiod gives one, else from Istio's flat
 * `<prefix>_sent` / `<prefix>_acked` nonces.
 */
export function syncState(status: SyncStatus, type: string, prefix: string): XdsSyncState {
  const detail: SyncTypeStatus | undefined = status.types?.find((t) => t.type === type);
  const sent = detail?.sent_nonce ?? stringField(status, `${prefix}_sent`);
  const acked = detail?.acked_nonce ?? stringField(status, `${prefix}_acked`);
  if (!sent) return 'NOT SENT';
  if (detail?.nack && detail.nack.nonce === sent) return 'NACK';
  return sent === acked ? 'SYNCED' : 'STALE';
}

function stringField(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === 'string' ? value : '';
}
