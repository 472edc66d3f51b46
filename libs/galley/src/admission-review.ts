/**
 * The wire format of Kubernetes admission webhooks, `admission.k8s.io/v1` AdmissionReview, and
 * the check that turns an untrusted request body into a typed AdmissionRequest. A body that fails
 * here is not an AdmissionReview at all (the HTTP layer answers 400); a well-formed review whose
 * object is wrong is answered with a denial instead, so the API server can show the reason.
 */
import { isRecord } from '@mesh/config-model';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_REVIEW_KIND = 'AdmissionReview';

export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  /** The kind of the object as the API server resolved it (authoritative, unlike object.kind). */
  readonly kind: GroupVersionKind;
  readonly resource?: GroupVersionResource;
  readonly subResource?: string;
  readonly name?: string;
  /** '' for cluster-scoped objects. */
  readonly namespace: string;
  readonly operation: Operation;
  /** The new object; absent on DELETE. */
  readonly object?: Record<string, unknown>;
  /** The existing object on UPDATE and DELETE. */
  readonly oldObject?: Record<string, unknown>;
  readonly dryRun: boolean;
}

/** metav1.Status as carried by a denial; the API server shows `message` to the user. */
export interface AdmissionStatus {
  readonly status: 'Failure';
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly causes: ReadonlyArray<{ readonly reason: string; readonly message: string; readonly field?: string }>;
  };
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: AdmissionStatus;
  /** Shown by kubectl as `Warning: ...` lines (admission.k8s.io/v1 only). */
  readonly warnings?: readonly string[];
}

export interface AdmissionReviewResponse {
  readonly apiVersion: typeof ADMISSION_API_VERSION;
  readonly kind: typeof ADMISSION_REVIEW_KIND;
  readonly response: AdmissionResponse;
}

export type ParsedAdmissionReview =
  | { readonly ok: true; readonly request: AdmissionRequest }
  | { readonly ok: false; readonly field: string; readonly message: string };

/** Checks the envelope of an AdmissionReview body; names the first field that is wrong. */
export function parseAdmissionReview(body: unknown): ParsedAdmissionReview {
  const fail = (field: string, message: string): ParsedAdmissionReview => ({ ok: false, field, message });

  if (!isRecord(body)) return fail('', 'body must be a JSON object (an AdmissionReview)');
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    return fail('apiVersion', `must be "${ADMISSION_API_VERSION}" (got ${describe(body.apiVersion)})`);
  }
  if (body.kind !== ADMISSION_REVIEW_KIND) {
    return fail('kind', `must be "${ADMISSION_REVIEW_KIND}" (got ${describe(body.kind)})`);
  }
  const request = body.request;
  if (!isRecord(request)) return fail('request', 'is required and must be an object');
  if (typeof request.uid !== 'string' || request.uid === '') return fail('request.uid', 'is required');

  const operation = request.operation;
  if (typeof operation !== 'string' || !(OPERATIONS as readonly string[]).includes(operation)) {
    return fail('request.operation', `must be one of ${OPERATIONS.join(', ')} (got ${describe(operation)})`);
  }
  const kind = request.kind;
  if (!isRecord(kind) || typeof kind.kind !== 'string' || kind.kind === '') {
    return fail('request.kind', 'must be an object with group, version and kind');
  }
  if (typeof kind.group !== 'string' || typeof kind.version !== 'string') {
    return fail('request.kind', 'group and version must be strings');
  }
  const resource = request.resource;
  if (
    resource !== undefined &&
    (!isRecord(resource) ||
      typeof resource.group !== 'string' ||
      typeof resource.version !== 'string' ||
      typeof resource.resource !== 'string')
  ) {
    return fail('request.resource', 'must be an object with group, version and resource');
  }
  for (const field of ['namespace', 'name', 'subResource'] as const) {
    const value = request[field];
    if (value !== undefined && typeof value !== 'string') return fail(`request.${field}`, 'must be a string');
  }
  for (const field of ['object', 'oldObject'] as const) {
    const value = request[field];
    if (value !== undefined && value !== null && !isRecord(value)) return fail(`request.${field}`, 'must be an object');
  }
  if (request.dryRun !== undefined && typeof request.dryRun !== 'boolean') {
    return fail('request.dryRun', 'must be a boolean');
  }

  return {
    ok: true,
    request: {
      uid: request.uid,
      kind: { group: kind.group, version: kind.version, kind: kind.kind },
      ...(isRecord(resource)
        ? {
            resource: {
              group: resource.group as string,
              version: resource.version as string,
              resource: resource.resource as string,
            },
          }
        : {}),
      ...(typeof request.subResource === 'string' && request.subResource !== ''
        ? { subResource: request.subResource }
        : {}),
      ...(typeof request.name === 'string' && request.name !== '' ? { name: request.name } : {}),
      namespace: typeof request.namespace === 'string' ? request.namespace : '',
      operation: operation as Operation,
      ...(isRecord(request.object) ? { object: request.object } : {}),
      ...(isRecord(request.oldObject) ? { oldObject: request.oldObject } : {}),
      dryRun: request.dryRun === true,
    },
  };
}

export function admissionReviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_REVIEW_KIND, response };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
