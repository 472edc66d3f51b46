/**
 * VirtualService: hosts, the gateways it binds to, and its HTTP, TLS and TCP routes. A
 * VirtualService without hosts is a delegate: it only holds HTTP routes another one delegates to.
 */
import type { Config } from '@mesh/config-model';
import { checkDestination } from '../rules/destination';
import { checkExportTo } from '../rules/export-to';
import { checkGatewayNames, MESH_GATEWAY } from '../rules/gateway-names';
import { hostIsSubsetOf, hostsOverlap, isDNS1123Label, wildcardDomainProblem } from '../rules/hosts';
import { checkLabels } from '../rules/labels';
import { checkIPOrCIDR, isIPAddress } from '../rules/net';
import { checkPortNumber } from '../rules/ports';
import type { Field } from '../walker';
import { checkHttpRoute, checkWeights } from './http-route';

const VIRTUAL_SERVICE_FIELDS = ['hosts', 'gateways', 'http', 'tls', 'tcp', 'exportTo'] as const;
const L4_MATCH_FIELDS = [
  'destinationSubnets',
  'port',
  'sourceSubnet',
  'sourceLabels',
  'gateways',
  'sourceNamespace',
] as const;
const TLS_MATCH_FIELDS = [
  'sniHosts',
  'destinationSubnets',
  'port',
  'sourceLabels',
  'gateways',
  'sourceNamespace',
] as const;

export function validateVirtualService(spec: Field, config: Config): void {
  const vs = spec.struct(VIRTUAL_SERVICE_FIELDS);
  if (!vs) return;
  const hosts = vs.field('hosts').strings();
  const gateways = vs.field('gateways').strings();
  const delegate = hosts.length === 0;
  const http = vs.field('http').list() ?? [];
  const tls = vs.field('tls').list() ?? [];
  const tcp = vs.field('tcp').list() ?? [];

  if (delegate) {
    // Without hosts this can only be a delegate, which carries HTTP routes and nothing else.
    if (gateways.length > 0) vs.field('gateways').error('a delegate VirtualService (no hosts) must not set gateways');
    if (tls.length > 0) vs.field('tls').error('a delegate VirtualService (no hosts) cannot have tls routes');
    if (tcp.length > 0) vs.field('tcp').error('a delegate VirtualService (no hosts) cannot have tcp routes');
  }
  checkGatewayNames(gateways);
  const gatewayOnly = gateways.length > 0 && !gateways.some((g) => g.value === MESH_GATEWAY);
  checkHosts(hosts, gatewayOnly);

  if (http.length === 0 && tls.length === 0 && tcp.length === 0)
    vs.error('at least one http, tls or tcp route is required');
  for (const route of http) checkHttpRoute(route, { delegate, gatewayOnly });
  const hostNames = hosts.map((h) => h.value);
  for (const route of tls) checkTlsRoute(route, hostNames);
  for (const route of tcp) checkTcpRoute(route);
  checkExportTo(vs.field('exportTo'), config.namespace, { allowNone: false });
  // TLS routes must have matches (an error above), so only HTTP and TCP routes can catch all.
  warnUnreachable(http);
  warnUnreachable(tcp);
}

function checkHosts(hosts: Array<{ value: string; field: Field }>, gatewayOnly: boolean): void {
  let allValid = true;
  for (const { value, field } of hosts) {
    const problem = wildcardDomainProblem(value);
    if (problem && !isIPAddress(value)) {
      field.error(problem);
      allValid = false;
    } else if (!problem && value === '*' && !gatewayOnly) {
      field.error('the wildcard host "*" is only allowed for VirtualServices bound to gateways only (not to the mesh)');
      allValid = false;
    }
  }
  if (!allValid) return;
  for (let j = 1; j < hosts.length; j++) {
    const earlier = hosts.slice(0, j).find((h) => hostsOverlap(h.value, hosts[j].value));
    if (earlier) hosts[j].field.error(`duplicate host: "${hosts[j].value}" overlaps "${earlier.value}"`);
  }
}

function checkL4MatchCommon(match: {
  field(name: 'destinationSubnets' | 'port' | 'sourceLabels' | 'gateways' | 'sourceNamespace'): Field;
}): void {
  for (const { value, field } of match.field('destinationSubnets').strings()) checkIPOrCIDR(field, value);
  checkPortNumber(match.field('port'));
  checkLabels(match.field('sourceLabels'));
  checkGatewayNames(match.field('gateways').strings());
  const namespace = match.field('sourceNamespace').string();
  if (namespace && !isDNS1123Label(namespace))
    match.field('sourceNamespace').error(`"${namespace}" is not a valid namespace`);
}

function checkTlsRoute(field: Field, hosts: string[]): void {
  const route = field.struct(['match', 'route']);
  if (!route) return;
  const matches = route.field('match').list() ?? [];
  if (matches.length === 0) route.field('match').error('a TLS route needs at least one match with sniHosts');
  for (const item of matches) {
    const match = item.struct(TLS_MATCH_FIELDS);
    if (!match) continue;
    const sniHosts = match.field('sniHosts').strings();
    if (sniHosts.length === 0) match.field('sniHosts').error('a TLS match needs at least one SNI host');
    for (const { value, field: sni } of sniHosts) checkSniHost(sni, value, hosts);
    checkL4MatchCommon(match);
  }
  checkRouteDestinations(route.field('route'), 'a TLS route needs at least one destination');
}

function checkSniHost(field: Field, sni: string, hosts: string[]): void {
  const problem = wildcardDomainProblem(sni);
  if (problem) {
    if (isIPAddress(sni))
      field.warn(`"${sni}" is an IP address: SNI carries host names, most clients never send an IP`);
    else field.error(problem);
    return;
  }
  if (!hosts.some((host) => hostIsSubsetOf(sni, host))) {
    field.error(`SNI host "${sni}" is not within any of the VirtualService hosts [${hosts.join(', ')}]`);
  }
}

function checkTcpRoute(field: Field): void {
  const route = field.struct(['match', 'route']);
  if (!route) return;
  for (const item of route.field('match').list() ?? []) {
    const match = item.struct(L4_MATCH_FIELDS);
    if (!match) continue;
    match.field('sourceSubnet').string();
    checkL4MatchCommon(match);
  }
  checkRouteDestinations(route.field('route'), 'a TCP route needs at least one destination');
}

/** L4 (TLS/TCP) weighted destinations. */
function checkRouteDestinations(field: Field, missing: string): void {
  const items = field.list() ?? [];
  if (items.length === 0) {
    field.error(missing);
    return;
  }
  const weights: Array<number | undefined> = [];
  for (const item of items) {
    const destination = item.struct(['destination', 'weight']);
    if (!destination) {
      weights.push(undefined);
      continue;
    }
    if (!destination.has('destination')) destination.field('destination').error('destination is required');
    checkDestination(destination.field('destination'));
    const weightField = destination.field('weight');
    weights.push(weightField.present ? weightField.nonNegativeInt32() : 0);
  }
  checkWeights(field, weights);
}

/**
 * Routes are tried in order: a route without matches catches everything, so routes after it are
 * never used, and a match identical to an earlier one never wins. A route that delegates takes
 * only what its delegate's routes match (they bring their own conditions), which this one object
 * does not tell: it neither catches everything nor hides a later identical match.
 */
function warnUnreachable(routes: Field[]): void {
  let catchAll: string | undefined;
  const seen = new Map<string, string>();
  routes.forEach((route, index) => {
    const where = `${String(route.path[route.path.length - 2])}[${index}]`;
    if (catchAll !== undefined) {
      route.warn(`unreachable: ${catchAll} has no match conditions and takes all traffic first`);
      return;
    }
    if (route.at('delegate').present) return;
    const matches = route.at('match').value;
    if (!Array.isArray(matches) || matches.length === 0) {
      catchAll = where;
      return;
    }
    matches.forEach((match, m) => {
      const key = stableKey(match);
      const first = seen.get(key);
      if (first !== undefined) route.at('match').at(m).warn(`never used: the same match is already in ${first}`);
      else seen.set(key, `${where}.match[${m}]`);
    });
  });
}

/**
 * A canonical JSON form (sorted keys, match names ignored) to compare matches. YAML anchors can
 * make cyclic values, so values already on the current path are cut short.
 */
function stableKey(value: unknown, top = true, ancestors: unknown[] = []): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (ancestors.includes(value)) return '"<cycle>"';
  const inner = [...ancestors, value];
  if (Array.isArray(value)) return `[${value.map((v) => stableKey(v, false, inner)).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([key]) => !(top && key === 'name'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableKey(v, false, inner)}`).join(',')}}`;
}
