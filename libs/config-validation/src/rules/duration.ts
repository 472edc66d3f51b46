/**
 * Durations as Istio's APIs accept them: Go's duration syntax ("1h2m3.5s", "100ms", "-1s"), a
 * sequence of decimal numbers each with a unit. Values are kept as exact nanoseconds (bigint) so
 * precision checks ("whole milliseconds") never suffer from floating point.
 */
import type { Field } from '../walker';

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

export const NANOS_PER_MS = 1_000_000n;
export const NANOS_PER_SECOND = 1_000_000_000n;

export type DurationParse = { ok: true; nanos: bigint } | { ok: false };

const TERM = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

export function parseDuration(text: string): DurationParse {
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, nanos: 0n };
  if (rest === '') return { ok: false };
  let total = 0n;
  while (rest !== '') {
    const match = TERM.exec(rest);
    if (!match) return { ok: false };
    const [whole, intDigits, fracDigits = '', unit] = match;
    if (intDigits === '' && fracDigits === '') return { ok: false };
    const scale = UNIT_NANOS[unit];
    total += BigInt(intDigits || '0') * scale;
    if (fracDigits !== '') {
      // fraction × scale, truncated to whole nanoseconds as Go does.
      total += (BigInt(fracDigits) * scale) / 10n ** BigInt(fracDigits.length);
    }
    rest = rest.slice(whole.length);
  }
  return { ok: true, nanos: negative ? -total : total };
}

export function formatNanos(nanos: bigint): string {
  if (nanos % NANOS_PER_SECOND === 0n) return `${nanos / NANOS_PER_SECOND}s`;
  if (nanos % NANOS_PER_MS === 0n) return `${nanos / NANOS_PER_MS}ms`;
  return `${nanos}ns`;
}

export interface DurationRules {
  /** Smallest accepted value; Istio's general rule is 1ms. `0n` accepts zero. */
  readonly min?: bigint;
  /** Required precision; Istio supports milliseconds, a few fields whole seconds. */
  readonly precision?: bigint;
}

/**
 * Reads a duration field and applies Istio's rules: valid syntax, not negative, at least `min`
 * (1ms by default), and a whole number of `precision` units (1ms by default).
 */
export function checkDuration(field: Field, rules: DurationRules = {}): bigint | undefined {
  const text = field.string();
  if (text === undefined) return undefined;
  const parsed = parseDuration(text);
  if (!parsed.ok) {
    field.error(`"${text}" is not a valid duration (write e.g. "100ms", "2.5s", "1h30m")`);
    return undefined;
  }
  const min = rules.min ?? NANOS_PER_MS;
  const precision = rules.precision ?? NANOS_PER_MS;
  if (parsed.nanos < 0n) {
    field.error(`duration must not be negative (got "${text}")`);
    return undefined;
  }
  if (parsed.nanos < min) {
    field.error(`duration must be at least ${formatNanos(min)} (got "${text}")`);
    return undefined;
  }
  if (parsed.nanos % precision !== 0n) {
    const unit = precision === NANOS_PER_SECOND ? 'seconds' : 'milliseconds';
    field.error(`duration must be a whole number of ${unit} (got "${text}")`);
    return undefined;
  }
  return parsed.nanos;
}
