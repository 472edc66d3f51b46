/**
 * Security and telemetry policies that select workloads by labels (PeerAuthentication,
 * RequestAuthentication, AuthorizationPolicy, Telemetry): those in the workload's namespace and
 * in the root namespace (which reaches the whole mesh) whose selector matches, oldest first.
 * Policies attached with `targetRef(s)` select no workload by labels (see policySelectsWorkload).
 */
import {
  configKey,
  policySelectsWorkload,
  type Config,
  type ConfigOfKind,
  type MutualTLSMode,
  type WorkloadRef,
} from '@mesh/config-model';
import { byCreation } from '../ordering';

export type PolicyKind = 'PeerAuthentication' | 'RequestAuthentication' | 'AuthorizationPolicy' | 'Telemetry';

export class PolicyIndex<K extends PolicyKind> {
  private readonly byNamespace = new Map<string, ConfigOfKind<K>[]>();

  constructor(
    configs: readonly Config[],
    private readonly rootNamespace: string,
  ) {
    for (const config of [...(configs as readonly ConfigOfKind<K>[])].sort(byCreation)) {
      let list = this.byNamespace.get(config.namespace);
      if (!list) this.byNamespace.set(config.namespace, (list = []));
      list.push(config);
    }
  }

  /** Policies applying to the workload: its namespace's first, then the root namespace's; each oldest first. */
  forWorkload(workload: WorkloadRef): readonly ConfigOfKind<K>[] {
    const namespaces =
      workload.namespace === this.rootNamespace ? [workload.namespace] : [workload.namespace, this.rootNamespace];
    const out: ConfigOfKind<K>[] = [];
    for (const namespace of namespaces) {
      for (const policy of this.byNamespace.get(namespace) ?? []) {
        if (policySelectsWorkload(policy, workload, this.rootNamespace)) out.push(policy);
      }
    }
    return out;
  }

  /** Every policy of the kind in a namespace, oldest first. */
  inNamespace(namespace: string): readonly ConfigOfKind<K>[] {
    return this.byNamespace.get(namespace) ?? [];
  }
}

/** The mTLS mode a workload's inbound traffic gets (UNSET is resolved away). */
export type EffectiveMtlsMode = Exclude<MutualTLSMode, 'UNSET'>;

export interface EffectivePeerAuthentication {
  readonly mode: EffectiveMtlsMode;
  /** Ports with their own mode (from the workload-level policy's portLevelMtls). */
  readonly portModes: ReadonlyMap<number, EffectiveMtlsMode>;
  /** Config keys of the policies that decided it: mesh, namespace, workload level (those present). */
  readonly from: readonly string[];
}

/**
 * Istio's composition of the PeerAuthentications applying to one workload: the narrowest scope
 * decides (workload-level with a selector in the workload's namespace > namespace-level without
 * selector > mesh-level without selector in the root namespace); within a scope the oldest
 * wins; UNSET inherits from the wider scope; with nothing set the mode is PERMISSIVE. A policy
 * with a selector in the root namespace is not a workload-level policy (Istio ignores it here).
 */
export function composePeerAuthentication(
  policies: readonly ConfigOfKind<'PeerAuthentication'>[],
  rootNamespace: string,
): EffectivePeerAuthentication {
  let mesh: ConfigOfKind<'PeerAuthentication'> | undefined;
  let namespace: ConfigOfKind<'PeerAuthentication'> | undefined;
  let workload: ConfigOfKind<'PeerAuthentication'> | undefined;
  const older = (a: Config | undefined, b: Config) => (a === undefined || byCreation(b, a) < 0 ? b : a);
  for (const policy of policies) {
    const hasSelector = Object.keys(policy.spec.selector?.matchLabels ?? {}).length > 0;
    if (!hasSelector) {
      if (policy.namespace === rootNamespace) mesh = older(mesh, policy) as typeof policy;
      else namespace = older(namespace, policy) as typeof policy;
    } else if (policy.namespace !== rootNamespace) {
      workload = older(workload, policy) as typeof policy;
    }
  }
  let mode: EffectiveMtlsMode = 'PERMISSIVE';
  const from: string[] = [];
  for (const level of [mesh, namespace, workload]) {
    if (!level) continue;
    from.push(configKey(level));
    const set = level.spec.mtls?.mode;
    if (set && set !== 'UNSET') mode = set;
  }
  const portModes = new Map<number, EffectiveMtlsMode>();
  for (const [port, setting] of Object.entries(workload?.spec.portLevelMtls ?? {})) {
    const number = Number(port);
    if (!Number.isInteger(number)) continue;
    const set = setting.mode;
    portModes.set(number, set && set !== 'UNSET' ? set : mode);
  }
  return { mode, portModes, from };
}
