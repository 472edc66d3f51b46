/**
 * The validator the webhook runs in production: the envelope checks every kind shares
 * (`configFromObject` from @mesh/config-model), Istio's rule that an object carries no top-level
 * fields besides apiVersion, kind, metadata, spec and status, then the per-kind rules of
 * @mesh/config-validation.
 */
import { configFromObject, type ConfigIssue } from '@mesh/config-model';
import { validateConfig } from '@mesh/config-validation';
import type { AdmissionValidation } from './admission';

export function validateAdmissionObject(object: Record<string, unknown>, namespace: string): AdmissionValidation {
  const result = configFromObject(object, { defaultNamespace: namespace });
  if (!result.ok) {
    return {
      errors: result.issues.filter((issue) => issue.severity === 'error'),
      warnings: result.issues.filter((issue) => issue.severity === 'warning'),
    };
  }
  const { config } = result;
  const resource = { kind: config.kind, namespace: config.namespace, name: config.name };
  // configFromObject keeps unknown top-level fields in `extra`; Istio's webhook refuses them.
  const unknownFields: ConfigIssue[] = Object.keys(config.extra ?? {}).map((key) => ({
    severity: 'error',
    path: [key],
    message: `unknown field "${key}" (an Istio object has only apiVersion, kind, metadata, spec and status)`,
    resource,
  }));
  const { errors, warnings } = validateConfig(config);
  return { errors: [...unknownFields, ...errors], warnings: [...warnings] };
}
