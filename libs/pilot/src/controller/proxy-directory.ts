/**
 * The Proxy (labels, metadata, generator family) behind each connected node ID, so the debug
 * server can run generators for a proxy exactly as its stream does.
 *
 * Why a wrapper: the ADS server parses the Proxy from the first request's node but exposes only
 * its ID and type (ConnectionSummary). Until it exposes the Proxy itself, the registry handed to
 * the server is wrapped so that every generate call records the proxy it was made for. Entries of
 * proxies that are no longer connected are dropped as new ones arrive.
 */
import type { Proxy, ProxyGenerator } from '@mesh/mesh-model';
import { GeneratorRegistry, type Generator, type PushContextLike } from '../xds-server';

const FAMILIES: readonly ProxyGenerator[] = ['envoy', 'grpc'];
/** Stale entries tolerated beyond the connected count before a prune. */
const SLACK = 64;

export class ProxyDirectory {
  private readonly byId = new Map<string, Proxy>();
  private connectedIds: () => Iterable<string> = () => [];

  /** Tells the directory which proxy IDs are connected (e.g. from DiscoveryServer.connections()). */
  attach(connectedIds: () => Iterable<string>): void {
    this.connectedIds = connectedIds;
  }

  /** A registry with the same generators, each recording the proxy of every call. */
  observe<P extends PushContextLike>(registry: GeneratorRegistry<P>): GeneratorRegistry<P> {
    const observed = new GeneratorRegistry<P>();
    for (const family of FAMILIES) {
      for (const typeUrl of registry.typeUrls(family)) {
        const generator = registry.lookup(family, typeUrl);
        if (generator) observed.register(family, typeUrl, this.recording(generator));
      }
    }
    return observed;
  }

  /** The proxy last seen with this node ID, if it is still connected. */
  lookup(proxyId: string): Proxy | undefined {
    const proxy = this.byId.get(proxyId);
    if (!proxy) return undefined;
    for (const id of this.connectedIds()) if (id === proxyId) return proxy;
    this.byId.delete(proxyId);
    return undefined;
  }

  record(proxy: Proxy): void {
    if (this.byId.get(proxy.id) === proxy) return;
    this.byId.set(proxy.id, proxy);
    const live = new Set(this.connectedIds());
    if (this.byId.size > live.size + SLACK) {
      for (const id of [...this.byId.keys()]) if (!live.has(id) && id !== proxy.id) this.byId.delete(id);
    }
  }

  private recording<P extends PushContextLike>(generator: Generator<P>): Generator<P> {
    return {
      generate: (proxy, watched, push, request) => {
        this.record(proxy);
        return generator.generate(proxy, watched, push, request);
      },
    };
  }
}
