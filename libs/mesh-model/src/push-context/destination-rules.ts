/**
 * DestinationRules indexed the way Istio looks them up for a client (proxy) namespace and a
 * service:
 * 1. rules in the proxy's own namespace (any exportTo that includes it; for a proxy in the root
 *    namespace, the root namespace's private rules);
 * 2. else rules in the service's namespace exported to the proxy's namespace;
 * 3. else rules in the root namespace exported to the proxy's namespace.
 * Within a namespace the most specific host wins (exact, else the longest matching wildcard).
 *
 * Several rules for one host in one pool are merged as Istio does (oldest first; rules with a
 * workloadSelector before those without): unique subsets are appended, the top-level
 * trafficPolicy of the first rule that has one is kept, nothing else is overwritten. Rules merge
 * only when their exportTo sets are equal (Istio's enhanced merge, its default); a rule exported
 * more widely than an existing one is merged into it and also kept on its own. Rules with a
 * workloadSelector merge only with rules of the same selector and are namespace-private; a rule
 * without a selector but with the same exportTo (`.`) is also merged into them (they inherit its
 * subsets) while staying a rule of its own.
 */
import {
  configKey,
  hostMatches,
  resolveShortName,
  type Config,
  type ConfigOfKind,
  type DestinationRuleSpec,
  type Labels,
} from '@mesh/config-model';
import { byCreation } from '../ordering';

export type DestinationRuleConfig = ConfigOfKind<'DestinationRule'>;

/** One or more DestinationRules for a host, merged. */
export interface MergedDestinationRule {
  /** The resolved host (short names expanded against the rule's namespace). */
  readonly host: string;
  /** Namespace and name of the first (oldest) rule merged in. */
  readonly namespace: string;
  readonly name: string;
  /** The merged spec, `host` resolved. */
  readonly spec: DestinationRuleSpec;
  /** Config keys of every rule merged in, first one first. */
  readonly from: readonly string[];
  /** exportTo as written (`.` kept); empty = mesh default. Rules with a selector: `{.}`. */
  readonly exportTo: ReadonlySet<string>;
  readonly workloadSelector?: Labels;
}

interface Pool {
  readonly specific: Map<string, MergedDestinationRule[]>;
  readonly wildcard: Map<string, MergedDestinationRule[]>;
}

function newPool(): Pool {
  return { specific: new Map(), wildcard: new Map() };
}

export class DestinationRuleIndex {
  private readonly namespaceLocal = new Map<string, Pool>();
  private readonly exportedByNamespace = new Map<string, Pool>();
  private readonly rootLocal = newPool();
  private readonly memo = new Map<string, readonly MergedDestinationRule[]>();

  constructor(
    configs: readonly Config[],
    private readonly rootNamespace: string,
    meshDefaultExportTo: readonly string[],
    private readonly domainSuffix: string,
  ) {
    const rules = [...(configs as readonly DestinationRuleConfig[])].sort(
      (a, b) => Number(!a.spec.workloadSelector) - Number(!b.spec.workloadSelector) || byCreation(a, b),
    );
    for (const rule of rules) {
      const ns = rule.namespace;
      const exportTo = rule.spec.workloadSelector ? new Set(['.']) : new Set(rule.spec.exportTo ?? []);
      if (exportTo.size === 0 || exportTo.has('*') || exportTo.has('.') || exportTo.has(ns)) {
        this.merge(poolOf(this.namespaceLocal, ns), rule, exportTo);
      }
      const privateOnly =
        (exportTo.size === 0 && meshDefaultExportTo.includes('.') && !meshDefaultExportTo.includes('*')) ||
        (exportTo.size === 1 && (exportTo.has('.') || exportTo.has(ns)));
      if (!privateOnly) this.merge(poolOf(this.exportedByNamespace, ns), rule, exportTo);
      else if (ns === rootNamespace) this.merge(this.rootLocal, rule, exportTo);
    }
  }

  /**
   * The merged rules that apply to traffic from `clientNamespace` to a service (several when
   * rules with workload selectors exist; pick with `selectDestinationRule`). `serviceNamespace`
   * undefined: the service's namespace is unknown and step 2 is skipped.
   */
  lookup(
    clientNamespace: string,
    hostname: string,
    serviceNamespace: string | undefined,
  ): readonly MergedDestinationRule[] {
    const memoKey = `${clientNamespace}\u0000${serviceNamespace ?? ''}\u0000${hostname}`;
    const cached = this.memo.get(memoKey);
    if (cached) return cached;
    const found = this.find(clientNamespace, hostname, serviceNamespace);
    this.memo.set(memoKey, found);
    return found;
  }

  private find(
    clientNamespace: string,
    hostname: string,
    serviceNamespace: string | undefined,
  ): readonly MergedDestinationRule[] {
    const own = clientNamespace === this.rootNamespace ? this.rootLocal : this.namespaceLocal.get(clientNamespace);
    const local = own && mostSpecific(own, hostname);
    if (local) return local;
    if (serviceNamespace !== undefined) {
      const exported = this.exportedFrom(serviceNamespace, hostname, clientNamespace);
      if (exported.length > 0) return exported;
    }
    return this.exportedFrom(this.rootNamespace, hostname, clientNamespace);
  }

  private exportedFrom(owner: string, hostname: string, clientNamespace: string): readonly MergedDestinationRule[] {
    const pool = this.exportedByNamespace.get(owner);
    const rules = pool && mostSpecific(pool, hostname);
    if (!rules) return [];
    return rules.filter(
      (rule) => rule.exportTo.size === 0 || rule.exportTo.has('*') || rule.exportTo.has(clientNamespace),
    );
  }

  private merge(pool: Pool, rule: DestinationRuleConfig, exportTo: ReadonlySet<string>): void {
    const host = resolveShortName(rule.spec.host, rule.namespace, this.domainSuffix);
    const map = host.startsWith('*') ? pool.wildcard : pool.specific;
    const list = map.get(host);
    const incoming = fromRule(rule, host, exportTo);
    if (!list) {
      map.set(host, [incoming]);
      return;
    }
    let appendSeparately = true;
    for (let i = 0; i < list.length; i++) {
      const existing = list[i];
      const sameExport = sameSet(exportTo, existing.exportTo);
      const widerExport = existing.exportTo.size > 0 && isSuperset(exportTo, existing.exportTo);
      if (!sameExport && !widerExport) continue;
      const bothWithout = !incoming.workloadSelector && !existing.workloadSelector;
      const bothWith = incoming.workloadSelector !== undefined && existing.workloadSelector !== undefined;
      const selectorsMatch = bothWith && sameLabels(incoming.workloadSelector!, existing.workloadSelector!);
      if (bothWith && !selectorsMatch) continue;
      // Rules are never changed in place: a merge makes a new object, so earlier lookups keep theirs.
      list[i] = mergeRules(existing, rule);
      if (sameExport && (bothWithout || selectorsMatch)) appendSeparately = false;
    }
    if (appendSeparately) list.push(incoming);
  }
}

/**
 * The rule a proxy uses among those `lookup` returned: one whose workloadSelector (in the proxy's
 * own namespace) matches the proxy's labels, else the catch-all without selector (the last one,
 * as Istio picks it).
 */
export function selectDestinationRule(
  rules: readonly MergedDestinationRule[],
  proxy: { readonly namespace: string; readonly labels: Labels },
): MergedDestinationRule | undefined {
  let catchAll: MergedDestinationRule | undefined;
  for (const rule of rules) {
    if (!rule.workloadSelector) {
      catchAll = rule;
      continue;
    }
    if (rule.namespace !== proxy.namespace) continue;
    if (Object.entries(rule.workloadSelector).every(([key, value]) => proxy.labels[key] === value)) return rule;
  }
  return catchAll;
}

function fromRule(rule: DestinationRuleConfig, host: string, exportTo: ReadonlySet<string>): MergedDestinationRule {
  const selector = rule.spec.workloadSelector?.matchLabels;
  const merged: MergedDestinationRule = {
    host,
    namespace: rule.namespace,
    name: rule.name,
    spec: { ...rule.spec, host },
    from: [configKey(rule)],
    exportTo,
  };
  return rule.spec.workloadSelector ? { ...merged, workloadSelector: { ...(selector ?? {}) } } : merged;
}

function mergeRules(existing: MergedDestinationRule, rule: DestinationRuleConfig): MergedDestinationRule {
  const names = new Set((existing.spec.subsets ?? []).map((subset) => subset.name));
  const added = (rule.spec.subsets ?? []).filter((subset) => !names.has(subset.name));
  const spec: DestinationRuleSpec = { ...existing.spec };
  if (added.length > 0) spec.subsets = [...(existing.spec.subsets ?? []), ...added];
  if (!spec.trafficPolicy && rule.spec.trafficPolicy) spec.trafficPolicy = rule.spec.trafficPolicy;
  return { ...existing, spec, from: [...existing.from, configKey(rule)] };
}

function poolOf(pools: Map<string, Pool>, namespace: string): Pool {
  let pool = pools.get(namespace);
  if (!pool) pools.set(namespace, (pool = newPool()));
  return pool;
}

/** Exact host first, else the longest wildcard matching the hostname. */
function mostSpecific(pool: Pool, hostname: string): readonly MergedDestinationRule[] | undefined {
  const exact = pool.specific.get(hostname) ?? pool.wildcard.get(hostname);
  if (exact) return exact;
  let best: string | undefined;
  for (const pattern of pool.wildcard.keys()) {
    if (hostMatches(pattern, hostname) && (best === undefined || pattern.length > best.length)) best = pattern;
  }
  return best === undefined ? undefined : pool.wildcard.get(best);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((entry) => b.has(entry));
}

function isSuperset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return [...b].every((entry) => a.has(entry));
}

function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}
