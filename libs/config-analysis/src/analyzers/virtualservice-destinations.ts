/**
 * IST0101 (host, mirror host, host:port): every destination of a VirtualService must be a service
 * the VirtualService's namespace can see (a Kubernetes Service or a ServiceEntry host), and a
 * destination port must be one of that service's ports.
 */
import { resolveShortName } from '@mesh/config-model';
import type { Analyzer } from '../analyzer';
import { ReferencedResourceNotFound } from '../message-types';
import { registryServices, servicesForHost } from '../registry';
import { routeDestinations } from './route-destinations';

export const virtualServiceDestinationsAnalyzer: Analyzer = {
  name: 'virtualservice.destinations',
  description: 'Checks that the destination hosts and ports of each VirtualService exist',
  inputs: ['VirtualService', 'Service', 'ServiceEntry'],
  reports: [ReferencedResourceNotFound],
  analyze(context) {
    const registry = registryServices(context);
    for (const vs of context.list('VirtualService')) {
      for (const { destination, path, mirror } of routeDestinations(vs.spec)) {
        const host = resolveShortName(destination.host, vs.namespace, context.domainSuffix);
        const services = servicesForHost(registry, host, vs.namespace);
        if (services.length === 0) {
          context.report(
            ReferencedResourceNotFound,
            vs,
            [mirror ? 'mirror host' : 'host', destination.host],
            [...path, 'host'],
          );
          continue;
        }
        const port = destination.port?.number;
        if (port === undefined) continue;
        const declaresPorts = services.some((s) => s.ports.length > 0);
        if (declaresPorts && !services.some((s) => s.ports.some((p) => p.number === port))) {
          context.report(
            ReferencedResourceNotFound,
            vs,
            ['host:port', `${destination.host}:${port}`],
            [...path, 'port', 'number'],
          );
        }
      }
    }
  },
};
