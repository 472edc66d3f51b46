/**
 * The admission decision for one request: which requests are validated at all, how a validator's
 * issues become a denial the API server can show (resource, field path, what is wrong, as Istio's
 * `configuration is invalid: ...`), and how warnings travel back. No I/O here: the HTTP server
 * (webhook-server.ts) parses the body and calls reviewAdmission.
 */
import {
  apiVersionOf,
  describeConfig,
  formatIssue,
  formatPath,
  isRecord,
  lookupSchema,
  type ConfigIssue,
  type ResourceRef,
} from '@mesh/config-model';
import type { AdmissionRequest, AdmissionResponse, AdmissionStatus } from './admission-review';

export interface AdmissionValidation {
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

/** Validates one object about to be stored; `namespace` is the request's (the object may omit it). */
export type AdmissionValidator = (object: Record<string, unknown>, namespace: string) => AdmissionValidation;

export type AdmissionOutcome = 'allowed' | 'denied' | 'skipped' | 'failed';

export interface AdmissionDecision {
  readonly response: AdmissionResponse;
  readonly outcome: AdmissionOutcome;
  /** One line for the log: what was decided about which resource, and why. */
  readonly summary: string;
}

/** Istio's webhook prefixes every denial with this; users and scripts grep for it. */
export const INVALID_PREFIX = 'configuration is invalid: ';

export function reviewAdmission(request: AdmissionRequest, validate: AdmissionValidator): AdmissionDecision {
  const { uid, operation, kind } = request;
  const resource = resourceOf(request);
  const who = `${describeConfig(resource)} (${operation}, uid ${uid}${request.dryRun ? ', dry run' : ''})`;

  // Only what is about to be stored is validated: deletes and connects always pass.
  if (operation !== 'CREATE' && operation !== 'UPDATE') {
    return { outcome: 'skipped', response: { uid, allowed: true }, summary: `allowed ${who}: not validated` };
  }
  // Kinds the mesh does not validate (e.g. EnvoyFilter, or anything routed here by a broad rule) pass.
  const lookup = lookupSchema(apiVersionOf(kind.group, kind.version), kind.kind);
  if (!lookup.ok || !lookup.schema.istio) {
    return { outcome: 'skipped', response: { uid, allowed: true }, summary: `allowed ${who}: kind not validated` };
  }
  if (!request.object) {
    const message = `${INVALID_PREFIX}${describeConfig(resource)}: request.object is required for ${operation}`;
    return deny(uid, 400, 'BadRequest', message, [], who, 'denied');
  }

  let validation: AdmissionValidation;
  try {
    validation = validate(request.object, request.namespace);
  } catch (error) {
    // A bug in a validator must not take the webhook down; the request is refused (the webhook
    // configuration fails closed anyway) and the reason is visible to the user and in the log.
    const reason = error instanceof Error ? error.message : String(error);
    const message = `internal error validating ${describeConfig(resource)}: ${reason}`;
    return deny(uid, 500, 'InternalError', message, [], who, 'failed');
  }

  const errors = validation.errors.map((issue) => withResource(issue, resource));
  const warnings = validation.warnings.map((issue) => describeIssue(withResource(issue, resource)));
  if (errors.length > 0) {
    const message = INVALID_PREFIX + errors.map(describeIssue).join('; ');
    const causes = errors.map((issue) => ({
      reason: 'FieldValueInvalid',
      message: issue.message,
      ...(issue.path.length > 0 ? { field: formatPath(issue.path) } : {}),
    }));
    const denial = deny(uid, 400, 'BadRequest', message, causes, who, 'denied', {
      name: resource.name,
      group: kind.group,
      kind: kind.kind,
    });
    return warnings.length > 0 ? { ...denial, response: { ...denial.response, warnings } } : denial;
  }
  return {
    outcome: 'allowed',
    response: warnings.length > 0 ? { uid, allowed: true, warnings } : { uid, allowed: true },
    summary: `allowed ${who}${warnings.length > 0 ? ` with ${warnings.length} warning(s)` : ''}`,
  };
}

function deny(
  uid: string,
  code: number,
  reason: string,
  message: string,
  causes: NonNullable<AdmissionStatus['details']>['causes'],
  who: string,
  outcome: AdmissionOutcome,
  target?: { name: string; group: string; kind: string },
): AdmissionDecision {
  const status: AdmissionStatus = {
    status: 'Failure',
    code,
    reason,
    message,
    ...(causes.length > 0 ? { details: { ...target, causes } } : {}),
  };
  return { outcome, response: { uid, allowed: false, status }, summary: `denied ${who}: ${message}` };
}

/** Which resource the request is about, for messages: kind from the API server, name and namespace from the object. */
function resourceOf(request: AdmissionRequest): ResourceRef {
  const object = request.object ?? request.oldObject;
  const metadata = object && isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : (request.name ?? '');
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : request.namespace;
  return { kind: request.kind.kind, namespace, name: name || '<unnamed>' };
}

/**
 * Issues without a resource, or naming it without the namespace the API server already resolved,
 * get the request's resource so every message says which object it is about.
 */
function withResource(issue: ConfigIssue, resource: ResourceRef): ConfigIssue {
  if (!issue.resource) return { ...issue, resource };
  if (issue.resource.namespace === '' && issue.resource.name === resource.name) {
    return { ...issue, resource: { ...issue.resource, namespace: resource.namespace } };
  }
  return issue;
}

/** `VirtualService default/reviews: spec.http[0].route[1].weight: ...` (no severity prefix: kubectl adds its own). */
function describeIssue(issue: ConfigIssue): string {
  return formatIssue({ ...issue, severity: 'error' });
}
