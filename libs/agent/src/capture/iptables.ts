/**
 * Applies and removes traffic capture with iptables-restore / ip6tables-restore, optionally inside
 * another network namespace. Each family's change is one iptables-restore transaction on the nat
 * table: stale capture from an earlier run (an init container that ran before) is removed and the
 * new rules are added atomically, so the workload never sees a half-configured table.
 */
import { spawn } from 'node:child_process';
import { type CaptureConfig } from './capture-config';
import { type SavedTable, captureChainsIn, cleanupLines, parseSavedTable } from './iptables-cleanup';
import { CAPTURE_TABLE, generateCaptureRules, restoreScript } from './iptables-rules';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program with optional stdin; resolves with its exit code, rejects only if it cannot start. */
export type CommandRunner = (file: string, args: readonly string[], input?: string) => Promise<CommandResult>;

export interface IptablesOptions {
  /** A network namespace name (`ip netns` name, under /run/netns) or path (/proc/<pid>/ns/net). */
  readonly networkNamespace?: string;
  readonly runner?: CommandRunner;
  /** Progress lines (what was applied, what was removed). */
  readonly log?: (line: string) => void;
}

export type IpFamily = 4 | 6;

export class IptablesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IptablesError';
  }
}

/** The real runner: child_process.spawn, output collected, a missing program reported by name. */
export const spawnCommand: CommandRunner = (file, args, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new IptablesError(`${file} not found on PATH: install iptables (Debian: apt-get install iptables)`)
          : error,
      );
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => undefined); // the program may exit before reading stdin; 'close' reports it
    child.stdin.end(input ?? '');
  });

function tool(family: IpFamily, kind: 'save' | 'restore'): string {
  return `${family === 4 ? 'iptables' : 'ip6tables'}-${kind}`;
}

/** The command line, entering the network namespace with nsenter when one is given. */
function commandLine(options: IptablesOptions, file: string, args: readonly string[]): [string, string[]] {
  const ns = options.networkNamespace;
  if (ns === undefined || ns === '') return [file, [...args]];
  const path = ns.includes('/') ? ns : `/run/netns/${ns}`;
  return ['nsenter', [`--net=${path}`, '--', file, ...args]];
}

async function run(options: IptablesOptions, file: string, args: readonly string[], input?: string) {
  const [command, commandArgs] = commandLine(options, file, args);
  return (options.runner ?? spawnCommand)(command, commandArgs, input);
}

/** The nat table of one family as iptables-save prints it. */
export async function readCaptureTable(family: IpFamily, options: IptablesOptions = {}): Promise<SavedTable> {
  const file = tool(family, 'save');
  const result = await run(options, file, ['-t', CAPTURE_TABLE]);
  if (result.code !== 0) {
    throw new IptablesError(`${file} -t ${CAPTURE_TABLE} failed (exit ${result.code}): ${result.stderr.trim()}`);
  }
  return parseSavedTable(result.stdout, CAPTURE_TABLE);
}

async function restore(family: IpFamily, script: string, options: IptablesOptions): Promise<void> {
  const file = tool(family, 'restore');
  const result = await run(options, file, ['--noflush', '--wait'], script);
  if (result.code !== 0) {
    // iptables-restore names the failing line ("line 7 failed"): show the script with numbers.
    const numbered = script
      .split('\n')
      .map((line, i) => `${String(i + 1).padStart(3)}  ${line}`)
      .join('\n');
    throw new IptablesError(`${file} failed (exit ${result.code}): ${result.stderr.trim()}\n${numbered}`);
  }
}

export interface AppliedCapture {
  /** The iptables-restore input applied, per family. */
  readonly scripts: { readonly family: IpFamily; readonly script: string }[];
}

/** Sets up capture for each family the config asks for, replacing any earlier capture. */
export async function applyCapture(config: CaptureConfig, options: IptablesOptions = {}): Promise<AppliedCapture> {
  const rules = generateCaptureRules(config);
  const perFamily: [IpFamily, readonly string[]][] = [[4, rules.ipv4]];
  if (rules.ipv6) perFamily.push([6, rules.ipv6]);
  const scripts: AppliedCapture['scripts'] = [];
  for (const [family, lines] of perFamily) {
    const current = await readCaptureTable(family, options);
    const stale = cleanupLines(current);
    if (stale.length > 0) {
      options.log?.(`${tool(family, 'restore')}: replacing existing capture (${captureChainsIn(current).join(', ')})`);
    }
    const script = restoreScript([...stale, ...lines]);
    await restore(family, script, options);
    options.log?.(`${tool(family, 'restore')}: applied\n${restoreScript(lines)}`);
    scripts.push({ family, script });
  }
  return { scripts };
}

export interface RemovedCapture {
  readonly family: IpFamily;
  /** The restore lines run; empty when there was nothing to remove. */
  readonly lines: readonly string[];
}

/**
 * Removes capture from both families: the jumps into our chains and the chains, nothing else.
 * IPv6 is skipped (and said so) when ip6tables is not usable here.
 */
export async function cleanupCapture(options: IptablesOptions = {}): Promise<RemovedCapture[]> {
  const removed: RemovedCapture[] = [];
  for (const family of [4, 6] as const) {
    let current: SavedTable;
    try {
      current = await readCaptureTable(family, options);
    } catch (error) {
      if (family === 6) {
        options.log?.(`ip6tables: skipped (${(error as Error).message})`);
        continue;
      }
      throw error;
    }
    const lines = cleanupLines(current);
    if (lines.length > 0) await restore(family, restoreScript(lines), options);
    options.log?.(
      lines.length > 0
        ? `${tool(family, 'restore')}: removed\n${lines.join('\n')}`
        : `${tool(family, 'save')}: no capture rules`,
    );
    removed.push({ family, lines });
  }
  return removed;
}
