/**
 * Every place a VirtualService sends traffic, with the field path of its `host` (for the line of a
 * message): HTTP, TLS and TCP route destinations, and HTTP mirrors.
 */
import type { Destination, FieldPath, SpecOf } from '@mesh/config-model';

export interface RouteDestination {
  readonly destination: Destination;
  /** Path of the destination object, e.g. `spec.http[0].route[1].destination`. */
  readonly path: FieldPath;
  /** Mirrors copy traffic; messages name them `mirror host` / `mirror+subset`. */
  readonly mirror: boolean;
}

export function routeDestinations(spec: SpecOf<'VirtualService'>): RouteDestination[] {
  const out: RouteDestination[] = [];
  (spec.http ?? []).forEach((rule, i) => {
    (rule.route ?? []).forEach((route, j) => {
      if (route.destination)
        out.push({
          destination: route.destination,
          path: ['spec', 'http', i, 'route', j, 'destination'],
          mirror: false,
        });
    });
    if (rule.mirror) out.push({ destination: rule.mirror, path: ['spec', 'http', i, 'mirror'], mirror: true });
    (rule.mirrors ?? []).forEach((policy, k) => {
      if (policy.destination) {
        out.push({
          destination: policy.destination,
          path: ['spec', 'http', i, 'mirrors', k, 'destination'],
          mirror: true,
        });
      }
    });
  });
  for (const section of ['tls', 'tcp'] as const) {
    (spec[section] ?? []).forEach((rule, i) => {
      (rule.route ?? []).forEach((route, j) => {
        if (route.destination)
          out.push({
            destination: route.destination,
            path: ['spec', section, i, 'route', j, 'destination'],
            mirror: false,
          });
      });
    });
  }
  return out;
}

/** The gateways a VirtualService is bound to; none written means the sidecars (`mesh`). */
export function boundGateways(spec: SpecOf<'VirtualService'>): string[] {
  return spec.gateways && spec.gateways.length > 0 ? spec.gateways : ['mesh'];
}

/**
 * A gateway reference as Istio resolves it: `namespace/name`, a bare `name` in the
 * VirtualService's namespace, or the legacy `name.namespace` form.
 */
export function gatewayReference(entry: string, ownNamespace: string): { namespace: string; name: string } {
  const slash = entry.indexOf('/');
  if (slash !== -1) return { namespace: entry.slice(0, slash), name: entry.slice(slash + 1) };
  const dot = entry.indexOf('.');
  if (dot !== -1) return { namespace: entry.slice(dot + 1), name: entry.slice(0, dot) };
  return { namespace: ownNamespace, name: entry };
}
