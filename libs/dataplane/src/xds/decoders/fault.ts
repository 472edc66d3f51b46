/**
 * A route's fault injection: the HTTP fault filter's config given per route in
 * `typed_per_filter_config` (what Istio writes for a VirtualService `fault`). A fixed delay and an
 * abort (HTTP status or gRPC status), each on a fraction of requests, are implemented; faults
 * chosen by request headers, limited to some upstream cluster or downstream nodes, capped in
 * number, or rate-limiting the response body are rejected.
 */
import { HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';
import { type FractionalPercent, FractionalPercent_DenominatorType } from '@mesh/xds/generated/envoy/type/v3/percent';
import type { Any } from '@mesh/xds';
import type { XdsFault } from '../model';
import { allowOnly, durationMs, unpackTyped } from './common';
import { fail, field } from './decode-result';

const DENOMINATORS: Record<number, number> = {
  [FractionalPercent_DenominatorType.HUNDRED]: 100,
  [FractionalPercent_DenominatorType.TEN_THOUSAND]: 10_000,
  [FractionalPercent_DenominatorType.MILLION]: 1_000_000,
};

/** A FractionalPercent as a probability in [0, 1]; an unset one is 0, as in Envoy. */
export function fraction(percent: FractionalPercent | undefined, path: string): number {
  if (!percent) return 0;
  allowOnly(percent, ['numerator', 'denominator'], path);
  const denominator = DENOMINATORS[percent.denominator ?? 0];
  if (!denominator) fail(field(path, 'denominator'), `unknown denominator ${percent.denominator}`);
  return Math.min(1, (percent.numerator ?? 0) / denominator);
}

export function routeFault(any: Any, path: string): XdsFault {
  const fault = unpackTyped(HTTPFault, any, path);
  allowOnly(fault, ['delay', 'abort'], path);
  const out: { delay?: XdsFault['delay']; abort?: XdsFault['abort'] } = {};
  if (fault.delay) {
    const at = field(path, 'delay');
    allowOnly(fault.delay, ['fixedDelay', 'percentage'], at);
    const ms = durationMs(fault.delay.fixedDelay, field(at, 'fixed_delay'));
    if (ms === undefined) fail(field(at, 'fixed_delay'), 'is required (header-controlled delays are not supported)');
    out.delay = { ms, fraction: fraction(fault.delay.percentage, field(at, 'percentage')) };
  }
  if (fault.abort) {
    const at = field(path, 'abort');
    allowOnly(fault.abort, ['httpStatus', 'grpcStatus', 'percentage'], at);
    const chance = fraction(fault.abort.percentage, field(at, 'percentage'));
    if (fault.abort.httpStatus !== undefined) {
      const status = fault.abort.httpStatus;
      if (status < 200 || status >= 600)
        fail(field(at, 'http_status'), `${status} is not an HTTP status between 200 and 599`);
      out.abort = { httpStatus: status, fraction: chance };
    } else if (fault.abort.grpcStatus !== undefined) {
      out.abort = { grpcStatus: fault.abort.grpcStatus, fraction: chance };
    } else {
      fail(at, 'must set http_status or grpc_status (header-controlled aborts are not supported)');
    }
  }
  return out;
}
