/**
 * Plans the removal of capture from a table's current state (the text of `iptables-save -t nat`):
 * the jumps into our chains from the built-in chains, then our chains themselves. Only the chains
 * in CAPTURE_CHAINS and rules that jump into them are touched; anything else in the table (other
 * tools' rules, the user's own chains) stays. Pure.
 */
import { CAPTURE_CHAINS } from './iptables-rules';

export interface SavedTable {
  /** Chains declared in the dump (`:NAME POLICY [packets:bytes]`). */
  readonly chains: readonly string[];
  /** Rule lines as printed (`-A CHAIN ...`), in order. */
  readonly rules: readonly string[];
}

/** Reads the table `table` out of iptables-save output (which may hold several tables). */
export function parseSavedTable(saveOutput: string, table = 'nat'): SavedTable {
  const chains: string[] = [];
  const rules: string[] = [];
  let inTable = false;
  for (const raw of saveOutput.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) inTable = line.slice(1).trim() === table;
    else if (!inTable || line === '' || line.startsWith('#')) continue;
    else if (line === 'COMMIT') inTable = false;
    else if (line.startsWith(':')) chains.push(line.slice(1).split(/\s+/)[0]);
    else if (line.startsWith('-A ')) rules.push(line);
  }
  return { chains, rules };
}

/** Chains of ours present in the table. */
export function captureChainsIn(table: SavedTable): string[] {
  return CAPTURE_CHAINS.filter((chain) => table.chains.includes(chain));
}

/**
 * iptables-restore lines (for `--noflush`) that remove capture: delete each jump into our chains
 * from a chain that is not ours, flush our chains (they reference each other), then delete them.
 * Empty when the table holds no trace of capture.
 */
export function cleanupLines(table: SavedTable): string[] {
  const ours = new Set(CAPTURE_CHAINS);
  const jumps = table.rules.filter((rule) => {
    const [, chain] = rule.split(/\s+/, 2);
    const target = jumpTarget(rule);
    return !ours.has(chain) && target !== undefined && ours.has(target);
  });
  const present = captureChainsIn(table);
  return [
    ...jumps.map((rule) => `-D${rule.slice(2)}`),
    ...present.map((chain) => `-F ${chain}`),
    ...present.map((chain) => `-X ${chain}`),
  ];
}

/** The target of a rule: after its last -j/-g (matches, comments included, come before the target). */
function jumpTarget(rule: string): string | undefined {
  const tokens = rule.split(/\s+/);
  for (let i = tokens.length - 2; i >= 0; i--) {
    if (tokens[i] === '-j' || tokens[i] === '--jump' || tokens[i] === '-g' || tokens[i] === '--goto') {
      return tokens[i + 1];
    }
  }
  return undefined;
}
