/**
 * `meshctl proxy-config cluster|listener|route|endpoint <proxy> [--istiod-debug URL] [-o json]`:
 * the config istiod would send a connected proxy now, from /debug/config_dump (as
 * `istioctl proxy-config`, which reads Envoy's admin dump). Tables summarize; `-o json` prints the
 * resources themselves in proto3 canonical JSON with Envoy's snake_case field names, as istioctl
 * does: each is read as its Envoy type and written again, so the output is the same whether the
 * dump came from istiod or an Envoy admin port, in camelCase or snake_case. Tables read either
 * spelling directly.
 */
import { FlagError, formatFlagHelp, parseFlags, stringFlag, type FlagSpecs } from '@mesh/platform';
// Types only: the module itself is loaded on demand (see run).
import * as xds from '@mesh/xds';
import { expandAliases } from './arguments';
import type { Command } from './command';
import { debugBaseUrl, getDebugJson, istiodDebugFlag, isRecord } from './istiod-debug';
import { formatTable } from './table';

const flags = {
  istiodDebug: istiodDebugFlag,
  output: stringFlag('output', 'table', 'output format: table or json (the resources); -o'),
} satisfies FlagSpecs;

const USAGE = 'Usage: meshctl proxy-config cluster|listener|route|endpoint <proxy> [--istiod-debug URL] [-o json]';

type Json = Record<string, unknown>;

interface Section {
  /** envoy.admin.v3.<dumpType> in the dump's `configs`. */
  readonly dumpType: string;
  /** The type of the resources (their `@type`, which Envoy always writes and a hand-made dump may omit). */
  readonly typeUrl: string;
  /** The list in that section, and how to reach the resource in each entry. */
  readonly entries: string;
  readonly resource: (entry: Json) => unknown;
  readonly header: readonly string[];
  readonly rows: (resource: Json) => string[][];
}

const SECTIONS: Readonly<Record<string, Section>> = {
  cluster: {
    dumpType: 'ClustersConfigDump',
    typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    entries: 'dynamicActiveClusters',
    resource: (entry) => field(entry, 'cluster'),
    header: ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE'],
    rows: (cluster) => {
      const name = text(field(cluster, 'name'));
      const type = text(field(cluster, 'type')) || 'STATIC';
      const parts = name.split('|');
      if (parts.length === 4) {
        const [direction, port, subset, fqdn] = parts;
        return [[fqdn || '-', port, subset || '-', direction, type]];
      }
      return [[name, '-', '-', '-', type]];
    },
  },
  listener: {
    dumpType: 'ListenersConfigDump',
    typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener',
    entries: 'dynamicListeners',
    resource: (entry) => field(obj(field(entry, 'activeState')), 'listener'),
    header: ['NAME', 'ADDRESS', 'PORT', 'TYPE', 'FILTER CHAINS'],
    rows: (listener) => {
      const socket = obj(field(obj(field(listener, 'address')), 'socketAddress'));
      const api = field(listener, 'apiListener') !== undefined;
      const chains = list(field(listener, 'filterChains')).length + (field(listener, 'defaultFilterChain') ? 1 : 0);
      return [
        [
          text(field(listener, 'name')),
          text(field(socket, 'address')) || '-',
          text(field(socket, 'portValue')) || '-',
          api ? 'API' : 'TCP',
          api ? '-' : String(chains),
        ],
      ];
    },
  },
  route: {
    dumpType: 'RoutesConfigDump',
    typeUrl: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
    entries: 'dynamicRouteConfigs',
    resource: (entry) => field(entry, 'routeConfig'),
    header: ['NAME', 'VIRTUAL HOST', 'DOMAINS', 'MATCH', 'ACTION', 'VIRTUAL SERVICE'],
    rows: (config) => {
      const name = text(field(config, 'name'));
      return list(field(config, 'virtualHosts')).flatMap((vhostValue) => {
        const vhost = obj(vhostValue);
        const domains = list(field(vhost, 'domains')).map(text);
        const shownDomains = domains.length > 2 ? `${domains[0]} +${domains.length - 1} more` : domains.join(',');
        const routes = list(field(vhost, 'routes')).map(obj);
        const cells = (route: Json | undefined) => [
          name,
          text(field(vhost, 'name')),
          shownDomains || '-',
          route ? routeMatch(obj(field(route, 'match'))) : '-',
          route ? routeAction(route) : '-',
          route ? virtualServiceOf(route) : '-',
        ];
        return routes.length > 0 ? routes.map(cells) : [cells(undefined)];
      });
    },
  },
  endpoint: {
    dumpType: 'EndpointsConfigDump',
    typeUrl: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
    entries: 'dynamicEndpointConfigs',
    resource: (entry) => field(entry, 'endpointConfig'),
    header: ['ENDPOINT', 'STATUS', 'WEIGHT', 'LOCALITY', 'CLUSTER'],
    rows: (assignment) => {
      const cluster = text(field(assignment, 'clusterName'));
      return list(field(assignment, 'endpoints')).flatMap((groupValue) => {
        const group = obj(groupValue);
        const locality = obj(field(group, 'locality'));
        const where = ['region', 'zone', 'subZone']
          .map((k) => text(field(locality, k)))
          .filter(Boolean)
          .join('/');
        return list(field(group, 'lbEndpoints')).map((lbValue) => {
          const lb = obj(lbValue);
          const socket = obj(field(obj(field(obj(field(lb, 'endpoint')), 'address')), 'socketAddress'));
          return [
            `${text(field(socket, 'address'))}:${text(field(socket, 'portValue'))}`,
            text(field(lb, 'healthStatus')) || 'HEALTHY',
            text(field(lb, 'loadBalancingWeight')) || '1',
            where || '-',
            cluster,
          ];
        });
      });
    },
  },
};

export const proxyConfigCommand: Command = {
  name: 'proxy-config',
  summary: 'show the clusters, listeners, routes or endpoints istiod sends a proxy',
  async run(argv) {
    const parsed = parseFlags(flags, expandAliases(argv, { o: 'output' }));
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n\n${formatFlagHelp(flags)}\n`);
      return 0;
    }
    const [what, proxy, extra] = parsed.positional;
    const section = what === undefined ? undefined : SECTIONS[what.replace(/s$/, '')];
    if (!section) throw new FlagError(`say what to show: cluster, listener, route or endpoint\n${USAGE}`);
    if (proxy === undefined) throw new FlagError(`give the proxy (node ID or pod.namespace; see meshctl proxy-status)`);
    if (extra !== undefined) throw new FlagError(`unexpected argument "${extra}"`);
    const format = parsed.flags.output;
    if (format !== 'table' && format !== 'json') throw new FlagError(`--output: "${format}" is not table or json`);
    const base = debugBaseUrl(parsed.flags.istiodDebug);

    const dump = await getDebugJson(base, '/debug/config_dump', { proxyID: proxy });
    const resources = resourcesOf(dump, section);
    if (format === 'json') {
      const canonical = resources.map((resource, index) => canonicalResource(resource, section, `${what}[${index}]`));
      process.stdout.write(`${JSON.stringify(canonical, null, 2)}\n`);
    } else {
      process.stdout.write(formatTable(section.header, resources.map(obj).flatMap(section.rows)));
    }
    return 0;
  },
};

/** The resources of one section of an admin config dump (none when the section is absent). */
function resourcesOf(dump: unknown, section: Section): unknown[] {
  if (!isRecord(dump)) throw new Error('/debug/config_dump did not answer a JSON object');
  const config = list(field(dump, 'configs'))
    .map(obj)
    .find((c) => text(c['@type']).endsWith(`envoy.admin.v3.${section.dumpType}`));
  if (!config) return [];
  return list(field(config, section.entries))
    .map((entry) => section.resource(obj(entry)))
    .filter((resource) => resource !== undefined);
}

/**
 * The resource in canonical JSON with proto field names. One that does not read as its type (a
 * newer Envoy's field, an extension this build lacks) is printed as received, with a warning
 * naming the field.
 */
function canonicalResource(resource: unknown, section: Section, label: string): unknown {
  const typed = isRecord(resource) && '@type' in resource ? resource : { '@type': section.typeUrl, ...obj(resource) };
  const parsed = xds.fromCanonicalJson(xds.Any, typed);
  if (parsed.ok) return xds.anyToCanonicalJson(parsed.message, { protoFieldNames: true });
  const problem = xds.formatCanonicalJsonError(parsed.error);
  process.stderr.write(`meshctl: warning: ${label}: ${problem} (printed as received)\n`);
  return resource;
}

function routeMatch(match: Json): string {
  for (const [key, label] of [
    ['prefix', ''],
    ['path', ''],
    ['pathSeparatedPrefix', ''],
  ] as const) {
    const value = field(match, key);
    if (typeof value === 'string') return `${label}${value}${key === 'prefix' ? '*' : ''}`;
  }
  const regex = field(obj(field(match, 'safeRegex')), 'regex');
  if (typeof regex === 'string') return `regex ${regex}`;
  return '-';
}

function routeAction(route: Json): string {
  const action = field(route, 'route');
  if (isRecord(action)) {
    const cluster = field(action, 'cluster');
    if (typeof cluster === 'string') return cluster;
    const weighted = list(field(obj(field(action, 'weightedClusters')), 'clusters')).map(obj);
    if (weighted.length > 0) {
      return weighted.map((c) => `${text(field(c, 'name'))} ${text(field(c, 'weight')) || '0'}`).join(', ');
    }
    return 'route';
  }
  if (field(route, 'redirect') !== undefined) return 'redirect';
  const direct = field(route, 'directResponse');
  if (isRecord(direct)) return `direct response ${text(field(direct, 'status'))}`;
  return '-';
}

/** Istio marks each route with the VirtualService it came from (metadata filter_metadata.istio.config). */
function virtualServiceOf(route: Json): string {
  const istio = obj(field(obj(field(obj(field(route, 'metadata')), 'filterMetadata')), 'istio'));
  const path = text(field(istio, 'config'));
  const match = /\/namespaces\/([^/]+)\/virtual-service\/([^/]+)$/.exec(path);
  return match ? `${match[2]}.${match[1]}` : '-';
}

/** A field by its proto3 JSON name, or its snake_case original (Envoy's admin output). */
function field(record: Json, camel: string): unknown {
  if (camel in record) return record[camel];
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return record[snake];
}

function obj(value: unknown): Json {
  return isRecord(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}
