/**
 * A cluster's circuit breakers and outlier detection.
 *
 * Circuit breakers: the thresholds of the DEFAULT routing priority are enforced. HIGH-priority
 * thresholds are accepted and unused: only a route's `priority` selects them, and the route
 * decoder does not accept that field, so every request runs at the default priority. Retry
 * budgets and per-host thresholds are rejected. `track_remaining` only adds gauges.
 *
 * Outlier detection: the consecutive 5xx and consecutive gateway failure detectors. Success-rate
 * and failure-percentage ejection are not implemented, so a cluster that would enforce them is
 * rejected (Istio writes `enforcing_success_rate: 0`); the tuning of those detectors is accepted
 * while they are not enforced, since it then changes nothing.
 */
import { RoutingPriority } from '@mesh/xds/generated/envoy/config/core/v3/base';
import type { CircuitBreakers } from '@mesh/xds/generated/envoy/config/cluster/v3/circuit_breaker';
import type { OutlierDetection } from '@mesh/xds/generated/envoy/config/cluster/v3/outlier_detection';
import type { XdsCircuitBreakers, XdsOutlierDetection } from '../model';
import { allowOnly, durationMs } from './common';
import { fail, field, index } from './decode-result';

/** Envoy's defaults when a cluster sets no thresholds. */
export const DEFAULT_CIRCUIT_BREAKERS: XdsCircuitBreakers = {
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
};

export function circuitBreakers(breakers: CircuitBreakers | undefined, path: string): XdsCircuitBreakers {
  if (!breakers) return DEFAULT_CIRCUIT_BREAKERS;
  allowOnly(breakers, ['thresholds'], path);
  let result = DEFAULT_CIRCUIT_BREAKERS;
  let seenDefault = false;
  (breakers.thresholds ?? []).forEach((t, i) => {
    const at = index(field(path, 'thresholds'), i);
    allowOnly(
      t,
      ['priority', 'maxConnections', 'maxPendingRequests', 'maxRequests', 'maxRetries', 'trackRemaining'],
      at,
    );
    const priority = t.priority ?? RoutingPriority.DEFAULT;
    if (priority !== RoutingPriority.DEFAULT && priority !== RoutingPriority.HIGH) {
      fail(field(at, 'priority'), `unknown priority ${priority}`);
    }
    if (priority !== RoutingPriority.DEFAULT) return; // see the header: never selected
    if (seenDefault) fail(at, 'a second set of thresholds for the DEFAULT priority');
    seenDefault = true;
    // UInt32Values: an unset one keeps Envoy's default.
    result = {
      maxConnections: t.maxConnections ?? DEFAULT_CIRCUIT_BREAKERS.maxConnections,
      maxPendingRequests: t.maxPendingRequests ?? DEFAULT_CIRCUIT_BREAKERS.maxPendingRequests,
      maxRequests: t.maxRequests ?? DEFAULT_CIRCUIT_BREAKERS.maxRequests,
      maxRetries: t.maxRetries ?? DEFAULT_CIRCUIT_BREAKERS.maxRetries,
    };
  });
  return result;
}

/** Envoy's defaults. */
const DEFAULTS = {
  consecutive: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 10,
};

export function outlierDetection(outlier: OutlierDetection | undefined, path: string): XdsOutlierDetection | undefined {
  if (!outlier) return undefined;
  allowOnly(
    outlier,
    [
      'consecutive5xx',
      'enforcingConsecutive5xx',
      'consecutiveGatewayFailure',
      'enforcingConsecutiveGatewayFailure',
      'interval',
      'baseEjectionTime',
      'maxEjectionTime',
      'maxEjectionPercent',
      // Success-rate and failure-percentage tuning: inert while those detectors are not enforced (checked below).
      'enforcingSuccessRate',
      'successRateMinimumHosts',
      'successRateRequestVolume',
      'successRateStdevFactor',
      'enforcingFailurePercentage',
      'failurePercentageThreshold',
      'failurePercentageMinimumHosts',
      'failurePercentageRequestVolume',
      // Only read with split_external_local_origin_errors, which is rejected.
      'enforcingLocalOriginSuccessRate',
      'enforcingFailurePercentageLocalOrigin',
    ],
    path,
  );
  // Envoy enforces success-rate ejection 100% of the time unless told otherwise.
  if ((outlier.enforcingSuccessRate ?? 100) !== 0) {
    fail(field(path, 'enforcing_success_rate'), 'success-rate ejection is not supported by this proxy (set it to 0)');
  }
  if ((outlier.enforcingFailurePercentage ?? 0) !== 0) {
    fail(field(path, 'enforcing_failure_percentage'), 'failure-percentage ejection is not supported by this proxy');
  }
  const percent = (value: number | undefined, name: string, fallback: number): number => {
    const v = value ?? fallback;
    if (v > 100) fail(field(path, name), `${v} is more than 100 percent`);
    return v;
  };
  const baseEjectionTimeMs = durationMs(outlier.baseEjectionTime, field(path, 'base_ejection_time'));
  const base = baseEjectionTimeMs ?? DEFAULTS.baseEjectionTimeMs;
  const intervalMs = durationMs(outlier.interval, field(path, 'interval')) ?? DEFAULTS.intervalMs;
  if (intervalMs === 0) fail(field(path, 'interval'), 'must be greater than zero');
  return {
    consecutive5xx: outlier.consecutive5xx ?? DEFAULTS.consecutive,
    enforcingConsecutive5xx: percent(outlier.enforcingConsecutive5xx, 'enforcing_consecutive_5xx', 100),
    consecutiveGatewayFailure: outlier.consecutiveGatewayFailure ?? DEFAULTS.consecutive,
    // Envoy's default: detected, never enforced.
    enforcingConsecutiveGatewayFailure: percent(
      outlier.enforcingConsecutiveGatewayFailure,
      'enforcing_consecutive_gateway_failure',
      0,
    ),
    intervalMs,
    baseEjectionTimeMs: base,
    // Envoy: max_ejection_time defaults to 300 s, or base_ejection_time when that is longer.
    maxEjectionTimeMs:
      durationMs(outlier.maxEjectionTime, field(path, 'max_ejection_time')) ??
      Math.max(DEFAULTS.maxEjectionTimeMs, base),
    maxEjectionPercent: percent(outlier.maxEjectionPercent, 'max_ejection_percent', DEFAULTS.maxEjectionPercent),
  };
}
