/**
 * telemetry.istio.io: Telemetry (tracing, metrics and access logging per workload).
 */
import { optionalBoolean, policyTargetReference, workloadSelector } from './istio-common.ts';
import { array, double, duration, enumOf, map, nullable, object, string, type Build } from './openapi.ts';

const providerRefs: Build = array(object({ name: string }, ['name']));
const workloadMode: Build = enumOf('CLIENT_AND_SERVER', 'CLIENT', 'SERVER');

const tracing: Build = object({
  match: object({ mode: workloadMode }),
  providers: providerRefs,
  randomSamplingPercentage: nullable(double),
  disableSpanReporting: optionalBoolean,
  customTags: map(
    object({
      literal: object({ value: string }, ['value']),
      environment: object({ name: string, defaultValue: string }, ['name']),
      header: object({ name: string, defaultValue: string }, ['name']),
    }),
  ),
  useRequestIdForTraceSampling: optionalBoolean,
  enableIstioTags: optionalBoolean,
});

const metricSelector: Build = object({
  metric: enumOf(
    'ALL_METRICS',
    'REQUEST_COUNT',
    'REQUEST_DURATION',
    'REQUEST_SIZE',
    'RESPONSE_SIZE',
    'TCP_OPENED_CONNECTIONS',
    'TCP_CLOSED_CONNECTIONS',
    'TCP_SENT_BYTES',
    'TCP_RECEIVED_BYTES',
    'GRPC_REQUEST_MESSAGES',
    'GRPC_RESPONSE_MESSAGES',
  ),
  customMetric: string,
  mode: workloadMode,
});

const metrics: Build = object({
  providers: providerRefs,
  overrides: array(
    object({
      match: metricSelector,
      disabled: optionalBoolean,
      tagOverrides: map(object({ operation: enumOf('UPSERT', 'REMOVE'), value: string })),
    }),
  ),
  reportingInterval: duration,
});

const accessLogging: Build = object({
  match: object({ mode: workloadMode }),
  providers: providerRefs,
  disabled: optionalBoolean,
  filter: object({ expression: string }),
});

export const telemetrySpec: Build = object({
  selector: workloadSelector,
  targetRef: policyTargetReference,
  targetRefs: array(policyTargetReference),
  tracing: array(tracing),
  metrics: array(metrics),
  accessLogging: array(accessLogging),
});
