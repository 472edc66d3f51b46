/**
 * What a policy applies to: a workload `selector` ({matchLabels}) or a `targetRef`/`targetRefs`
 * to a Service, ServiceEntry or Gateway in the policy's namespace; at most one of the three.
 */
import type { Field } from '../walker';
import { checkSelectorLabels } from './labels';

const TARGET_REF_FIELDS = ['group', 'kind', 'name', 'namespace'] as const;
const SELECTOR_FIELDS = ['matchLabels'] as const;

/** group/kind pairs a policy may target; '' is the Kubernetes core group. */
const ALLOWED_TARGETS: ReadonlyArray<{ group: string; kind: string }> = [
  { group: '', kind: 'Service' },
  { group: 'networking.istio.io', kind: 'ServiceEntry' },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway' },
];

export function checkTargetRef(field: Field): void {
  const ref = field.struct(TARGET_REF_FIELDS);
  if (!ref) return;
  const name = ref.field('name').string();
  if (!name) ref.field('name').error('targetRef name is required');
  if (ref.field('namespace').string()) {
    ref.field('namespace').error('must not be set: cross-namespace targetRef is not supported');
  }
  const group = ref.field('group').string() ?? '';
  const kind = ref.field('kind').string();
  if (kind === undefined) {
    ref.field('kind').error('targetRef kind is required');
    return;
  }
  const canonical = group === 'core' ? '' : group;
  if (!ALLOWED_TARGETS.some((t) => t.group === canonical && t.kind === kind)) {
    const allowed = ALLOWED_TARGETS.map((t) => `${t.group || 'core'}/${t.kind}`).join(', ');
    ref.error(`targetRef must refer to one of ${allowed} (got ${group || 'core'}/${kind})`);
  }
}

export function checkPolicySelector(field: Field): void {
  const selector = field.struct(SELECTOR_FIELDS);
  if (!selector) return;
  checkSelectorLabels(selector.field('matchLabels'), 'the policy applies to every workload in the namespace');
}

/** `selector`, `targetRef` and `targetRefs` of a policy spec (AuthorizationPolicy, RequestAuthentication, Telemetry). */
export function checkPolicyTargets(spec: Field, selector: Field, targetRef: Field, targetRefs: Field): void {
  const set = [selector, targetRef, targetRefs].filter((f) => f.present).map((f) => f.path[f.path.length - 1]);
  if (set.length > 1) spec.error(`only one of selector, targetRef or targetRefs may be set (found ${set.join(', ')})`);
  checkPolicySelector(selector);
  checkTargetRef(targetRef);
  for (const ref of targetRefs.list() ?? []) checkTargetRef(ref);
}
