/**
 * VirtualServices as generators need them: every host, gateway and destination written as a
 * short name resolved (against the VirtualService's namespace, as Istio does), indexed by the
 * gateway they bind to (`mesh` for sidecars, `namespace/name` for Gateways) and filtered by
 * `exportTo` for the namespace asking.
 */
import {
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

export class VirtualServiceIndex {
  /** Resolved VirtualServices, oldest first (the order routes of one host are merged in). */
  readonly all: readonly VirtualServiceConfig[];
  private readonly byGateway = new Map<string, Indexed[]>();
  private readonly memo = new Map<string, readonly VirtualServiceConfig[]>();

  constructor(configs: readonly Config[], meshDefaultExportTo: readonly string[], domainSuffix: string) {
    const resolved = sortedByCreation(configs as readonly VirtualServiceConfig[]).map((config) =>
      resolveVirtualService(config, domainSuffix),
    );
    this.all = Object.freeze(resolved);
    for (const config of resolved) {
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
}

/** Drops keys whose value is undefined (the copies above set some), recursively through arrays and objects. */
function stripUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripUndefined) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) if (entry !== undefined) out[key] = stripUndefined(entry);
  return out as T;
}
