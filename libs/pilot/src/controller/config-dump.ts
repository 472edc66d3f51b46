/**
 * /debug/config_dump?proxyID=: what a connected proxy would get now, in the shape of Envoy's admin
 * config dump (`envoy.admin.v3.ConfigDump`): `configs` holds one `*ConfigDump` per type (clusters,
 * listeners, routes, secrets, endpoints, in Envoy's order) whose entries carry the generated
 * resource as proto3 JSON with its `@type`. Field names are proto3 JSON's lowerCamelCase, which
 * protobuf JSON parsers read as well as Envoy's snake_case. Private keys in secrets are redacted,
 * as Envoy does.
 */
import { Any, TypeUrl } from '@mesh/xds';
import type { GeneratedResource } from '../xds-server';
import type { GeneratedType } from './discovery-controller';

export interface ConfigDump {
  readonly configs: readonly Record<string, unknown>[];
}

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';
const REDACTED = '[redacted]';

/** Envoy's section of each type, in the order Envoy's admin lists them. */
const SECTIONS: ReadonlyArray<{
  readonly typeUrl: string;
  readonly dumpType: string;
  readonly entries: string;
  readonly entry: (resource: GeneratedResource, json: unknown, version: string, at: string | undefined) => unknown;
}> = [
  {
    typeUrl: TypeUrl.Cluster,
    dumpType: 'ClustersConfigDump',
    entries: 'dynamicActiveClusters',
    entry: (_r, json, versionInfo, lastUpdated) => ({ versionInfo, cluster: json, lastUpdated }),
  },
  {
    typeUrl: TypeUrl.Listener,
    dumpType: 'ListenersConfigDump',
    entries: 'dynamicListeners',
    entry: (r, json, versionInfo, lastUpdated) => ({
      name: r.name,
      activeState: { versionInfo, listener: json, lastUpdated },
    }),
  },
  {
    typeUrl: TypeUrl.RouteConfiguration,
    dumpType: 'RoutesConfigDump',
    entries: 'dynamicRouteConfigs',
    entry: (_r, json, versionInfo, lastUpdated) => ({ versionInfo, routeConfig: json, lastUpdated }),
  },
  {
    typeUrl: TypeUrl.Secret,
    dumpType: 'SecretsConfigDump',
    entries: 'dynamicActiveSecrets',
    entry: (r, json, versionInfo, lastUpdated) => ({ name: r.name, versionInfo, lastUpdated, secret: redact(json) }),
  },
  {
    typeUrl: TypeUrl.ClusterLoadAssignment,
    dumpType: 'EndpointsConfigDump',
    entries: 'dynamicEndpointConfigs',
    entry: (_r, json, versionInfo, lastUpdated) => ({ versionInfo, endpointConfig: json, lastUpdated }),
  },
];

/**
 * Builds the dump from generated types (see DiscoveryController.generateFor). `sentAt` gives, per
 * type URL, when the proxy was last sent that type (Envoy's `lastUpdated`). Types other than the
 * five above are not part of Envoy's dump and are left out.
 */
export function buildConfigDump(
  version: string,
  generated: readonly GeneratedType[],
  sentAt: ReadonlyMap<string, string> = new Map(),
): ConfigDump {
  const byType = new Map(generated.map((g) => [g.typeUrl, g]));
  const configs: Record<string, unknown>[] = [];
  for (const section of SECTIONS) {
    const type = byType.get(section.typeUrl);
    if (!type) continue;
    const at = sentAt.get(section.typeUrl);
    const entries = (type.generated?.resources ?? []).map((resource) =>
      section.entry(resource, resourceJson(resource), version, at),
    );
    configs.push({ '@type': ADMIN + section.dumpType, versionInfo: version, [section.entries]: entries });
  }
  return { configs };
}

/** The resource as proto3 JSON with `@type` (nested Anys expanded the same way). */
export function resourceJson(resource: GeneratedResource): unknown {
  try {
    return Any.toJSON(resource.resource);
  } catch (error) {
    // A type this build has no codec for: say so rather than fail the whole dump.
    return {
      '@type': resource.resource.typeUrl,
      name: resource.name,
      error: `cannot render as JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Fields of a Secret that hold key material (Envoy marks them sensitive). */
const SENSITIVE_FIELDS: ReadonlySet<string> = new Set(['privateKey', 'password', 'secret', 'sessionTicketKeys']);

/** Replaces every private key, password, generic secret and ticket key in a Secret's JSON. */
function redact(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(redact);
  if (typeof json !== 'object' || json === null) return json;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    out[key] = SENSITIVE_FIELDS.has(key) ? { inlineString: REDACTED } : redact(value);
  }
  return out;
}
