/**
 * IST0101 (gateway) and IST0132: every gateway a VirtualService binds to must exist, and its hosts
 * must be served by those gateways' servers, or the gateway never routes them. A server host
 * `ns/host` only admits VirtualServices of namespace `ns` (`*` any). Reported for a gateway when it
 * serves none of the VirtualService's hosts (the binding is useless), and, for a VirtualService
 * bound to gateways only, when a host is served by none of its gateways (that host is routed
 * nowhere). Hosts a gateway lacks but another gateway or the sidecars (`mesh`) serve are expected.
 */
import { hostsIntersect, parseNamespacedHost, type ConfigOfKind } from '@mesh/config-model';
import type { Analyzer } from '../analyzer';
import { ReferencedResourceNotFound, VirtualServiceHostNotFoundInGateway } from '../message-types';
import { boundGateways, gatewayReference } from './route-destinations';

export const virtualServiceGatewaysAnalyzer: Analyzer = {
  name: 'virtualservice.gateways',
  description: 'Checks that the gateways of each VirtualService exist and serve its hosts',
  inputs: ['VirtualService', 'Gateway'],
  reports: [ReferencedResourceNotFound, VirtualServiceHostNotFoundInGateway],
  analyze(context) {
    for (const vs of context.list('VirtualService')) {
      const hosts = vs.spec.hosts ?? [];
      const bound: { gateway: ConfigOfKind<'Gateway'>; index: number }[] = [];
      (vs.spec.gateways ?? []).forEach((entry, index) => {
        if (entry === 'mesh') return;
        const ref = gatewayReference(entry, vs.namespace);
        const gateway = context.get('Gateway', ref.namespace, ref.name);
        if (gateway) bound.push({ gateway, index });
        else context.report(ReferencedResourceNotFound, vs, ['gateway', entry], ['spec', 'gateways', index]);
      });
      const servedBy = (gateway: ConfigOfKind<'Gateway'>, host: string): boolean =>
        (gateway.spec.servers ?? []).some((server) =>
          (server.hosts ?? []).some((entry) => {
            const allowed = parseNamespacedHost(entry, gateway.namespace);
            return (
              (allowed.namespace === '*' || allowed.namespace === vs.namespace) && hostsIntersect(allowed.host, host)
            );
          }),
        );
      const gatewaysOnly = !boundGateways(vs.spec).includes('mesh');
      const routedNowhere = hosts.filter((host) => !bound.some(({ gateway }) => servedBy(gateway, host)));
      for (const { gateway, index } of bound) {
        const missing = hosts.filter((host) => !servedBy(gateway, host));
        const reported = missing.length === hosts.length ? missing : gatewaysOnly ? routedNowhere : [];
        if (reported.length === 0) continue;
        context.report(
          VirtualServiceHostNotFoundInGateway,
          vs,
          [reported, `${vs.namespace}/${vs.name}`, `${gateway.namespace}/${gateway.name}`],
          ['spec', 'gateways', index],
        );
      }
    }
  },
};
