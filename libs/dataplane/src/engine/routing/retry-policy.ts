/**
 * A route's retry policy compiled for the request path: Envoy's `retry_on` conditions as a bit
 * set, the statuses to retry, and the jittered back-off. Compiled once per route.
 *
 * Envoy's rules, as implemented here:
 * - `5xx`: any 5xx response, and any reset or connect failure (they would have become one);
 * - `gateway-error`: 502, 503 or 504, and resets or connect failures;
 * - `reset`: no response at all (reset, disconnect, per-try timeout); `connect-failure`: the
 *   connection could not be made (or timed out);
 * - `retriable-4xx`: 409; `retriable-status-codes`: the listed statuses;
 * - `envoy-ratelimited`: the response carries `x-envoy-ratelimited`;
 * - `refused-stream`: an HTTP/2 REFUSED_STREAM, which cannot happen over HTTP/1.1 upstreams;
 * - gRPC conditions: the `grpc-status` of a response that carries it in its headers.
 * A response with `x-envoy-overloaded` is never retried. A per-try timeout is retried under
 * `5xx`, `gateway-error` and `reset`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { XdsRetryCondition, XdsRetryPolicy } from '../../xds/model';

const BIT: Record<XdsRetryCondition, number> = {
  '5xx': 1 << 0,
  'gateway-error': 1 << 1,
  reset: 1 << 2,
  'connect-failure': 1 << 3,
  'retriable-4xx': 1 << 4,
  'refused-stream': 1 << 5,
  'retriable-status-codes': 1 << 6,
  'envoy-ratelimited': 1 << 7,
  cancelled: 1 << 8,
  'deadline-exceeded': 1 << 9,
  internal: 1 << 10,
  'resource-exhausted': 1 << 11,
  unavailable: 1 << 12,
};

/** gRPC status codes of the gRPC conditions. */
const GRPC_STATUS: readonly [string, number][] = [
  ['1', BIT.cancelled],
  ['4', BIT['deadline-exceeded']],
  ['8', BIT['resource-exhausted']],
  ['13', BIT.internal],
  ['14', BIT.unavailable],
];
const GRPC_BITS = GRPC_STATUS.reduce((bits, [, bit]) => bits | bit, 0);

/** Conditions under which a request that got no response (reset, timeout) is retried. */
const RESET_BITS = BIT['5xx'] | BIT['gateway-error'] | BIT.reset;

export class RetryPolicy {
  readonly numRetries: number;
  readonly perTryTimeoutMs: number | undefined;
  readonly avoidPreviousHosts: boolean;
  readonly hostSelectionRetryMaxAttempts: number;
  private readonly bits: number;
  private readonly statusCodes: ReadonlySet<number>;
  private readonly backOffBaseMs: number;
  private readonly backOffMaxMs: number;

  constructor(config: XdsRetryPolicy) {
    this.bits = config.retryOn.reduce((bits, condition) => bits | BIT[condition], 0);
    this.numRetries = config.numRetries;
    this.perTryTimeoutMs = config.perTryTimeoutMs;
    this.statusCodes = new Set(config.retriableStatusCodes);
    this.backOffBaseMs = config.backOffBaseMs;
    this.backOffMaxMs = config.backOffMaxMs;
    this.avoidPreviousHosts = config.avoidPreviousHosts;
    this.hostSelectionRetryMaxAttempts = config.hostSelectionRetryMaxAttempts;
  }

  /** True when retries are configured at all (Envoy keeps no retry state otherwise). */
  get enabled(): boolean {
    return this.bits !== 0;
  }

  /** Whether a response with these status and headers calls for another try. */
  retriesResponse(status: number, headers: IncomingHttpHeaders): boolean {
    const bits = this.bits;
    if (bits === 0 || headers['x-envoy-overloaded'] !== undefined) return false;
    if (status >= 500) {
      if (bits & BIT['5xx']) return true;
      if (bits & BIT['gateway-error'] && status >= 502 && status <= 504) return true;
    }
    if (bits & BIT['retriable-4xx'] && status === 409) return true;
    if (bits & BIT['retriable-status-codes'] && this.statusCodes.has(status)) return true;
    if (bits & BIT['envoy-ratelimited'] && headers['x-envoy-ratelimited'] !== undefined) return true;
    if (bits & GRPC_BITS) {
      const grpcStatus = headers['grpc-status'];
      if (grpcStatus !== undefined) {
        for (const [code, bit] of GRPC_STATUS) if (grpcStatus === code && bits & bit) return true;
      }
    }
    return false;
  }

  /** Whether a try that failed without a response calls for another one. */
  retriesFailure(connectFailure: boolean): boolean {
    if (this.bits & RESET_BITS) return true;
    return connectFailure && (this.bits & BIT['connect-failure']) !== 0;
  }

  /** Per-try timeouts count as resets. */
  retriesPerTryTimeout(): boolean {
    return (this.bits & RESET_BITS) !== 0;
  }

  /**
   * The wait before retry number `retry` (1 for the first): Envoy's fully jittered exponential
   * back-off, uniform in [0, min((2^retry - 1) × base, max)).
   */
  backOffMs(retry: number, random: () => number): number {
    const ceiling = Math.min((2 ** retry - 1) * this.backOffBaseMs, this.backOffMaxMs);
    return Math.floor(random() * ceiling);
  }
}
