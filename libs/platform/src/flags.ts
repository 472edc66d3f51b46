/**
 * Command-line flags, declared once with their documentation (an Istio habit: settings are
 * registered where they are declared, and `--help` is generated from the declarations).
 *
 *   const spec = { port: intFlag('port', 15010, 'gRPC xDS port') } ...
 *   const flags = parseFlags(spec, process.argv.slice(2));
 */

export interface FlagSpec<T> {
  readonly name: string;
  readonly description: string;
  readonly defaultValue: T;
  readonly valueName?: string;
  /** Turns the text after `--name` (or `--name=`) into a value; undefined for boolean flags. */
  readonly parse?: (text: string) => T;
}

export type FlagSpecs = Record<string, FlagSpec<unknown>>;
export type FlagValues<S extends FlagSpecs> = { [K in keyof S]: S[K] extends FlagSpec<infer T> ? T : never };

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export function stringFlag(name: string, defaultValue: string, description: string): FlagSpec<string> {
  return { name, defaultValue, description, valueName: 'string', parse: (text) => text };
}

export function optionalStringFlag(name: string, description: string): FlagSpec<string | undefined> {
  return { name, defaultValue: undefined, description, valueName: 'string', parse: (text) => text };
}

export function intFlag(name: string, defaultValue: number, description: string): FlagSpec<number> {
  return {
    name,
    defaultValue,
    description,
    valueName: 'int',
    parse: (text) => {
      if (!/^-?\d+$/.test(text)) throw new FlagError(`--${name}: "${text}" is not an integer`);
      return Number(text);
    },
  };
}

export function boolFlag(name: string, description: string): FlagSpec<boolean> {
  return { name, defaultValue: false, description };
}

export interface ParsedArgs<S extends FlagSpecs> {
  flags: FlagValues<S>;
  /** Arguments that are not flags, in order (e.g. a subcommand and its operands). */
  positional: string[];
  help: boolean;
}

/** Parses `--name value`, `--name=value` and boolean `--name`; `--` ends flag parsing. */
export function parseFlags<S extends FlagSpecs>(specs: S, argv: readonly string[]): ParsedArgs<S> {
  const byName = new Map<string, [keyof S, FlagSpec<unknown>]>();
  for (const key of Object.keys(specs) as Array<keyof S>) byName.set(specs[key].name, [key, specs[key]]);

  const values: Record<keyof S, unknown> = {} as Record<keyof S, unknown>;
  for (const key of Object.keys(specs) as Array<keyof S>) values[key] = specs[key].defaultValue;
  const positional: string[] = [];
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const entry = byName.get(name);
    if (!entry) throw new FlagError(`unknown flag --${name}`);
    const [key, spec] = entry;
    if (!spec.parse) {
      if (eq !== -1) throw new FlagError(`--${name} takes no value`);
      values[key] = true;
      continue;
    }
    let text: string | undefined;
    if (eq !== -1) text = arg.slice(eq + 1);
    else if (i + 1 < argv.length) text = argv[++i];
    if (text === undefined) throw new FlagError(`--${name} needs a value`);
    values[key] = spec.parse(text);
  }
  return { flags: values as FlagValues<S>, positional, help };
}

/** The flag section of a --help text, one flag a line, defaults shown. */
export function formatFlagHelp(specs: FlagSpecs): string {
  const rows = Object.values(specs).map((spec) => {
    const left = `  --${spec.name}${spec.valueName ? ` <${spec.valueName}>` : ''}`;
    const shown =
      spec.defaultValue === undefined || spec.defaultValue === false ? '' : ` (default ${String(spec.defaultValue)})`;
    return [left, `${spec.description}${shown}`] as const;
  });
  rows.push(['  --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => left.padEnd(width) + right).join('\n');
}
