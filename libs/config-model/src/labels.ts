/**
 * Label selection, in the two flavours the mesh meets:
 * - Istio selectors (`workloadSelector.labels`, `selector.matchLabels`, Gateway `selector`): every
 *   listed label must be present with the same value; an empty or absent selector selects every
 *   workload in scope (the namespace, or the mesh for a policy in the root namespace).
 * - Kubernetes selectors: a LabelSelector (`matchLabels` and `matchExpressions` with In, NotIn,
 *   Exists, DoesNotExist), where an absent selector selects nothing and `{}` selects everything;
 *   and a Service's `selector` map, where absent or empty means the Service picks no pods.
 */
import type { Config } from './config';
import { isRecord } from './from-manifest';
import type { LabelMap } from './types/common';

export type Labels = Readonly<Record<string, string>>;

/** Istio semantics: all of `selector`'s labels are in `labels` with equal values; empty selects all. */
export function selectorMatches(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector)) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return true;
}

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  /** Required (non-empty) for In and NotIn, absent for Exists and DoesNotExist. */
  values?: string[];
}

/** Kubernetes metav1.LabelSelector: the requirements are ANDed. */
export interface LabelSelector {
  matchLabels?: LabelMap;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * Kubernetes semantics: `undefined`/`null` selects nothing, `{}` selects everything, otherwise every
 * matchLabels entry and every expression must hold. NotIn and DoesNotExist hold when the key is
 * absent. An unknown operator holds for no object, so a bad selector never widens a selection.
 */
export function labelSelectorMatches(selector: LabelSelector | null | undefined, labels: Labels): boolean {
  if (selector === undefined || selector === null) return false;
  if (!selectorMatches(selector.matchLabels, labels)) return false;
  for (const requirement of selector.matchExpressions ?? []) {
    if (!requirementHolds(requirement, labels)) return false;
  }
  return true;
}

function requirementHolds(requirement: LabelSelectorRequirement, labels: Labels): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return present && values.includes(labels[requirement.key]);
    case 'NotIn':
      return !present || !values.includes(labels[requirement.key]);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    default:
      return false;
  }
}

/** A Service's `spec.selector`: absent or empty selects no pods (endpoints are then managed by hand). */
export function serviceSelectorMatches(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return selectorMatches(selector, labels);
}

/**
 * The workload selector of an Istio config, wherever its kind keeps it: Gateway `selector`,
 * Sidecar and ServiceEntry `workloadSelector.labels`, DestinationRule `workloadSelector.matchLabels`,
 * PeerAuthentication, RequestAuthentication, AuthorizationPolicy and Telemetry
 * `selector.matchLabels`. Undefined when the kind has none or the config sets none.
 */
export function workloadSelectorOf(config: Config): Labels | undefined {
  const spec = isRecord(config.spec) ? config.spec : {};
  switch (config.kind) {
    case 'Gateway':
      return labelMapAt(spec, ['selector']);
    case 'Sidecar':
    case 'ServiceEntry':
      return labelMapAt(spec, ['workloadSelector', 'labels']);
    case 'DestinationRule':
      return labelMapAt(spec, ['workloadSelector', 'matchLabels']);
    case 'PeerAuthentication':
    case 'RequestAuthentication':
    case 'AuthorizationPolicy':
    case 'Telemetry':
      return labelMapAt(spec, ['selector', 'matchLabels']);
    default:
      return undefined;
  }
}

function labelMapAt(spec: Record<string, unknown>, path: readonly string[]): Labels | undefined {
  let value: unknown = spec;
  for (const key of path) value = isRecord(value) ? value[key] : undefined;
  if (!isRecord(value)) return undefined;
  const out: Record<string, string> = {};
  // A value that is not a string cannot equal any label value: keep it so it matches nothing.
  for (const [key, entry] of Object.entries(value)) out[key] = typeof entry === 'string' ? entry : `\u0000${key}`;
  return out;
}

const POLICY_KINDS: ReadonlySet<string> = new Set([
  'PeerAuthentication',
  'RequestAuthentication',
  'AuthorizationPolicy',
  'Telemetry',
]);

export interface WorkloadRef {
  readonly namespace: string;
  readonly labels: Labels;
}

/**
 * Does a selector-based policy (PeerAuthentication, RequestAuthentication, AuthorizationPolicy,
 * Telemetry) apply to a workload? It must be in the workload's namespace or in the root namespace
 * (where it reaches the whole mesh), and its selector must match. A policy with `targetRef(s)`
 * attaches to Gateway API resources instead and applies to no workload by labels. Other kinds
 * (e.g. Sidecar, whose root-namespace copy is only a fallback) are not decided here: false.
 */
export function policySelectsWorkload(policy: Config, workload: WorkloadRef, rootNamespace: string): boolean {
  if (!POLICY_KINDS.has(policy.kind)) return false;
  if (policy.namespace !== workload.namespace && policy.namespace !== rootNamespace) return false;
  const spec = isRecord(policy.spec) ? policy.spec : {};
  if (spec.targetRef !== undefined || spec.targetRefs !== undefined) return false;
  return selectorMatches(workloadSelectorOf(policy), workload.labels);
}
