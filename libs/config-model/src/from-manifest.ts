/**
 * Turning a parsed object into a Config: the envelope checks every kind shares (apiVersion, kind,
 * metadata). What is inside `spec` is config-validation's business.
 */
import type { Config } from './config';
import type { ConfigIssue, FieldPath } from './issues';
import type { Manifest } from './manifest';
import { lookupSchema } from './schema';

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

export interface FromObjectOptions {
  /** Namespace for namespaced objects that do not name one (like `kubectl apply -n`). */
  readonly defaultNamespace?: string;
  /** Used when the object carries no metadata.resourceVersion. */
  readonly resourceVersion?: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENVELOPE_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

export function configFromManifest(manifest: Manifest, options: FromObjectOptions = {}): ConfigResult {
  const result = configFromObject(manifest.object, options);
  if (result.ok) return { ok: true, config: { ...result.config, source: manifest.source } };
  return {
    ok: false,
    issues: result.issues.map((issue) => ({
      ...issue,
      source: { file: manifest.source.file, line: manifest.lineOf(issue.path) },
    })),
  };
}

export function configFromObject(object: Record<string, unknown>, options: FromObjectOptions = {}): ConfigResult {
  const issues: ConfigIssue[] = [];
  const fail = (path: FieldPath, message: string): ConfigResult => {
    issues.push({ severity: 'error', path, message, resource: refOf(object) });
    return { ok: false, issues };
  };

  const { apiVersion, kind, metadata } = object;
  if (typeof apiVersion !== 'string' || apiVersion === '') return fail(['apiVersion'], 'apiVersion is required');
  if (typeof kind !== 'string' || kind === '') return fail(['kind'], 'kind is required');
  const lookup = lookupSchema(apiVersion, kind);
  if (!lookup.ok) return fail(lookup.reason === 'unknown-kind' ? ['kind'] : ['apiVersion'], lookup.message);
  const { schema, version } = lookup;

  if (!isRecord(metadata)) return fail(['metadata'], 'metadata is required');
  const { name, namespace, labels, annotations, resourceVersion, generation, creationTimestamp, deletionTimestamp } =
    metadata;
  if (typeof name !== 'string' || name === '') return fail(['metadata', 'name'], 'metadata.name is required');
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return fail(['metadata', 'name'], `"${name}" is not a valid name (lower-case DNS-1123 subdomain)`);
  }
  let ns = '';
  if (schema.namespaced) {
    if (namespace === undefined || namespace === null || namespace === '') ns = options.defaultNamespace ?? 'default';
    else if (typeof namespace !== 'string' || !DNS1123_LABEL.test(namespace) || namespace.length > 63) {
      return fail(['metadata', 'namespace'], `"${String(namespace)}" is not a valid namespace (DNS-1123 label)`);
    } else ns = namespace;
  }
  const labelMap = stringMap(labels, ['metadata', 'labels'], issues, object);
  const annotationMap = stringMap(annotations, ['metadata', 'annotations'], issues, object);
  if (issues.length > 0) return { ok: false, issues };

  const labelsOnly = schema.keep === 'labels';
  const spec = labelsOnly ? {} : (object.spec ?? {});
  if (schema.istio && !isRecord(spec)) return fail(['spec'], 'spec must be a mapping');
  const extra: Record<string, unknown> = {};
  if (!labelsOnly) {
    for (const [key, value] of Object.entries(object)) if (!ENVELOPE_KEYS.has(key)) extra[key] = value;
    // Discovery needs a Kubernetes object's status (a Pod's IPs and phase); Istio kinds' status is
    // written by the control plane, never read as input.
    if (!schema.istio && isRecord(object.status)) extra.status = object.status;
  }

  const config: Config = {
    kind: schema.kind,
    group: schema.group,
    version,
    name,
    namespace: ns,
    labels: labelMap,
    annotations: labelsOnly ? {} : annotationMap,
    resourceVersion:
      typeof resourceVersion === 'string' && resourceVersion !== '' ? resourceVersion : (options.resourceVersion ?? ''),
    ...(typeof generation === 'number' ? { generation } : {}),
    ...(typeof creationTimestamp === 'string' ? { creationTimestamp } : {}),
    ...(typeof deletionTimestamp === 'string' ? { deletionTimestamp } : {}),
    spec,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
  return { ok: true, config };
}

function stringMap(
  value: unknown,
  path: FieldPath,
  issues: ConfigIssue[],
  object: Record<string, unknown>,
): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    issues.push({ severity: 'error', path, message: 'must be a map of strings', resource: refOf(object) });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      issues.push({ severity: 'error', path: [...path, key], message: 'must be a string', resource: refOf(object) });
    } else out[key] = entry;
  }
  return out;
}

function refOf(object: Record<string, unknown>): { kind: string; namespace: string; name: string } {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  return {
    kind: typeof object.kind === 'string' ? object.kind : '<unknown kind>',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '<unnamed>',
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
