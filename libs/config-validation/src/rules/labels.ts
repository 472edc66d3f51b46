/**
 * Labels and workload selectors. Label keys and values follow Kubernetes' rules (Istio checks
 * subset and source labels with them); selectors may not use wildcards or empty keys.
 */
import type { Field } from '../walker';

const QUALIFIED_NAME = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_PREFIX_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** What is wrong with a label key, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? '' : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    if (prefix.length === 0 || prefix.length > 253 || !prefix.split('.').every((l) => DNS_PREFIX_LABEL.test(l))) {
      return `invalid label key "${key}": the prefix must be a DNS subdomain`;
    }
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `invalid label key "${key}": the name must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !QUALIFIED_NAME.test(value)) {
    return `invalid label value "${value}": at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** A map of labels (subset labels, source labels, workload labels). */
export function checkLabels(field: Field): Record<string, string> | undefined {
  const entries = field.stringMap();
  if (entries === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const { key, value, field: valueField } of entries) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) valueField.error(problem);
    else labels[key] = value;
  }
  return labels;
}

/**
 * A workload selector's label map (`matchLabels` in security/telemetry APIs and DestinationRule,
 * `labels` in Sidecar and ServiceEntry). No empty keys, no wildcards; labels no pod can carry are
 * a warning (the selector then matches nothing); an empty selector a warning (it selects all).
 */
export function checkSelectorLabels(field: Field, emptyMeans: string): void {
  const entries = field.stringMap();
  if (entries === undefined) {
    if (!field.present) field.warn(`workload selector has no labels; ${emptyMeans}`);
    return;
  }
  if (entries.length === 0) field.warn(`workload selector has no labels; ${emptyMeans}`);
  for (const { key, value, field: valueField } of entries) {
    if (key === '') valueField.error('an empty label key is not allowed in a selector');
    else if (key.includes('*') || value.includes('*')) {
      valueField.error(`wildcards are not supported in selectors ("${key}: ${value}")`);
    } else {
      const problem = labelKeyProblem(key) ?? labelValueProblem(value);
      if (problem) valueField.warn(`${problem}; this selector can never match a workload`);
    }
  }
}
