/**
 * /config_dump: the active snapshot in the shape of Envoy's admin ConfigDump (one entry per
 * resource type, with its `@type`, version and the dynamic resources). The resources themselves
 * are the decoders' checked model written with snake_case keys, not the original protos (the
 * client keeps only what it checked): field names read like Envoy's, structure follows the model.
 * Secrets are listed by name and kind only; key material never leaves the proxy this way.
 */
import type { Snapshot } from '../../xds/snapshot';
import { ClusterType, EndpointsType, ListenerType, RouteConfigurationType, SecretType } from '../../xds/resource-types';

const ADMIN = 'type.googleapis.com/envoy.admin.v3';

export function configDump(snapshot: Snapshot | undefined): unknown {
  if (!snapshot) return { configs: [] };
  const version = (typeUrl: string) => snapshot.versions[typeUrl] ?? '';
  const cdsVersion = version(ClusterType.typeUrl);
  const ldsVersion = version(ListenerType.typeUrl);
  const rdsVersion = version(RouteConfigurationType.typeUrl);
  const edsVersion = version(EndpointsType.typeUrl);
  const sdsVersion = version(SecretType.typeUrl);
  return {
    configs: [
      {
        '@type': `${ADMIN}.ClustersConfigDump`,
        version_info: cdsVersion,
        dynamic_active_clusters: [...snapshot.clusters.values()].map((cluster) => ({
          version_info: cdsVersion,
          cluster: { '@type': ClusterType.typeUrl, ...snakeCased(cluster) },
        })),
      },
      {
        '@type': `${ADMIN}.EndpointsConfigDump`,
        dynamic_endpoint_configs: [...snapshot.endpoints.values()].map((assignment) => ({
          version_info: edsVersion,
          endpoint_config: { '@type': EndpointsType.typeUrl, ...snakeCased(assignment) },
        })),
      },
      {
        '@type': `${ADMIN}.ListenersConfigDump`,
        version_info: ldsVersion,
        dynamic_listeners: [...snapshot.listeners.values()].map((listener) => ({
          name: listener.name,
          active_state: {
            version_info: ldsVersion,
            listener: { '@type': ListenerType.typeUrl, ...snakeCased(listener) },
          },
        })),
      },
      {
        '@type': `${ADMIN}.RoutesConfigDump`,
        dynamic_route_configs: [...snapshot.routeConfigurations.values()].map((routes) => ({
          version_info: rdsVersion,
          route_config: { '@type': RouteConfigurationType.typeUrl, ...snakeCased(routes) },
        })),
      },
      {
        '@type': `${ADMIN}.SecretsConfigDump`,
        dynamic_active_secrets: [...snapshot.secrets.values()].map((secret) => ({
          name: secret.name,
          version_info: sdsVersion,
          secret: { '@type': SecretType.typeUrl, name: secret.name, kind: secret.kind },
        })),
      },
    ],
  };
}

function snakeCased(value: unknown): Record<string, unknown> {
  const converted = convert(value);
  return converted !== null && typeof converted === 'object' && !Array.isArray(converted)
    ? (converted as Record<string, unknown>)
    : { value: converted };
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = convert(inner);
  }
  return out;
}
