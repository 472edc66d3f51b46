/**
 * VirtualService delegation (`http[].delegate: {name, namespace}`), as Istio applies it: a root
 * VirtualService (one with hosts) hands the requests one of its HTTP routes matches to the HTTP
 * routes of a delegate VirtualService (one without hosts), which are spliced into the root at the
 * position of the delegating route.
 *
 * Each delegate route is combined with the root route:
 * - matches: every match of the delegate route must be compatible with at least one match of the
 *   root route (the delegate can only narrow what the root matches: a URI prefix under the
 *   root's prefix, the same exact value, the same header value...); each compatible pair becomes
 *   one merged match (the delegate's conditions, plus the root's conditions it does not set). A
 *   delegate route with a match compatible with no root match is dropped. With no match on one
 *   side, the other side's matches are taken as they are.
 * - the route's name becomes `<root>-<delegate>` (or whichever is set);
 * - rewrite, directResponse, timeout, retries, fault, mirror(s), mirror percentages, corsPolicy
 *   and headers the delegate route does not set are taken from the root route.
 *
 * Only one level: a delegate route that delegates again is dropped (validation rejects it).
 */
import type { HTTPMatchRequest, HTTPRoute, StringMatch } from '@mesh/config-model';

/** A root's HTTP route that hands requests over to a delegate VirtualService. */
export function isDelegatingRoute(route: HTTPRoute): boolean {
  return route.delegate !== undefined && route.delegate !== null;
}

/**
 * The routes a delegating root route stands for: the delegate's routes merged with it, in the
 * delegate's order, those conflicting with the root's matches (or delegating again) left out.
 * `dropped` lists the indexes (in the delegate) of the routes left out, for diagnostics.
 */
export function mergeDelegateRoutes(
  root: HTTPRoute,
  delegateRoutes: readonly HTTPRoute[],
): { routes: HTTPRoute[]; dropped: number[] } {
  const routes: HTTPRoute[] = [];
  const dropped: number[] = [];
  delegateRoutes.forEach((leaf, index) => {
    const merged = isDelegatingRoute(leaf) ? undefined : mergeDelegateRoute(root, leaf);
    if (merged) routes.push(merged);
    else dropped.push(index);
  });
  return { routes, dropped };
}

/** Root fields a delegate route inherits when it does not set them. */
const INHERITED_FIELDS = [
  'rewrite',
  'directResponse',
  'timeout',
  'retries',
  'fault',
  'mirror',
  'mirrorPercent',
  'mirrorPercentage',
  'corsPolicy',
  'mirrors',
  'headers',
] as const satisfies readonly (keyof HTTPRoute)[];

/** One delegate route combined with the root route; undefined when their matches conflict. */
export function mergeDelegateRoute(root: HTTPRoute, leaf: HTTPRoute): HTTPRoute | undefined {
  const matches = mergeMatchLists(root.match, leaf.match);
  if (matches.conflict) return undefined;
  const merged: HTTPRoute = { ...leaf };
  delete merged.delegate;
  if (matches.matches === undefined) delete merged.match;
  else merged.match = matches.matches;
  const name = joinedName(root.name, leaf.name);
  if (name === undefined) delete merged.name;
  else merged.name = name;
  const target = merged as Record<string, unknown>;
  for (const field of INHERITED_FIELDS) {
    if (isUnset(leaf[field]) && !isUnset(root[field])) target[field] = root[field];
  }
  return merged;
}

export type MergedMatches =
  | { readonly conflict: true }
  /** `matches` undefined: neither side has matches (the merged route matches everything). */
  | { readonly conflict: false; readonly matches?: HTTPMatchRequest[] };

/**
 * The matches of a merged route: a conflict when a delegate match fits none of the root's
 * matches (or no pair fits at all). With no match on one side, the other side's are kept.
 */
export function mergeMatchLists(
  root: readonly HTTPMatchRequest[] | undefined,
  leaf: readonly HTTPMatchRequest[] | undefined,
): MergedMatches {
  if (!root || root.length === 0)
    return leaf && leaf.length > 0 ? { conflict: false, matches: [...leaf] } : { conflict: false };
  if (!leaf || leaf.length === 0) return { conflict: false, matches: [...root] };
  const out: HTTPMatchRequest[] = [];
  for (const leafMatch of leaf) {
    let fits = false;
    for (const rootMatch of root) {
      if (matchesConflict(rootMatch, leafMatch)) continue;
      out.push(mergeMatch(rootMatch, leafMatch));
      fits = true;
    }
    if (!fits) return { conflict: true };
  }
  return out.length > 0 ? { conflict: false, matches: out } : { conflict: true };
}

/** The delegate's match with the root's conditions it does not set added (both must then hold). */
export function mergeMatch(root: HTTPMatchRequest, leaf: HTTPMatchRequest): HTTPMatchRequest {
  const out: HTTPMatchRequest = { ...leaf };
  const set = <K extends keyof HTTPMatchRequest>(key: K, value: HTTPMatchRequest[K] | undefined) => {
    if (value === undefined) delete out[key];
    else out[key] = value;
  };
  set('name', joinedName(root.name, leaf.name));
  set('uri', leaf.uri ?? root.uri);
  set('scheme', leaf.scheme ?? root.scheme);
  set('method', leaf.method ?? root.method);
  set('authority', leaf.authority ?? root.authority);
  set('headers', mergedMap(root.headers, leaf.headers));
  set('withoutHeaders', mergedMap(root.withoutHeaders, leaf.withoutHeaders));
  set('queryParams', mergedMap(root.queryParams, leaf.queryParams));
  set('port', leaf.port ? leaf.port : root.port);
  set('sourceLabels', mergedMap(root.sourceLabels, leaf.sourceLabels));
  set('sourceNamespace', leaf.sourceNamespace ? leaf.sourceNamespace : root.sourceNamespace);
  set('gateways', leaf.gateways && leaf.gateways.length > 0 ? leaf.gateways : root.gateways);
  set('statPrefix', leaf.statPrefix ? leaf.statPrefix : root.statPrefix);
  return out;
}

/**
 * Whether a delegate match asks for something the root match excludes, so that no request could
 * satisfy both (Istio's rule, conservative: anything it cannot prove narrower is a conflict).
 */
export function matchesConflict(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  for (const key of ['uri', 'scheme', 'method', 'authority'] as const) {
    if (stringMatchesConflict(root[key], leaf[key])) return true;
  }
  for (const key of ['headers', 'withoutHeaders', 'queryParams'] as const) {
    const rootMap = root[key] ?? {};
    for (const [name, value] of Object.entries(leaf[key] ?? {})) {
      if (stringMatchesConflict(ownEntry(rootMap, name), value)) return true;
    }
  }
  if ((root.ignoreUriCase ?? false) !== (leaf.ignoreUriCase ?? false)) return true;
  if (root.port && leaf.port && root.port !== leaf.port) return true;
  if (root.sourceNamespace && leaf.sourceNamespace !== root.sourceNamespace) return true;
  const rootLabels = root.sourceLabels ?? {};
  for (const [key, value] of Object.entries(leaf.sourceLabels ?? {})) {
    const rootValue = ownEntry(rootLabels, key);
    if (rootValue !== undefined && rootValue !== value) return true;
  }
  // The root's gateways must include every gateway the delegate names.
  const rootGateways = root.gateways ?? [];
  const leafGateways = leaf.gateways ?? [];
  if (rootGateways.length > 0 && leafGateways.length > 0) {
    if (rootGateways.length < leafGateways.length) return true;
    if (leafGateways.some((gateway) => !rootGateways.includes(gateway))) return true;
  }
  return false;
}

/**
 * Two string matches on one attribute: no conflict when either is absent; a regex on either side
 * only goes with nothing; an exact root admits the same exact value; a prefix root admits a
 * prefix or exact value under it. Everything else (an empty match object, `prefix: ""`) counts as
 * a conflict, as in Istio, where an empty string is the same as unset.
 */
export function stringMatchesConflict(root: StringMatch | undefined, leaf: StringMatch | undefined): boolean {
  if (!root || !leaf) return false;
  const [rootExact, rootPrefix, rootRegex] = [root.exact || '', root.prefix || '', root.regex || ''];
  const [leafExact, leafPrefix, leafRegex] = [leaf.exact || '', leaf.prefix || '', leaf.regex || ''];
  if (rootRegex && (leafRegex || leafPrefix || leafExact)) return true;
  if (leafRegex && (rootRegex || rootPrefix || rootExact)) return true;
  if (rootExact) return leafPrefix !== '' || leafExact !== rootExact;
  if (rootPrefix) {
    if (leafPrefix) return !leafPrefix.startsWith(rootPrefix);
    if (leafExact) return !leafExact.startsWith(rootPrefix);
  }
  return true;
}

function joinedName(root: string | undefined, leaf: string | undefined): string | undefined {
  if (!leaf) return root || undefined;
  return root ? `${root}-${leaf}` : leaf;
}

/** Root entries, then the delegate's (which win on the same key); undefined when both are empty. */
function mergedMap<V>(
  root: Readonly<Record<string, V>> | undefined,
  leaf: Readonly<Record<string, V>> | undefined,
): Record<string, V> | undefined {
  const hasRoot = root !== undefined && Object.keys(root).length > 0;
  const hasLeaf = leaf !== undefined && Object.keys(leaf).length > 0;
  if (!hasRoot && !hasLeaf) return undefined;
  return { ...root, ...leaf };
}

/** A map entry that is the object's own (header names like `constructor` are plain keys here). */
function ownEntry<V>(map: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Unset as protobuf sees it: absent, or an empty list. */
function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}
