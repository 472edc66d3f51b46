/**
 * The command-line habits of kubectl and istioctl that @mesh/platform's flag parser does not have:
 * one-letter aliases (`-f`, `-o`, `-n`) and a flag given several times (`-f a.yaml -f dir/`).
 * Aliases are rewritten to the long flag; repeated flags are taken out before parseFlags sees the rest.
 */
import { FlagError } from '@mesh/platform';

/** Rewrites `-f x` / `-f=x` to `--filename x` / `--filename=x` for each alias in `aliases`. */
export function expandAliases(argv: readonly string[], aliases: Readonly<Record<string, string>>): string[] {
  return argv.map((arg) => {
    const match = /^-([A-Za-z])(=.*)?$/.exec(arg);
    if (!match || arg === '-h') return arg; // -h is --help, which parseFlags knows
    const long = aliases[match[1]];
    if (!long) throw new FlagError(`unknown flag ${arg.split('=')[0]}`);
    return `--${long}${match[2] ?? ''}`;
  });
}

/** Takes every `--name value` and `--name=value` out of argv: their values, and argv without them. */
export function takeRepeated(argv: readonly string[], name: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === `--${name}`) {
      if (i + 1 >= argv.length) throw new FlagError(`--${name} needs a value`);
      values.push(argv[++i]);
    } else if (arg.startsWith(`--${name}=`)) {
      values.push(arg.slice(name.length + 3));
    } else rest.push(arg);
  }
  return { values, rest };
}

export type OutputFormat = 'log' | 'json';

/** `-o`: `log` (the default, one line per finding) or `json`. */
export function outputFormat(value: string): OutputFormat {
  if (value === 'log' || value === 'json') return value;
  throw new FlagError(`--output: "${value}" is not a valid format (log, json)`);
}
