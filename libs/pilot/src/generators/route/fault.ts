/**
 * VirtualService fault injection as the per-route config of Envoy's fault filter
 * (`envoy.filters.http.fault`): a fixed delay and/or an abort (HTTP status or gRPC status), each
 * for a percentage of requests. Exponential delays are not supported by Envoy's filter, so such a
 * delay is left out (as Istio does), and a fault with nothing left is no fault.
 */
import type { HTTPFaultInjection } from '@mesh/config-model';
import type { FaultDelay } from '@mesh/xds/generated/envoy/extensions/filters/common/fault/v3/fault';
import type { FaultAbort, HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';
import { durationFromIstio } from '../common/duration';
import { fractionFromInteger, fractionFromPercent } from './percent';

/** gRPC status codes by name (grpc/grpc doc/statuscodes.md). */
export const GRPC_STATUS_CODES: Readonly<Record<string, number>> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

function delayOf(fault: HTTPFaultInjection, where: string): FaultDelay | undefined {
  const delay = fault.delay;
  if (!delay?.fixedDelay) return undefined;
  return {
    fixedDelay: durationFromIstio(delay.fixedDelay, `${where}.delay.fixedDelay`),
    percentage: delay.percentage ? fractionFromPercent(delay.percentage) : fractionFromInteger(delay.percent ?? 0),
  };
}

function abortOf(fault: HTTPFaultInjection): FaultAbort | undefined {
  const abort = fault.abort;
  if (!abort) return undefined;
  const percentage = abort.percentage ? { percentage: fractionFromPercent(abort.percentage) } : {};
  if (abort.httpStatus !== undefined) return { httpStatus: abort.httpStatus, ...percentage };
  if (abort.grpcStatus !== undefined) {
    const code = GRPC_STATUS_CODES[abort.grpcStatus.toUpperCase()];
    return code === undefined ? undefined : { grpcStatus: code, ...percentage };
  }
  return undefined;
}

/** The per-route fault config, or undefined when the fault injects nothing Envoy supports. */
export function translateFault(fault: HTTPFaultInjection | undefined, where: string): HTTPFault | undefined {
  if (!fault) return undefined;
  const delay = delayOf(fault, where);
  const abort = abortOf(fault);
  if (!delay && !abort) return undefined;
  return { ...(delay ? { delay } : {}), ...(abort ? { abort } : {}) };
}
