/**
 * VirtualService retries as an Envoy retry policy, with Istio's default when a route sets none:
 * 2 retries on `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`
 * with 503 retriable, and up to 5 host selection attempts.
 *
 * `attempts: 0` (or retries set without attempts) disables retries. Numbers in `retryOn` are
 * HTTP status codes: they become `retriable_status_codes` (and `retriable-status-codes` is added
 * to the conditions when missing).
 *
 * Not carried over: Istio's retry host predicate (previous_hosts) and retry priority
 * (previous_priorities) for `retryRemoteLocalities`, whose extension types are not among the
 * generated xDS types; retries may land on the host that just failed.
 */
import type { HTTPRetry } from '@mesh/config-model';
import type { RetryPolicy } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { durationFromIstio } from '../common/duration';

export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
export const DEFAULT_RETRY_ATTEMPTS = 2;

export function defaultRetryPolicy(): RetryPolicy {
  return {
    retryOn: DEFAULT_RETRY_ON,
    numRetries: DEFAULT_RETRY_ATTEMPTS,
    hostSelectionRetryMaxAttempts: 5,
    retriableStatusCodes: [503],
  };
}

/** HTTP status codes: 100–599. */
function isStatusCode(text: string): boolean {
  if (!/^\d{3}$/.test(text)) return false;
  const code = Number(text);
  return code >= 100 && code <= 599;
}

function parseRetryOn(retryOn: string): { conditions: string; codes: number[] } {
  const conditions: string[] = [];
  const codes: number[] = [];
  for (const part of retryOn.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    if (isStatusCode(trimmed)) codes.push(Number(trimmed));
    else conditions.push(trimmed);
  }
  return { conditions: conditions.join(','), codes };
}

/** The retry policy of a route; undefined when retries are disabled. */
export function translateRetries(retries: HTTPRetry | undefined, where: string): RetryPolicy | undefined {
  const out = defaultRetryPolicy();
  if (!retries) return out;
  if (!retries.attempts || retries.attempts <= 0) return undefined;
  out.numRetries = retries.attempts;
  if (retries.retryOn) {
    const { conditions, codes } = parseRetryOn(retries.retryOn);
    out.retryOn = conditions;
    out.retriableStatusCodes = codes;
    if (codes.length > 0 && !conditions.includes('retriable-status-codes')) {
      out.retryOn = conditions ? `${conditions},retriable-status-codes` : 'retriable-status-codes';
    }
    if (codes.length === 0) delete out.retriableStatusCodes;
  }
  if (retries.perTryTimeout) out.perTryTimeout = durationFromIstio(retries.perTryTimeout, `${where}.perTryTimeout`);
  if (retries.backoff) out.retryBackOff = { baseInterval: durationFromIstio(retries.backoff, `${where}.backoff`) };
  return out;
}
