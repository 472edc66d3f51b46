/**
 * IST0118 (and IST0150 for ExternalName services): a Service port whose protocol the mesh cannot
 * tell from `appProtocol` or the `<protocol>[-<suffix>]` name convention. Such ports are sniffed
 * (slower first bytes, and server-first protocols break). Kubernetes' own namespaces and the mesh's
 * gateway and control-plane Services (label `istio`) are left alone, as Istio does.
 */
import { protocolFromPortName } from '@mesh/config-model';
import type { Analyzer } from '../analyzer';
import { ExternalNameServiceTypeInvalidPortName, PortNameIsNotUnderNamingConvention } from '../message-types';

const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'local-path-storage',
]);
const CONTROL_PLANE_LABELS: ReadonlySet<string> = new Set([
  'pilot',
  'istiod',
  'ingressgateway',
  'egressgateway',
  'eastwestgateway',
]);

export const servicePortNamesAnalyzer: Analyzer = {
  name: 'service.port-names',
  description: 'Checks that Service ports declare their protocol by name or appProtocol',
  inputs: ['Service'],
  reports: [PortNameIsNotUnderNamingConvention, ExternalNameServiceTypeInvalidPortName],
  analyze(context) {
    for (const service of context.list('Service')) {
      if (SYSTEM_NAMESPACES.has(service.namespace)) continue;
      if (CONTROL_PLANE_LABELS.has(service.labels.istio ?? '')) continue;
      const externalName = service.spec.type === 'ExternalName';
      (service.spec.ports ?? []).forEach((port, index) => {
        const protocol = protocolFromPortName(port.name, port.appProtocol, { transport: port.protocol });
        const unknown = protocol === 'UNKNOWN';
        const path = ['spec', 'ports', index];
        if (externalName && (unknown || port.name === 'tcp')) {
          context.report(ExternalNameServiceTypeInvalidPortName, service, [], path);
        } else if (unknown) {
          const targetPort = String(port.targetPort ?? port.port);
          context.report(PortNameIsNotUnderNamingConvention, service, [port.name ?? '', port.port, targetPort], path);
        }
      });
    }
  },
};
