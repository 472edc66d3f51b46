/**
 * Telemetry: tracing (providers, sampling, custom tags), metrics (providers, per-metric
 * overrides of tags) and access logging, for the mesh, a namespace or selected workloads.
 */
import { checkDuration } from '../rules/duration';
import { checkPercentValue } from '../rules/numbers';
import { checkPolicyTargets } from '../rules/policy-target';
import type { Field } from '../walker';

const TELEMETRY_FIELDS = ['selector', 'targetRef', 'targetRefs', 'tracing', 'metrics', 'accessLogging'] as const;
const TRACING_FIELDS = [
  'match',
  'providers',
  'randomSamplingPercentage',
  'disableSpanReporting',
  'customTags',
  'useRequestIdForTraceSampling',
  'enableIstioTags',
] as const;
const METRICS_FIELDS = ['providers', 'overrides', 'reportingInterval'] as const;
const ACCESS_LOGGING_FIELDS = ['match', 'providers', 'disabled', 'filter'] as const;
const WORKLOAD_MODES = ['CLIENT_AND_SERVER', 'CLIENT', 'SERVER'] as const;
const METRICS = [
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
] as const;
/** Metric tags become Prometheus label names. */
const TAG_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function validateTelemetry(spec: Field): void {
  const telemetry = spec.struct(TELEMETRY_FIELDS);
  if (!telemetry) return;
  checkPolicyTargets(
    telemetry,
    telemetry.field('selector'),
    telemetry.field('targetRef'),
    telemetry.field('targetRefs'),
  );
  const tracing = telemetry.field('tracing').list() ?? [];
  if (tracing.length > 1)
    telemetry.field('tracing').warn('only one tracing configuration is supported; the first is used');
  for (const item of tracing) checkTracing(item);
  for (const item of telemetry.field('metrics').list() ?? []) checkMetrics(item);
  for (const item of telemetry.field('accessLogging').list() ?? []) checkAccessLogging(item);
}

function checkProviders(field: Field): number {
  const providers = field.list() ?? [];
  for (const item of providers) {
    const provider = item.struct(['name']);
    if (!item.present) item.error('provider must not be null');
    provider?.requiredString('name', 'provider name is required');
  }
  return providers.length;
}

function checkWorkloadMode(field: Field): void {
  field.struct(['mode'])?.field('mode').enumOf(WORKLOAD_MODES);
}

function checkTracing(field: Field): void {
  const tracing = field.struct(TRACING_FIELDS);
  if (!tracing) return;
  checkWorkloadMode(tracing.field('match'));
  if (checkProviders(tracing.field('providers')) > 1) {
    tracing.field('providers').warn('only one tracing provider is supported; the first is used');
  }
  checkPercentValue(tracing.field('randomSamplingPercentage'));
  tracing.field('disableSpanReporting').boolean();
  tracing.field('useRequestIdForTraceSampling').boolean();
  tracing.field('enableIstioTags').boolean();
  for (const [name, tagField] of tracing.field('customTags').entries() ?? []) {
    if (name === '') tagField.error('custom tag names must not be empty');
    if (!tagField.present) {
      tagField.error(`custom tag "${name}" must not be null`);
      continue;
    }
    const tag = tagField.struct(['literal', 'environment', 'header']);
    if (!tag) continue;
    const kind = tag.oneOf(['literal', 'environment', 'header']);
    if (kind === undefined) tag.error('a custom tag needs one of literal, environment or header');
    tag.field('literal').struct(['value'])?.requiredString('value', 'literal tag value must not be empty');
    for (const source of ['environment', 'header'] as const) {
      const from = tag.field(source).struct(['name', 'defaultValue']);
      from?.requiredString('name', `${source} tag name must not be empty`);
      from?.field('defaultValue').string();
    }
  }
}

function checkMetrics(field: Field): void {
  const metrics = field.struct(METRICS_FIELDS);
  if (!metrics) return;
  checkProviders(metrics.field('providers'));
  if (metrics.has('reportingInterval')) checkDuration(metrics.field('reportingInterval'));
  for (const item of metrics.field('overrides').list() ?? []) {
    if (!item.present) {
      item.error('an override must not be null');
      continue;
    }
    const override = item.struct(['match', 'disabled', 'tagOverrides']);
    if (!override) continue;
    override.field('disabled').boolean();
    const match = override.field('match').struct(['metric', 'customMetric', 'mode']);
    if (match) {
      match.oneOf(['metric', 'customMetric']);
      match.field('metric').enumOf(METRICS);
      if (match.field('customMetric').string() === '')
        match.field('customMetric').error('customMetric must not be empty');
      match.field('mode').enumOf(WORKLOAD_MODES);
    }
    for (const [tag, tagField] of override.field('tagOverrides').entries() ?? []) {
      if (!TAG_NAME.test(tag)) {
        tagField.warn(`"${tag}" is not a valid metric tag name (letters, digits and "_", not starting with a digit)`);
      }
      if (!tagField.present) {
        tagField.error(`tag override "${tag}" must not be null`);
        continue;
      }
      const tagOverride = tagField.struct(['operation', 'value']);
      if (!tagOverride) continue;
      const operation = tagOverride.field('operation').enumOf(['UPSERT', 'REMOVE']) ?? 'UPSERT';
      const value = tagOverride.field('value').string();
      if (operation === 'UPSERT' && !value)
        tagOverride.field('value').error('value is required when operation is UPSERT');
      if (operation === 'REMOVE' && value)
        tagOverride.field('value').error('value may only be set when operation is UPSERT');
    }
  }
}

function checkAccessLogging(field: Field): void {
  const logging = field.struct(ACCESS_LOGGING_FIELDS);
  if (!logging) return;
  checkWorkloadMode(logging.field('match'));
  checkProviders(logging.field('providers'));
  logging.field('disabled').boolean();
  const filter = logging.field('filter').struct(['expression']);
  if (filter && !filter.field('expression').string())
    filter.field('expression').error('filter expression must not be empty');
}
