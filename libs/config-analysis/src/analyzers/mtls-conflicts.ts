/**
 * IST0113: a DestinationRule and a PeerAuthentication that cannot both hold. Clients following a
 * rule with `tls.mode: ISTIO_MUTUAL` send mutual TLS to workloads whose effective PeerAuthentication
 * is `DISABLE` (they only accept plain text); clients following `DISABLE` send plain text to
 * workloads that are `STRICT`. Either way every request fails. (Istio retired its own check with
 * the alpha authentication API; this is the documented meaning applied to the v1 APIs.)
 *
 * The workloads behind a rule are the pods its host's Services select (narrowed by the subset's
 * labels for a subset's policy). Their mode is the most specific PeerAuthentication: one whose
 * selector matches the pod, else the namespace's (no selector), else the mesh's (root namespace);
 * `UNSET` defers to the next. Port-level modes are not considered. When no pods are known, the
 * namespace or mesh policy still applies to whatever runs there, so it is checked on its own.
 */
import {
  resolveShortName,
  selectorMatches,
  serviceSelectorMatches,
  type ClientTLSSettings,
  type ConfigOfKind,
  type FieldPath,
  type MutualTLSMode,
} from '@mesh/config-model';
import type { AnalysisContext, Analyzer } from '../analyzer';
import { MTLSPolicyConflict } from '../message-types';
import { registryServices, servicesForHost } from '../registry';

type PeerAuthentication = ConfigOfKind<'PeerAuthentication'>;

export const mtlsConflictsAnalyzer: Analyzer = {
  name: 'destinationrule.mtls-conflicts',
  description: 'Checks DestinationRule TLS modes against the PeerAuthentication of the workloads they reach',
  inputs: ['DestinationRule', 'PeerAuthentication', 'Service', 'ServiceEntry', 'Pod'],
  reports: [MTLSPolicyConflict],
  analyze(context) {
    const policies = context.list('PeerAuthentication');
    const registry = registryServices(context).filter((s) => s.config.kind === 'Service');
    for (const rule of context.list('DestinationRule')) {
      const host = resolveShortName(rule.spec.host, rule.namespace, context.domainSuffix);
      const services = servicesForHost(registry, host, rule.namespace);
      const settings: { tls?: ClientTLSSettings; path: FieldPath; subsetLabels?: Record<string, string> }[] = [
        { tls: rule.spec.trafficPolicy?.tls, path: ['spec', 'trafficPolicy', 'tls', 'mode'] },
        ...(rule.spec.subsets ?? []).map((subset, i) => ({
          tls: subset.trafficPolicy?.tls,
          path: ['spec', 'subsets', i, 'trafficPolicy', 'tls', 'mode'] as FieldPath,
          subsetLabels: subset.labels ?? {},
        })),
      ];
      for (const { tls, path, subsetLabels } of settings) {
        const mode = tls?.mode;
        if (mode !== 'ISTIO_MUTUAL' && mode !== 'DISABLE') continue;
        const conflicting: MutualTLSMode = mode === 'ISTIO_MUTUAL' ? 'DISABLE' : 'STRICT';
        for (const service of services) {
          const namespace = service.config.namespace;
          const pods = context
            .workloads()
            .filter((w) => w.namespace === namespace && serviceSelectorMatches(service.selector, w.labels))
            .filter((w) => selectorMatches(subsetLabels, w.labels));
          const deciding =
            pods.length > 0
              ? pods.map((pod) => effectivePolicy(policies, context, namespace, pod.labels))
              : [effectivePolicy(policies, context, namespace, undefined)];
          const culprit = deciding.find((p) => p?.mode === conflicting)?.policy;
          if (culprit) {
            context.report(
              MTLSPolicyConflict,
              rule,
              [
                service.hostname,
                `${rule.namespace}/${rule.name}`,
                mode === 'ISTIO_MUTUAL',
                `${culprit.namespace}/${culprit.name}`,
                conflicting,
              ],
              path,
            );
          }
        }
      }
    }
  },
};

/** The policy deciding the mode of a workload (labels) or, without labels, of the namespace as a whole. */
function effectivePolicy(
  policies: readonly PeerAuthentication[],
  context: AnalysisContext,
  namespace: string,
  labels: Readonly<Record<string, string>> | undefined,
): { mode: MutualTLSMode; policy: PeerAuthentication } | undefined {
  const hasSelector = (p: PeerAuthentication): boolean => Object.keys(p.spec.selector?.matchLabels ?? {}).length > 0;
  const layers: PeerAuthentication[][] = [
    labels
      ? policies.filter(
          (p) => p.namespace === namespace && hasSelector(p) && selectorMatches(p.spec.selector?.matchLabels, labels),
        )
      : [],
    policies.filter((p) => p.namespace === namespace && !hasSelector(p)),
    policies.filter((p) => p.namespace === context.rootNamespace && !hasSelector(p)),
  ];
  for (const layer of layers) {
    const policy = layer.find((p) => p.spec.mtls?.mode !== undefined && p.spec.mtls.mode !== 'UNSET');
    if (policy?.spec.mtls?.mode) return { mode: policy.spec.mtls.mode, policy };
  }
  return undefined;
}
