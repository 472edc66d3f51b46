/**
 * The contract between the ADS server and whatever builds resources. The server knows nothing of
 * services or routes: for a proxy and a type URL it asks one Generator, found in one registry.
 */
import type { Any } from '@mesh/xds';
import type { Proxy, ProxyGenerator, PushRequest } from '@mesh/mesh-model';

/**
 * What the server needs of a PushContext: a version string that names the snapshot. The real
 * PushContext (mesh-model) satisfies it; the server never looks inside.
 */
export interface PushContextLike {
  readonly version: string;
}

/** What a connection watches for one type. */
export interface WatchedResource {
  readonly typeUrl: string;
  /**
   * Names the client subscribed to; empty = wildcard (every resource of the type for this proxy).
   * Never mutated once handed over (connections share one set; generators may memoize by it).
   */
  readonly resourceNames: ReadonlySet<string>;
}

export interface GeneratedResource {
  readonly name: string;
  /** The resource packed as an Any of the watched type. */
  readonly resource: Any;
  /**
   * Content version of this resource (e.g. a hash the generator caches with it). Delta streams
   * compare it with what the proxy already has. When absent the server hashes `resource.value`.
   */
  readonly version?: string;
}

export interface GeneratedResources {
  /** Every resource of the watched set that exists for this proxy (SotW sends exactly these). */
  readonly resources: readonly GeneratedResource[];
  /**
   * The push does not affect this type for this proxy: the server sends nothing. Honoured only
   * for pushes; when the client is waiting for an answer (a new subscription) `resources` is sent.
   */
  readonly noChange?: boolean;
  /**
   * `resources` are only those the push changed; the proxy's other resources of the type are
   * unchanged (an incremental EDS push). The xDS protocol lets a state-of-the-world response of a
   * non-wildcard type (EDS, RDS, SDS) carry a subset: the client does not delete what is absent.
   * A delta stream sends these as updates and removes nothing. Never set for LDS or CDS.
   */
  readonly partial?: boolean;
}

export interface Generator<P extends PushContextLike = PushContextLike> {
  /**
   * Builds the watched resources of one type for one proxy from a PushContext. `request` says why
   * (full or incremental, what changed); a request-driven call (the proxy asked) is a full request
   * with reason `proxy`. Throwing aborts the push to this proxy (it keeps its previous config).
   */
  generate(
    proxy: Proxy,
    watched: WatchedResource,
    push: P,
    request: PushRequest,
  ): GeneratedResources | Promise<GeneratedResources>;
}

export class DuplicateGeneratorError extends Error {
  constructor(
    readonly family: ProxyGenerator,
    readonly typeUrl: string,
  ) {
    super(`a generator for ${family} proxies and type ${typeUrl} is already registered`);
    this.name = 'DuplicateGeneratorError';
  }
}

/**
 * Generators by proxy family (`Proxy.generator`: 'envoy' for Envoy-style proxies, 'grpc' for
 * proxyless gRPC clients) and type URL. Filled in one place at start-up (Istio's habit); a type
 * without a generator for the proxy's family is an unknown type for that proxy.
 */
export class GeneratorRegistry<P extends PushContextLike = PushContextLike> {
  private readonly byFamily = new Map<ProxyGenerator, Map<string, Generator<P>>>();

  register(family: ProxyGenerator, typeUrl: string, generator: Generator<P>): this {
    let types = this.byFamily.get(family);
    if (!types) {
      types = new Map();
      this.byFamily.set(family, types);
    }
    if (types.has(typeUrl)) throw new DuplicateGeneratorError(family, typeUrl);
    types.set(typeUrl, generator);
    return this;
  }

  lookup(family: ProxyGenerator, typeUrl: string): Generator<P> | undefined {
    return this.byFamily.get(family)?.get(typeUrl);
  }

  /** Type URLs served to a family, in registration order. */
  typeUrls(family: ProxyGenerator): string[] {
    return [...(this.byFamily.get(family)?.keys() ?? [])];
  }
}
