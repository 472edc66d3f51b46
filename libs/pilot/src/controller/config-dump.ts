/**
 * /debug/config_dump?proxyID=: what a connected proxy would get now, in the shape of Envoy's admin
 * config dump (`envoy.admin.v3.ConfigDump`): `configs` holds one `*ConfigDump` per type (clusters,
 * listeners, routes, secrets, endpoints, in Envoy's order) whose entries carry the generated
 * resource as proto3 canonical JSON with its `@type` (durations "10s", enums by name, nested Anys
 * expanded). Field names are the proto names (snake_case), as Envoy's admin and istiod print them;
 * proto3 JSON readers take them as well as lowerCamelCase. Fields Envoy marks sensitive (private
 * keys, passwords) are redacted, as Envoy does.
 */
import { anyToCanonicalJson, TypeUrl, type JsonValue } from '@mesh/xds';
import type { GeneratedResource } from '../xds-server';
import type { GeneratedType } from './discovery-controller';

export interface ConfigDump {
  readonly configs: readonly Record<string, JsonValue>[];
}

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

type Entry = (name: string, resource: JsonValue, versionInfo: string, lastUpdated: string | undefined) => JsonValue;

/** Envoy's section of each type, in the order Envoy's admin lists them (field names from envoy/admin/v3). */
const SECTIONS: ReadonlyArray<{
  readonly typeUrl: string;
  readonly dumpType: string;
  readonly entries: string;
  readonly entry: Entry;
}> = [
  {
    typeUrl: TypeUrl.Cluster,
    dumpType: 'ClustersConfigDump',
    entries: 'dynamic_active_clusters',
    entry: (_name, cluster, version_info, last_updated) => withTime({ version_info, cluster }, last_updated),
  },
  {
    typeUrl: TypeUrl.Listener,
    dumpType: 'ListenersConfigDump',
    entries: 'dynamic_listeners',
    entry: (name, listener, version_info, last_updated) => ({
      name,
      active_state: withTime({ version_info, listener }, last_updated),
    }),
  },
  {
    typeUrl: TypeUrl.RouteConfiguration,
    dumpType: 'RoutesConfigDump',
    entries: 'dynamic_route_configs',
    entry: (_name, route_config, version_info, last_updated) => withTime({ version_info, route_config }, last_updated),
  },
  {
    typeUrl: TypeUrl.Secret,
    dumpType: 'SecretsConfigDump',
    entries: 'dynamic_active_secrets',
    entry: (name, secret, version_info, last_updated) => withTime({ name, version_info, secret }, last_updated),
  },
  {
    typeUrl: TypeUrl.ClusterLoadAssignment,
    dumpType: 'EndpointsConfigDump',
    entries: 'dynamic_endpoint_configs',
    entry: (_name, endpoint_config, version_info, last_updated) =>
      withTime({ version_info, endpoint_config }, last_updated),
  },
];

/**
 * Builds the dump from generated types (see DiscoveryController.generateFor). `sentAt` gives, per
 * type URL, when the proxy was last sent that type (Envoy's `last_updated`). Types other than the
 * five above are not part of Envoy's dump and are left out.
 */
export function buildConfigDump(
  version: string,
  generated: readonly GeneratedType[],
  sentAt: ReadonlyMap<string, string> = new Map(),
): ConfigDump {
  const byType = new Map(generated.map((g) => [g.typeUrl, g]));
  const configs: Record<string, JsonValue>[] = [];
  for (const section of SECTIONS) {
    const type = byType.get(section.typeUrl);
    if (!type) continue;
    const at = sentAt.get(section.typeUrl);
    const entries = (type.generated?.resources ?? []).map((resource) =>
      section.entry(resource.name, resourceJson(resource), version, at),
    );
    configs.push({ '@type': ADMIN + section.dumpType, version_info: version, [section.entries]: entries });
  }
  return { configs };
}

/** The resource as canonical JSON with `@type` (nested Anys expanded the same way), secrets redacted. */
export function resourceJson(resource: GeneratedResource): JsonValue {
  try {
    return anyToCanonicalJson(resource.resource, { protoFieldNames: true, redactSensitive: true });
  } catch (error) {
    // A type this build has no descriptor for (in the resource or an Any inside it): say so
    // rather than fail the whole dump.
    return {
      '@type': resource.resource.typeUrl ?? '',
      name: resource.name,
      error: `cannot render as JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Envoy leaves `last_updated` out when it has not sent the type yet. */
function withTime(entry: Record<string, JsonValue>, lastUpdated: string | undefined): JsonValue {
  return lastUpdated === undefined ? entry : { ...entry, last_updated: lastUpdated };
}
