/**
 * IST0101 (host+subset in destinationrule): a destination subset must be defined by the
 * DestinationRule that applies to the destination host: one for exactly that host if there is one,
 * else the most specific wildcard rule covering it (as the proxy picks them), among the rules the
 * VirtualService's namespace can see.
 */
import { isSubsetOf, isWildcardHost, resolveShortName, type ConfigOfKind } from '@mesh/config-model';
import type { Analyzer } from '../analyzer';
import { ReferencedResourceNotFound } from '../message-types';
import { isVisibleFrom, visibility } from '../registry';
import { routeDestinations } from './route-destinations';

export const virtualServiceSubsetsAnalyzer: Analyzer = {
  name: 'virtualservice.subsets',
  description: 'Checks that the destination subsets of each VirtualService are defined by a DestinationRule',
  inputs: ['VirtualService', 'DestinationRule'],
  reports: [ReferencedResourceNotFound],
  analyze(context) {
    const rules = context.list('DestinationRule').map((rule) => ({
      rule,
      host: resolveShortName(rule.spec.host, rule.namespace, context.domainSuffix).toLowerCase(),
      visibleTo: visibility(rule.spec.exportTo, rule.namespace),
    }));
    for (const vs of context.list('VirtualService')) {
      for (const { destination, path, mirror } of routeDestinations(vs.spec)) {
        const subset = destination.subset;
        if (subset === undefined || subset === '') continue;
        const host = resolveShortName(destination.host, vs.namespace, context.domainSuffix).toLowerCase();
        const visible = rules.filter(
          (r) => r.rule.namespace === vs.namespace || isVisibleFrom(r.visibleTo, vs.namespace),
        );
        const applying = applyingRules(visible, host);
        if (!applying.some((rule) => (rule.spec.subsets ?? []).some((s) => s.name === subset))) {
          context.report(
            ReferencedResourceNotFound,
            vs,
            [
              mirror ? 'mirror+subset in destinationrule' : 'host+subset in destinationrule',
              `${destination.host}+${subset}`,
            ],
            [...path, 'subset'],
          );
        }
      }
    }
  },
};

function applyingRules(
  rules: readonly { rule: ConfigOfKind<'DestinationRule'>; host: string }[],
  host: string,
): ConfigOfKind<'DestinationRule'>[] {
  const exact = rules.filter((r) => r.host === host);
  if (exact.length > 0) return exact.map((r) => r.rule);
  const covering = rules.filter((r) => isWildcardHost(r.host) && isSubsetOf(host, r.host));
  // The most specific wildcard wins: the longest pattern among those covering the host.
  const longest = Math.max(-1, ...covering.map((r) => r.host.length));
  return covering.filter((r) => r.host.length === longest).map((r) => r.rule);
}
