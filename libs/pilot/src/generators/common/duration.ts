/**
 * Istio's duration strings ("1.5s", "250ms", "1h30m") as protobuf Durations. Validation has
 * already rejected malformed durations before config reaches a generator, so a string that does
 * not parse here is a bug upstream: it is reported with the field that held it, not guessed at.
 */
import { parseDuration } from '@mesh/config-model';
import type { Duration } from '@mesh/xds';

/** A zero Duration: Envoy's "disabled" for timeouts. */
export const ZERO_DURATION: Duration = Object.freeze({ seconds: 0, nanos: 0 });

export class InvalidDurationError extends Error {
  constructor(
    readonly text: string,
    readonly where: string,
  ) {
    super(`${where}: "${text}" is not a duration`);
    this.name = 'InvalidDurationError';
  }
}

/** Milliseconds as a Duration, nanosecond exact for whole milliseconds. */
export function durationFromMillis(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? { seconds: seconds + 1, nanos: nanos - 1e9 } : { seconds, nanos };
}

/** An Istio duration string as a Duration; `where` names the field for the error. */
export function durationFromIstio(text: string, where: string): Duration {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidDurationError(text, where);
  return durationFromMillis(ms);
}

/** The duration in whole seconds, as Istio writes a CORS max-age ("86400"). */
export function durationSeconds(text: string, where: string): number {
  return durationFromIstio(text, where).seconds ?? 0;
}
