/**
 * A route's retry policy (Envoy's RetryPolicy). Unknown `retry_on` conditions, retry priorities,
 * host predicates other than `previous_hosts`, header-based conditions and rate-limited back-off
 * are rejected: each would make the proxy retry (or not) differently from what was asked.
 */
import type { RetryPolicy } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import type { XdsRetryCondition, XdsRetryPolicy } from '../model';
import { allowOnly, durationMs } from './common';
import { fail, field, index } from './decode-result';

const CONDITIONS: ReadonlySet<string> = new Set<XdsRetryCondition>([
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'envoy-ratelimited',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

const PREVIOUS_HOSTS_TYPE = 'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

/** Envoy's default back-off base interval. */
const DEFAULT_BACK_OFF_BASE_MS = 25;

export function retryPolicy(policy: RetryPolicy, path: string): XdsRetryPolicy {
  allowOnly(
    policy,
    [
      'retryOn',
      'numRetries',
      'perTryTimeout',
      'retriableStatusCodes',
      'retryBackOff',
      'retryHostPredicate',
      'hostSelectionRetryMaxAttempts',
    ],
    path,
  );
  const retryOn: XdsRetryCondition[] = [];
  for (const raw of (policy.retryOn ?? '').split(',')) {
    const condition = raw.trim();
    if (!condition) continue;
    if (!CONDITIONS.has(condition)) {
      fail(field(path, 'retry_on'), `condition "${condition}" is not supported by this proxy`);
    }
    if (!retryOn.includes(condition as XdsRetryCondition)) retryOn.push(condition as XdsRetryCondition);
  }
  const codes = policy.retriableStatusCodes ?? [];
  codes.forEach((code, i) => {
    if (code < 100 || code > 599)
      fail(index(field(path, 'retriable_status_codes'), i), `${code} is not an HTTP status`);
  });

  let backOffBaseMs = DEFAULT_BACK_OFF_BASE_MS;
  let backOffMaxMs: number | undefined;
  if (policy.retryBackOff) {
    const at = field(path, 'retry_back_off');
    allowOnly(policy.retryBackOff, ['baseInterval', 'maxInterval'], at);
    const base = durationMs(policy.retryBackOff.baseInterval, field(at, 'base_interval'));
    if (base === undefined) fail(field(at, 'base_interval'), 'is required');
    // Envoy rounds intervals under 1 ms up to 1 ms.
    backOffBaseMs = Math.max(1, base);
    const max = durationMs(policy.retryBackOff.maxInterval, field(at, 'max_interval'));
    if (max !== undefined) {
      if (max < backOffBaseMs) fail(field(at, 'max_interval'), 'must not be less than base_interval');
      backOffMaxMs = max;
    }
  }

  let avoidPreviousHosts = false;
  (policy.retryHostPredicate ?? []).forEach((predicate, i) => {
    const at = index(field(path, 'retry_host_predicate'), i);
    allowOnly(predicate, ['name', 'typedConfig'], at);
    const type = (predicate.typedConfig?.typeUrl ?? '').split('/').pop();
    if (type !== PREVIOUS_HOSTS_TYPE) {
      fail(at, `host predicate "${predicate.name ?? type ?? ''}" is not supported by this proxy (only previous_hosts)`);
    }
    avoidPreviousHosts = true;
  });

  const perTryTimeoutMs = durationMs(policy.perTryTimeout, field(path, 'per_try_timeout'));
  return {
    retryOn,
    // UInt32Value: Envoy retries once when unset.
    numRetries: policy.numRetries ?? 1,
    perTryTimeoutMs: perTryTimeoutMs || undefined,
    retriableStatusCodes: [...new Set(codes)],
    backOffBaseMs,
    backOffMaxMs: backOffMaxMs ?? backOffBaseMs * 10,
    avoidPreviousHosts,
    // Envoy: "if unspecified, this will default to retrying once".
    hostSelectionRetryMaxAttempts: policy.hostSelectionRetryMaxAttempts || 1,
  };
}
