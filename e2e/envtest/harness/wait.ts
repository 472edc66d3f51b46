/**
 * Bounded waiting: every wait in this suite polls with a deadline and, when it runs out, says what
 * it was waiting for and what it saw last, instead of hanging until Jest's own timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Default 15 s. */
  readonly timeoutMs?: number;
  /** Default 50 ms. */
  readonly intervalMs?: number;
}

/**
 * Calls `probe` until it returns something other than `undefined` (or `false`) and returns that.
 * A probe that throws counts as "not yet"; its last error is in the timeout message. `what` may be
 * a function, to describe the state at the moment of the timeout.
 */
export async function waitFor<T>(
  what: string | (() => string),
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = String(value);
    } catch (error) {
      last = errorText(error);
    }
    if (Date.now() >= deadline) {
      const description = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} (last: ${last})`);
    }
    await sleep(intervalMs);
  }
}

/** A readable one-liner for any thrown value, including client-node's ApiException (code + body). */
export function errorText(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { message, code, body } = error as { message?: unknown; code?: unknown; body?: unknown };
  const parts = [typeof message === 'string' ? message.split('\n')[0] : String(error)];
  if (typeof code === 'number') parts.push(`HTTP ${code}`);
  if (typeof body === 'string' && body !== '') parts.push(body.slice(0, 500));
  return parts.join(' | ');
}

/** `promise`, or a rejection saying what did not happen within `timeoutMs`. */
export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
