/**
 * IST0174 and IST0173: a DestinationRule's host must be a service of the mesh (a Kubernetes Service
 * or a ServiceEntry host), and each subset must select at least one instance of it: requests routed
 * to an empty subset fail with 503 (no healthy upstream). The instances are the workloads the
 * service selects, in its namespace (pods, pod templates of controllers read from files,
 * WorkloadEntries for a ServiceEntry's selector), or a ServiceEntry's inline endpoints. A service
 * that selects nothing itself (a Service without selector, an external ServiceEntry) has endpoints
 * the analysis cannot see, so its subsets are not judged.
 */
import { resolveShortName, selectorMatches } from '@mesh/config-model';
import type { Analyzer } from '../analyzer';
import { DestinationRuleSubsetNotSelectPods, UnknownDestinationRuleHost } from '../message-types';
import { registryServices, servicesForHost, type RegistryService } from '../registry';

export const destinationRuleSubsetsAnalyzer: Analyzer = {
  name: 'destinationrule.subsets',
  description: 'Checks that DestinationRule hosts exist and that their subsets select workloads',
  inputs: ['DestinationRule', 'Service', 'ServiceEntry', 'WorkloadEntry', 'Pod'],
  reports: [UnknownDestinationRuleHost, DestinationRuleSubsetNotSelectPods],
  analyze(context) {
    const registry = registryServices(context);
    const workloadEntries = context.list('WorkloadEntry');
    const instanceLabels = (service: RegistryService): Readonly<Record<string, string>>[] | undefined => {
      const inline = service.endpointLabels;
      if (!service.selector) return inline.length > 0 ? [...inline] : undefined;
      const namespace = service.config.namespace;
      const selector = service.selector;
      const pods = context.workloads().filter((w) => w.namespace === namespace && selectorMatches(selector, w.labels));
      const entries =
        service.config.kind === 'ServiceEntry'
          ? workloadEntries.filter((e) => e.namespace === namespace && selectorMatches(selector, e.spec.labels ?? {}))
          : [];
      return [...inline, ...pods.map((p) => p.labels), ...entries.map((e) => e.spec.labels ?? {})];
    };
    for (const rule of context.list('DestinationRule')) {
      const host = resolveShortName(rule.spec.host, rule.namespace, context.domainSuffix);
      const services = servicesForHost(registry, host, rule.namespace);
      if (services.length === 0) {
        context.report(UnknownDestinationRuleHost, rule, [rule.spec.host], ['spec', 'host']);
        continue;
      }
      const known = services.map(instanceLabels).filter((labels) => labels !== undefined);
      if (known.length === 0) continue;
      const instances = known.flat();
      (rule.spec.subsets ?? []).forEach((subset, index) => {
        if (!instances.some((labels) => selectorMatches(subset.labels ?? {}, labels))) {
          context.report(DestinationRuleSubsetNotSelectPods, rule, [subset.name], ['spec', 'subsets', index, 'name']);
        }
      });
    }
  },
};
