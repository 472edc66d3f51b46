/**
 * IST0101 (selector) and IST0104: a Gateway's selector must pick at least one gateway workload
 * (in any namespace, as gateways are looked up mesh-wide), and each server port must be one the
 * workload exposes: a container port of a selected pod, or the port or target port of a Service
 * (TCP) that selects those pods. Both spellings count because the gateway proxy listens on the
 * target port and clients use the Service port: Istio's samples write either (80 or 8080).
 */
import { selectorMatches, serviceSelectorMatches, type SpecOf } from '@mesh/config-model';
import type { Analyzer } from '../analyzer';
import { selectorText } from '../labels-text';
import { GatewayPortNotOnWorkload, ReferencedResourceNotFound } from '../message-types';
import type { Workload } from '../workloads';

export const gatewayWorkloadsAnalyzer: Analyzer = {
  name: 'gateway.workloads',
  description: 'Checks that each Gateway selects a workload and that its ports are exposed by that workload',
  inputs: ['Gateway', 'Pod', 'Service'],
  reports: [ReferencedResourceNotFound, GatewayPortNotOnWorkload],
  analyze(context) {
    const services = context.list('Service');
    for (const gateway of context.list('Gateway')) {
      const selector = gateway.spec.selector ?? {};
      // Without a selector the Gateway applies to every gateway proxy: nothing to check against.
      if (Object.keys(selector).length === 0) continue;
      const selected = context.workloads().filter((w) => selectorMatches(selector, w.labels));
      const firstKey = Object.keys(selector)[0];
      if (selected.length === 0) {
        context.report(
          ReferencedResourceNotFound,
          gateway,
          ['selector', selectorText(selector)],
          ['spec', 'selector', firstKey],
        );
        continue;
      }
      const exposed = new Set<number>();
      for (const workload of selected) {
        for (const port of workload.containerPorts) exposed.add(port.port);
        for (const service of services) {
          if (service.namespace !== workload.namespace) continue;
          if (!serviceSelectorMatches(service.spec.selector, workload.labels)) continue;
          for (const port of tcpPorts(service.spec)) {
            exposed.add(port.port);
            const target = resolveTargetPort(port.targetPort, port.port, workload);
            if (target !== undefined) exposed.add(target);
          }
        }
      }
      (gateway.spec.servers ?? []).forEach((server, index) => {
        const port = server.port?.number;
        if (port !== undefined && !exposed.has(port)) {
          context.report(
            GatewayPortNotOnWorkload,
            gateway,
            [selectorText(selector), port],
            ['spec', 'servers', index, 'port', 'number'],
          );
        }
      });
    }
  },
};

function tcpPorts(spec: SpecOf<'Service'>): NonNullable<SpecOf<'Service'>['ports']> {
  return (spec.ports ?? []).filter((port) => (port.protocol ?? 'TCP') === 'TCP');
}

/** A numeric targetPort, a named one looked up among the workload's container ports, or the port itself. */
function resolveTargetPort(
  targetPort: number | string | undefined,
  port: number,
  workload: Workload,
): number | undefined {
  if (targetPort === undefined) return port;
  if (typeof targetPort === 'number') return targetPort;
  return workload.containerPorts.find((p) => p.name === targetPort)?.port;
}
