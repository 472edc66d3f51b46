/**
 * Test-only generators that build real Envoy resources from the PushContext (a cluster per
 * service port, its endpoints) and record what each call saw. Not exported.
 */
import type { Proxy, PushContext, PushRequest } from '@mesh/mesh-model';
import { Cluster, ClusterLoadAssignment, packAny, TypeUrl } from '@mesh/xds';
import { Cluster_DiscoveryType } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { GeneratorRegistry, type GeneratedResources, type WatchedResource } from '../../xds-server';

export interface SeenCall {
  readonly typeUrl: string;
  readonly proxyId: string;
  readonly version: string;
  readonly full: boolean;
  readonly edsHosts: readonly string[];
  /** VirtualServices of the proxy, as `name: spec` JSON, in the PushContext it was given. */
  readonly virtualServices: readonly string[];
  readonly endpoints: Readonly<Record<string, readonly string[]>>;
}

export class RecordingGenerators {
  readonly calls: SeenCall[] = [];
  /** When set, the EDS generator throws it. */
  failEndpoints: string | undefined;

  registry(): GeneratorRegistry<PushContext> {
    return new GeneratorRegistry<PushContext>()
      .register('envoy', TypeUrl.Cluster, { generate: (p, w, push, r) => this.clusters(p, w, push, r) })
      .register('envoy', TypeUrl.ClusterLoadAssignment, { generate: (p, w, push, r) => this.endpoints(p, w, push, r) });
  }

  callsOf(typeUrl: string): SeenCall[] {
    return this.calls.filter((call) => call.typeUrl === typeUrl);
  }

  private record(typeUrl: string, proxy: Proxy, push: PushContext, request: PushRequest): void {
    const endpoints: Record<string, string[]> = {};
    for (const service of push.services()) {
      for (const port of service.ports) {
        endpoints[`${service.hostname}:${port.port}`] = push
          .endpointsForServicePort(service, port.port)
          .map((e) => e.address)
          .sort();
      }
    }
    this.calls.push({
      typeUrl,
      proxyId: proxy.id,
      version: push.version,
      full: request.full,
      edsHosts: [...request.edsHosts].sort(),
      virtualServices: push.virtualServicesFor(proxy).map((vs) => `${vs.name}: ${JSON.stringify(vs.spec)}`),
      endpoints,
    });
  }

  private clusters(
    proxy: Proxy,
    _watched: WatchedResource,
    push: PushContext,
    request: PushRequest,
  ): GeneratedResources {
    this.record(TypeUrl.Cluster, proxy, push, request);
    const resources = push.servicesFor(proxy).flatMap((service) =>
      service.ports.map((port) => {
        const name = `outbound|${port.port}||${service.hostname}`;
        return {
          name,
          resource: packAny(
            Cluster,
            Cluster.fromPartial({ name, type: Cluster_DiscoveryType.EDS, connectTimeout: { seconds: 1 } }),
          ),
        };
      }),
    );
    return { resources };
  }

  private endpoints(
    proxy: Proxy,
    watched: WatchedResource,
    push: PushContext,
    request: PushRequest,
  ): GeneratedResources {
    this.record(TypeUrl.ClusterLoadAssignment, proxy, push, request);
    if (this.failEndpoints) throw new Error(this.failEndpoints);
    const resources = [...watched.resourceNames].flatMap((name) => {
      const [, port, , hostname] = name.split('|');
      const service = push.service(hostname);
      if (!service) return [];
      const addresses = push.endpointsForServicePort(service, Number(port));
      const assignment = ClusterLoadAssignment.fromPartial({
        clusterName: name,
        endpoints: [
          {
            lbEndpoints: addresses.map((e) => ({
              endpoint: { address: { socketAddress: { address: e.address, portValue: e.port } } },
            })),
          },
        ],
      });
      return [{ name, resource: packAny(ClusterLoadAssignment, assignment) }];
    });
    return { resources };
  }
}
