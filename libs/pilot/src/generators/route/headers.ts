/**
 * VirtualService header operations (`headers.request/response.set|add|remove`) as Envoy header
 * mutations. `set` overwrites, `add` appends; pseudo-headers and `host` cannot be mutated by
 * Envoy, so a `:authority`/`host` value becomes a host rewrite instead (as Istio does).
 */
import type { HeaderOperations, Headers } from '@mesh/config-model';
import {
  HeaderValueOption_HeaderAppendAction,
  type HeaderValueOption,
} from '@mesh/xds/generated/envoy/config/core/v3/base';

export interface HeaderMutations {
  readonly requestHeadersToAdd: HeaderValueOption[];
  readonly requestHeadersToRemove: string[];
  readonly responseHeadersToAdd: HeaderValueOption[];
  readonly responseHeadersToRemove: string[];
  /** A `:authority`/`host` set (or added) on the request: becomes host_rewrite_literal. */
  readonly authority?: string;
}

function isAuthority(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === ':authority' || lower === 'host';
}

/** Headers Envoy owns (pseudo-headers) or derives (`host`): never mutated directly. */
function isInternal(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

function options(values: Record<string, string> | undefined, append: boolean): HeaderValueOption[] {
  return Object.entries(values ?? {})
    .filter(([key]) => !isInternal(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({
      header: { key, value },
      appendAction: append
        ? HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
        : HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
    }));
}

function authorityOf(values: Record<string, string> | undefined): string | undefined {
  let found: string | undefined;
  for (const [key, value] of Object.entries(values ?? {})) if (isAuthority(key)) found = value;
  return found;
}

function side(ops: HeaderOperations | undefined): { add: HeaderValueOption[]; remove: string[] } {
  return {
    add: [...options(ops?.set, false), ...options(ops?.add, true)],
    remove: (ops?.remove ?? []).filter((name) => !isInternal(name)),
  };
}

export function headerMutations(headers: Headers | undefined): HeaderMutations {
  const request = side(headers?.request);
  const response = side(headers?.response);
  // `set` wins over `add` when both name the authority.
  const authority = authorityOf(headers?.request?.set) ?? authorityOf(headers?.request?.add);
  return {
    requestHeadersToAdd: request.add,
    requestHeadersToRemove: request.remove,
    responseHeadersToAdd: response.add,
    responseHeadersToRemove: response.remove,
    ...(authority !== undefined ? { authority } : {}),
  };
}

/** Copies the non-empty mutations onto a route, virtual host or weighted cluster. */
export function applyHeaderMutations(
  target: {
    requestHeadersToAdd?: HeaderValueOption[];
    requestHeadersToRemove?: string[];
    responseHeadersToAdd?: HeaderValueOption[];
    responseHeadersToRemove?: string[];
  },
  mutations: HeaderMutations,
): void {
  const append = <T>(existing: T[] | undefined, more: readonly T[]): T[] | undefined =>
    more.length === 0 ? existing : [...(existing ?? []), ...more];
  target.requestHeadersToAdd = append(target.requestHeadersToAdd, mutations.requestHeadersToAdd);
  target.requestHeadersToRemove = append(target.requestHeadersToRemove, mutations.requestHeadersToRemove);
  target.responseHeadersToAdd = append(target.responseHeadersToAdd, mutations.responseHeadersToAdd);
  target.responseHeadersToRemove = append(target.responseHeadersToRemove, mutations.responseHeadersToRemove);
  for (const key of [
    'requestHeadersToAdd',
    'requestHeadersToRemove',
    'responseHeadersToAdd',
    'responseHeadersToRemove',
  ] as const) {
    if (target[key] === undefined) delete target[key];
  }
}
