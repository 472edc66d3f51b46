/** The analyzers `analyze` runs by default, in one place. */
import type { Analyzer } from '../analyzer';
import { destinationRuleCaCertificatesAnalyzer } from './destinationrule-ca-certificates';
import { destinationRuleSubsetsAnalyzer } from './destinationrule-subsets';
import { gatewayConflictsAnalyzer } from './gateway-conflicts';
import { gatewayWorkloadsAnalyzer } from './gateway-workloads';
import { mtlsConflictsAnalyzer } from './mtls-conflicts';
import { namespaceInjectionAnalyzer } from './namespace-injection';
import { servicePortNamesAnalyzer } from './service-port-names';
import { virtualServiceDestinationsAnalyzer } from './virtualservice-destinations';
import { virtualServiceGatewaysAnalyzer } from './virtualservice-gateways';
import { virtualServiceMeshHostsAnalyzer } from './virtualservice-mesh-hosts';
import { virtualServiceRulesAnalyzer } from './virtualservice-rules';
import { virtualServiceSubsetsAnalyzer } from './virtualservice-subsets';

export const allAnalyzers: readonly Analyzer[] = [
  destinationRuleCaCertificatesAnalyzer,
  destinationRuleSubsetsAnalyzer,
  gatewayConflictsAnalyzer,
  gatewayWorkloadsAnalyzer,
  mtlsConflictsAnalyzer,
  namespaceInjectionAnalyzer,
  servicePortNamesAnalyzer,
  virtualServiceDestinationsAnalyzer,
  virtualServiceGatewaysAnalyzer,
  virtualServiceMeshHostsAnalyzer,
  virtualServiceRulesAnalyzer,
  virtualServiceSubsetsAnalyzer,
];
