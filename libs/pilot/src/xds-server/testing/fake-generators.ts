/**
 * Test-only generators serving canned Envoy resources from maps the test edits, recording every
 * call. Not exported from the lib.
 */
import type { Proxy, PushRequest } from '@mesh/mesh-model';
import {
  Cluster,
  ClusterLoadAssignment,
  Listener,
  packAny,
  RouteConfiguration,
  TypeUrl,
  type NamedCodec,
} from '@mesh/xds';
import {
  GeneratorRegistry,
  type GeneratedResources,
  type Generator,
  type PushContextLike,
  type WatchedResource,
} from '../generator';

export interface TestPushContext extends PushContextLike {
  readonly version: string;
}

export interface GeneratorCall {
  readonly typeUrl: string;
  readonly proxyId: string;
  readonly version: string;
  readonly full: boolean;
  readonly reasons: PushRequest['reasons'];
  readonly edsHosts: readonly string[];
  readonly names: readonly string[];
}

export function cluster(name: string, timeoutSeconds = 1): Cluster {
  return Cluster.fromPartial({ name, connectTimeout: { seconds: timeoutSeconds } });
}

export function endpoints(clusterName: string, ...addresses: string[]): ClusterLoadAssignment {
  return ClusterLoadAssignment.fromPartial({
    clusterName,
    endpoints: [
      {
        lbEndpoints: addresses.map((address) => ({
          endpoint: { address: { socketAddress: { address, portValue: 8080 } } },
        })),
      },
    ],
  });
}

export function listener(name: string, port: number): Listener {
  return Listener.fromPartial({ name, address: { socketAddress: { address: '0.0.0.0', portValue: port } } });
}

export function route(name: string, ...clusters: string[]): RouteConfiguration {
  return RouteConfiguration.fromPartial({
    name,
    virtualHosts: clusters.map((c) => ({
      name: c,
      domains: [c],
      routes: [{ match: { prefix: '/' }, route: { cluster: c } }],
    })),
  });
}

/** A gate a test closes to hold generators mid-push and opens to let them finish. */
export class Gate {
  private opened: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;

  close(): void {
    this.opened = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release?.();
    this.release = undefined;
  }

  wait(): Promise<void> {
    return this.opened;
  }
}

export class FakeGenerators {
  readonly clusters = new Map<string, Cluster>();
  readonly endpoints = new Map<string, ClusterLoadAssignment>();
  readonly listeners = new Map<string, Listener>();
  readonly routes = new Map<string, RouteConfiguration>();
  readonly calls: GeneratorCall[] = [];
  readonly gate = new Gate();
  /** When set, generators of this type throw it. */
  failType: string | undefined;
  /**
   * Like pilot's EDS generator: an incremental push answers only the assignments of the changed
   * hosts (cluster names ending in `|<host>`), marked partial.
   */
  partialIncrementalEndpoints = false;

  registry(): GeneratorRegistry<TestPushContext> {
    const registry = new GeneratorRegistry<TestPushContext>();
    registry.register('envoy', TypeUrl.Cluster, this.generatorOf(TypeUrl.Cluster, Cluster, this.clusters));
    registry.register(
      'envoy',
      TypeUrl.ClusterLoadAssignment,
      this.generatorOf(TypeUrl.ClusterLoadAssignment, ClusterLoadAssignment, this.endpoints),
    );
    registry.register('envoy', TypeUrl.Listener, this.generatorOf(TypeUrl.Listener, Listener, this.listeners));
    registry.register(
      'envoy',
      TypeUrl.RouteConfiguration,
      this.generatorOf(TypeUrl.RouteConfiguration, RouteConfiguration, this.routes),
    );
    return registry;
  }

  callsOf(typeUrl: string): GeneratorCall[] {
    return this.calls.filter((c) => c.typeUrl === typeUrl);
  }

  private generatorOf<T>(
    typeUrl: string,
    codec: NamedCodec<T>,
    store: ReadonlyMap<string, T>,
  ): Generator<TestPushContext> {
    return {
      generate: async (
        proxy: Proxy,
        watched: WatchedResource,
        push: TestPushContext,
        request: PushRequest,
      ): Promise<GeneratedResources> => {
        this.calls.push({
          typeUrl,
          proxyId: proxy.id,
          version: push.version,
          full: request.full,
          reasons: request.reasons,
          edsHosts: [...request.edsHosts],
          names: [...watched.resourceNames],
        });
        await this.gate.wait();
        if (this.failType === typeUrl) throw new Error(`fake generator for ${typeUrl} failed`);
        let names = watched.resourceNames.size === 0 ? [...store.keys()] : [...watched.resourceNames];
        const partial = this.partialIncrementalEndpoints && typeUrl === TypeUrl.ClusterLoadAssignment && !request.full;
        if (partial) names = names.filter((name) => request.edsHosts.has(name.slice(name.lastIndexOf('|') + 1)));
        const resources = [];
        for (const name of names) {
          const message = store.get(name);
          if (message !== undefined) resources.push({ name, resource: packAny(codec, message) });
        }
        return partial ? { resources, partial } : { resources };
      },
    };
  }
}
