/**
 * DestinationRule: policies for traffic to a host after routing (load balancing, connection
 * pools, outlier detection, TLS) and the named subsets routes can pick.
 */
import type { Config } from '@mesh/config-model';
import { checkExportTo } from '../rules/export-to';
import { isDNS1123Label, wildcardDomainProblem } from '../rules/hosts';
import { checkLabels } from '../rules/labels';
import { checkPolicySelector } from '../rules/policy-target';
import { checkTrafficPolicy } from '../rules/traffic-policy';
import type { Field } from '../walker';

const DESTINATION_RULE_FIELDS = ['host', 'trafficPolicy', 'subsets', 'exportTo', 'workloadSelector'] as const;
const SUBSET_FIELDS = ['name', 'labels', 'trafficPolicy'] as const;

export function validateDestinationRule(spec: Field, config: Config): void {
  const rule = spec.struct(DESTINATION_RULE_FIELDS);
  if (!rule) return;
  const host = rule.requiredString('host', 'host is required');
  if (host !== undefined) {
    const problem = wildcardDomainProblem(host);
    if (problem) rule.field('host').error(problem);
  }
  checkTrafficPolicy(rule.field('trafficPolicy'));
  const names = new Map<string, number>();
  (rule.field('subsets').list() ?? []).forEach((item, index) => {
    const subset = item.struct(SUBSET_FIELDS);
    if (!subset) return;
    const name = subset.requiredString('name', 'subset name is required');
    if (name !== undefined) {
      if (!isDNS1123Label(name)) subset.field('name').error(`"${name}" is not a valid subset name (DNS-1123 label)`);
      const first = names.get(name);
      if (first !== undefined) subset.field('name').error(`duplicate subset name "${name}" (also subsets[${first}])`);
      else names.set(name, index);
    }
    checkLabels(subset.field('labels'));
    checkTrafficPolicy(subset.field('trafficPolicy'));
  });
  const selector = rule.field('workloadSelector');
  checkPolicySelector(selector);
  checkExportTo(rule.field('exportTo'), config.namespace, { allowNone: false, selectorScoped: selector.present });
}
