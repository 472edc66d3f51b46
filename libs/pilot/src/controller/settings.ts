/**
 * The controller's settings and their flags. Istio configures the debounce through environment
 * variables (PILOT_DEBOUNCE_AFTER, PILOT_DEBOUNCE_MAX, PILOT_ENABLE_EDS_DEBOUNCE); here each is a
 * flag too. Precedence: flag, then environment, then Istio's default. Durations use Istio's syntax
 * (`100ms`, `10s`, `1m30s`).
 */
import { DEFAULT_DEBOUNCE_MAX_MS, DEFAULT_DEBOUNCE_QUIET_MS } from '@mesh/mesh-model';
import { parseDuration } from '@mesh/config-model';
import { FlagError, type FlagSpec } from '@mesh/platform';

/** A duration flag's value: milliseconds, printed as the user would write it. */
export interface DurationValue {
  readonly ms: number;
  toString(): string;
}

export function durationValue(ms: number): DurationValue {
  return { ms, toString: () => formatMs(ms) };
}

function formatMs(ms: number): string {
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function parseDurationOrThrow(where: string, text: string): DurationValue {
  const ms = parseDuration(text);
  if (ms === undefined) throw new FlagError(`${where}: "${text}" is not a duration (e.g. 100ms, 10s, 1m)`);
  return durationValue(ms);
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** A duration flag whose default comes from `envName` when that is set (and valid). */
export function durationFlag(
  name: string,
  defaultMs: number,
  description: string,
  envName: string,
  env: Environment,
): FlagSpec<DurationValue> {
  const fromEnv = env[envName];
  const defaultValue =
    fromEnv !== undefined && fromEnv !== '' ? parseDurationOrThrow(envName, fromEnv) : durationValue(defaultMs);
  return {
    name,
    description: `${description}; env ${envName}`,
    defaultValue,
    valueName: 'duration',
    parse: (text) => parseDurationOrThrow(`--${name}`, text),
  };
}

/** Istio's PILOT_ENABLE_EDS_DEBOUNCE (default true): endpoint-only changes wait for the debounce too. */
export function edsDebounceFromEnv(env: Environment): boolean {
  const text = env.PILOT_ENABLE_EDS_DEBOUNCE;
  if (text === undefined || text === '') return true;
  if (/^(1|t|true)$/i.test(text)) return true;
  if (/^(0|f|false)$/i.test(text)) return false;
  throw new FlagError(`PILOT_ENABLE_EDS_DEBOUNCE: "${text}" is not a boolean (true or false)`);
}

/** The debounce flags; their defaults read `env` (throws a FlagError for a malformed variable). */
export function debounceFlags(env: Environment = process.env) {
  return {
    debounceAfter: durationFlag(
      'debounce-after',
      DEFAULT_DEBOUNCE_QUIET_MS,
      'quiet time after a config change before pushing (changes meanwhile are merged)',
      'PILOT_DEBOUNCE_AFTER',
      env,
    ),
    debounceMax: durationFlag(
      'debounce-max',
      DEFAULT_DEBOUNCE_MAX_MS,
      'longest a stream of changes can hold a push back',
      'PILOT_DEBOUNCE_MAX',
      env,
    ),
  };
}

export interface DebounceSettings {
  readonly quietMs: number;
  readonly maxMs: number;
  readonly enableEdsDebounce: boolean;
}

/** Checks the debounce values against each other; throws a FlagError naming the flags. */
export function debounceSettings(
  values: { readonly debounceAfter: DurationValue; readonly debounceMax: DurationValue },
  env: Environment = process.env,
): DebounceSettings {
  const quietMs = values.debounceAfter.ms;
  const maxMs = values.debounceMax.ms;
  if (maxMs < quietMs) {
    throw new FlagError(
      `--debounce-max (${values.debounceMax}) must not be shorter than --debounce-after (${values.debounceAfter})`,
    );
  }
  return { quietMs, maxMs, enableEdsDebounce: edsDebounceFromEnv(env) };
}
