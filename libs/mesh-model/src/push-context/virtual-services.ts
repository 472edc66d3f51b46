/**
 * VirtualServices as generators need them: every host, gateway and destination written as a
 * short name resolved (against the VirtualService's namespace, as Istio does), delegation applied
 * (the routes of delegate VirtualServices spliced into their roots, see delegation.ts), indexed by
 * the gateway they bind to (`mesh` for sidecars, `namespace/name` for Gateways) and filtered by
 * `exportTo` for the namespace asking.
 */
import {
  configKey,
  resolveShortName,
  type Config,
  type ConfigOfKind,
  type Destination,
  type HTTPRoute,
  type L4MatchAttributes,
  type TLSMatchAttributes,
  type VirtualServiceSpec,
} from '@mesh/config-model';
import { sortedByCreation } from '../ordering';
import { isVisibleTo, parseExportTo, type Visibility } from '../visibility';
import { isDelegatingRoute, mergeDelegateRoutes } from './delegation';

export type VirtualServiceConfig = ConfigOfKind<'VirtualService'>;

/** The reserved gateway name of the sidecars of the mesh. */
export const MESH_GATEWAY = 'mesh';

/**
 * A gateway reference as Istio resolves it: `mesh` stays; `ns/name` stays (`./name` is the
 * VirtualService's namespace); a bare `name` is in the VirtualService's namespace; the legacy
 * `name.namespace.svc.<domain>` form becomes `namespace/name`.
 */
export function resolveGatewayName(reference: string, ownNamespace: string): string {
  if (reference === MESH_GATEWAY) return MESH_GATEWAY;
  const slash = reference.indexOf('/');
  if (slash !== -1) {
    const namespace = reference.slice(0, slash);
    return `${namespace === '.' ? ownNamespace : namespace}/${reference.slice(slash + 1)}`;
  }
  const dot = reference.indexOf('.');
  if (dot === -1) return `${ownNamespace}/${reference}`;
  const [name, namespace] = reference.split('.');
  return `${namespace}/${name}`;
}

/** The gateways a (resolved) VirtualService binds to; none listed means the mesh. */
export function gatewayNamesOf(spec: VirtualServiceSpec): string[] {
  return spec.gateways && spec.gateways.length > 0 ? spec.gateways : [MESH_GATEWAY];
}

/**
 * A copy of the VirtualService with short names resolved: hosts, gateways (top level and in
 * matches) and every destination host (routes, mirrors). The metadata is kept, so the copy
 * names the same object.
 */
export function resolveVirtualService(config: VirtualServiceConfig, domainSuffix: string): VirtualServiceConfig {
  const ns = config.namespace;
  const host = (name: string) => resolveShortName(name, ns, domainSuffix);
  const destination = (d: Destination): Destination => ({ ...d, host: host(d.host) });
  const gateways = (list: string[] | undefined) => list?.map((gw) => resolveGatewayName(gw, ns));
  const spec = config.spec;
  const http = spec.http?.map((route): HTTPRoute => ({
    ...route,
    match: route.match?.map((match) => ({ ...match, gateways: gateways(match.gateways) })),
    route: route.route?.map((r) => ({ ...r, destination: destination(r.destination) })),
    mirror: route.mirror ? destination(route.mirror) : undefined,
    mirrors: route.mirrors?.map((m) => ({ ...m, destination: destination(m.destination) })),
  }));
  const l4 = <M extends TLSMatchAttributes | L4MatchAttributes>(matches: M[] | undefined): M[] | undefined =>
    matches?.map((match) => ({ ...match, gateways: gateways(match.gateways) }));
  const resolved: VirtualServiceSpec = {
    ...spec,
    hosts: spec.hosts?.map(host),
    gateways: gateways(spec.gateways),
    http,
    tls: spec.tls?.map((route) => ({
      ...route,
      match: l4(route.match) ?? [],
      route: route.route?.map((r) => ({ ...r, destination: destination(r.destination) })),
    })),
    tcp: spec.tcp?.map((route) => ({
      ...route,
      match: l4(route.match),
      route: route.route?.map((r) => ({ ...r, destination: destination(r.destination) })),
    })),
  };
  return { ...config, spec: stripUndefined(resolved) };
}

/**
 * Destination hosts of a resolved VirtualService with the ports they are sent to (empty set: no
 * port named, any). Rules whose every match names another `sourceNamespace` are skipped for
 * `clientNamespace`, as Istio does.
 */
export function virtualServiceDestinations(
  spec: VirtualServiceSpec,
  clientNamespace?: string,
): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const add = (d: Destination | undefined) => {
    if (!d) return;
    let ports = out.get(d.host);
    if (!ports) out.set(d.host, (ports = new Set()));
    if (d.port?.number !== undefined) ports.add(d.port.number);
  };
  const applies = (matches: readonly { sourceNamespace?: string }[] | undefined) =>
    clientNamespace === undefined ||
    !matches ||
    matches.length === 0 ||
    matches.some((m) => !m.sourceNamespace || m.sourceNamespace === clientNamespace);
  for (const route of spec.http ?? []) {
    if (!applies(route.match)) continue;
    for (const r of route.route ?? []) add(r.destination);
    add(route.mirror);
    for (const m of route.mirrors ?? []) add(m.destination);
  }
  for (const route of [...(spec.tcp ?? []), ...(spec.tls ?? [])]) {
    if (!applies(route.match)) continue;
    for (const r of route.route ?? []) add(r.destination);
  }
  return out;
}

interface Indexed {
  readonly config: VirtualServiceConfig;
  readonly visibility: Visibility;
}

/** A VirtualService without hosts: only used through the `delegate` of a root's HTTP route. */
export function isDelegateVirtualService(spec: VirtualServiceSpec): boolean {
  return (spec.hosts ?? []).length === 0;
}

/** Why (part of) a root's delegating route was left out; Istio logs these and carries on. */
export type DelegationProblemReason =
  /** No VirtualService without hosts of that namespace/name. */
  | 'delegate-not-found'
  /** The delegate's exportTo does not include the root's namespace. */
  | 'delegate-not-exported'
  /** A delegate route whose matches fit none of the root route's, or that delegates again. */
  | 'route-conflict';

export interface DelegationProblem {
  readonly reason: DelegationProblemReason;
  /** `VirtualService/<ns>/<name>` of the root. */
  readonly root: string;
  /** Index of the delegating route in the root's `http`. */
  readonly rootRoute: number;
  /** `VirtualService/<ns>/<name>` of the delegate (namespace defaulted to the root's). */
  readonly delegate: string;
  /** For `route-conflict`: index of the dropped route in the delegate's `http`. */
  readonly delegateRoute?: number;
}

/** What delegation did: the roots with their routes merged, what each depends on, what went wrong. */
export interface DelegationResult {
  /** VirtualServices with hosts, oldest first; roots with their delegates' routes spliced in. */
  readonly applied: readonly VirtualServiceConfig[];
  /** VirtualServices without hosts (delegates), oldest first. */
  readonly delegates: readonly VirtualServiceConfig[];
  /** Delegate keys each root names, found or not (a new delegate must reach the root's proxies). */
  readonly delegatesByRoot: ReadonlyMap<string, readonly string[]>;
  readonly problems: readonly DelegationProblem[];
}

/**
 * Applies delegation to resolved VirtualServices (oldest first): delegates are set aside, each
 * root's delegating routes are replaced by the merged routes of the delegate it names (namespace
 * defaulting to the root's) when that delegate exists and is exported to the root's namespace;
 * otherwise the delegating route is dropped, as Istio drops it. The order is kept.
 */
export function applyDelegation(
  resolved: readonly VirtualServiceConfig[],
  meshDefaultExportTo: readonly string[],
): DelegationResult {
  const delegates = resolved.filter((vs) => isDelegateVirtualService(vs.spec));
  const delegateByKey = new Map(delegates.map((vs) => [configKey(vs), vs]));
  const delegatesByRoot = new Map<string, string[]>();
  const problems: DelegationProblem[] = [];
  const applied = resolved
    .filter((vs) => !isDelegateVirtualService(vs.spec))
    .map((vs): VirtualServiceConfig => {
      const routes = vs.spec.http ?? [];
      if (!routes.some(isDelegatingRoute)) return vs;
      const root = configKey(vs);
      const keys: string[] = [];
      const http = routes.flatMap((route, rootRoute): HTTPRoute[] => {
        const reference = route.delegate;
        if (!reference) return [route];
        const delegateKey = configKey({
          kind: 'VirtualService',
          namespace: reference.namespace || vs.namespace,
          name: reference.name ?? '',
        });
        keys.push(delegateKey);
        const problem = (reason: DelegationProblemReason, delegateRoute?: number) =>
          problems.push({
            reason,
            root,
            rootRoute,
            delegate: delegateKey,
            ...(delegateRoute === undefined ? {} : { delegateRoute }),
          });
        const delegate = delegateByKey.get(delegateKey);
        if (!delegate) {
          problem('delegate-not-found');
          return [];
        }
        const visibility = parseExportTo(delegate.spec.exportTo, delegate.namespace, meshDefaultExportTo);
        if (!isVisibleTo(visibility, vs.namespace)) {
          problem('delegate-not-exported');
          return [];
        }
        const merged = mergeDelegateRoutes(route, delegate.spec.http ?? []);
        for (const index of merged.dropped) problem('route-conflict', index);
        return merged.routes;
      });
      delegatesByRoot.set(root, keys);
      return { ...vs, spec: { ...vs.spec, http } };
    });
  return { applied, delegates, delegatesByRoot, problems };
}

export class VirtualServiceIndex {
  /**
   * Resolved VirtualServices with hosts, oldest first (the order routes of one host are merged
   * in), delegation applied. Delegates are not among them: they apply only through their roots.
   */
  readonly all: readonly VirtualServiceConfig[];
  /** Resolved delegate VirtualServices (no hosts), oldest first, as written. */
  readonly delegates: readonly VirtualServiceConfig[];
  /** Routes of roots left out by delegation, and why. */
  readonly delegationProblems: readonly DelegationProblem[];
  private readonly delegatesByRoot: ReadonlyMap<string, readonly string[]>;
  private readonly byGateway = new Map<string, Indexed[]>();
  private readonly memo = new Map<string, readonly VirtualServiceConfig[]>();

  constructor(configs: readonly Config[], meshDefaultExportTo: readonly string[], domainSuffix: string) {
    // Short names are resolved in each VirtualService's own namespace before delegation, so a
    // delegate's `reviews` means the service of the delegate's namespace.
    const resolved = sortedByCreation(configs as readonly VirtualServiceConfig[]).map((config) =>
      resolveVirtualService(config, domainSuffix),
    );
    const delegation = applyDelegation(resolved, meshDefaultExportTo);
    this.all = Object.freeze(delegation.applied);
    this.delegates = Object.freeze(delegation.delegates);
    this.delegationProblems = Object.freeze(delegation.problems);
    this.delegatesByRoot = delegation.delegatesByRoot;
    for (const config of delegation.applied) {
      const indexed = {
        config,
        visibility: parseExportTo(config.spec.exportTo, config.namespace, meshDefaultExportTo),
      };
      for (const gateway of new Set(gatewayNamesOf(config.spec))) {
        let list = this.byGateway.get(gateway);
        if (!list) this.byGateway.set(gateway, (list = []));
        list.push(indexed);
      }
    }
  }

  /** VirtualServices bound to a gateway (`mesh` or `ns/name`) that `clientNamespace` may see. */
  forGateway(gateway: string, clientNamespace: string): readonly VirtualServiceConfig[] {
    const memoKey = `${clientNamespace}\u0000${gateway}`;
    const cached = this.memo.get(memoKey);
    if (cached) return cached;
    const list = (this.byGateway.get(gateway) ?? [])
      .filter((entry) => isVisibleTo(entry.visibility, clientNamespace))
      .map((entry) => entry.config);
    const frozen = Object.freeze(list);
    this.memo.set(memoKey, frozen);
    return frozen;
  }

  /** Keys (`VirtualService/ns/name`) of the delegates a root names, whether they exist or not. */
  delegatesOf(root: VirtualServiceConfig): readonly string[] {
    return this.delegatesByRoot.get(configKey(root)) ?? [];
  }
}

/** Drops keys whose value is undefined (the copies above set some), recursively through arrays and objects. */
function stripUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripUndefined) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) if (entry !== undefined) out[key] = stripUndefined(entry);
  return out as T;
}
