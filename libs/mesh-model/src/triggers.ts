/**
 * From config changes to push requests. An allow-list says which kinds trigger what (Istio's
 * regret was a deny-list of kinds that "do not matter", which silently dropped new kinds):
 * - registry kinds (including Nodes, whose labels are their pods' locality) go through the
 *   ServiceRegistry, which says full push (a service definition changed) or incremental EDS (only
 *   endpoints did), or nothing;
 * - routing and policy kinds are a full push naming the config;
 * - Secrets are a push with reason `secret` (gateway credentials, SDS);
 * - everything else (Namespace, ConfigMap, WorkloadGroup) triggers nothing here: the MeshConfig
 *   ConfigMap and namespace labels are handled by whoever owns them.
 */
import { configKey, type Kind } from '@mesh/config-model';
import type { ConfigChange, ConfigChangeFeed } from './config-source';
import { pushRequest, type PushRequest } from './push-request';
import {
  pushRequestForRegistryUpdate,
  REGISTRY_KINDS,
  type RegistryUpdate,
  type ServiceRegistry,
} from './registry/service-registry';

/** Kinds whose change is a full push of the proxies that depend on them. */
export const CONFIG_PUSH_KINDS: ReadonlySet<Kind> = new Set<Kind>([
  'VirtualService',
  'DestinationRule',
  'Gateway',
  'Sidecar',
  'PeerAuthentication',
  'RequestAuthentication',
  'AuthorizationPolicy',
  'Telemetry',
]);

export interface ChangeOutcome {
  readonly request?: PushRequest;
  /** Set when the change went through the registry. */
  readonly registryUpdate?: RegistryUpdate;
}

/** Applies one change (registry kinds update `registry`) and returns the push it calls for. */
export function pushRequestForChange(change: ConfigChange, registry: ServiceRegistry, start: number): ChangeOutcome {
  const kind = change.config.kind;
  if (REGISTRY_KINDS.includes(kind)) {
    const registryUpdate = registry.apply(change);
    return { request: pushRequestForRegistryUpdate(registryUpdate, start), registryUpdate };
  }
  const key = configKey(change.config);
  if (CONFIG_PUSH_KINDS.has(kind)) {
    return { request: pushRequest({ reason: 'config', start, full: true, configsUpdated: new Set([key]) }) };
  }
  if (kind === 'Secret') {
    return { request: pushRequest({ reason: 'secret', start, full: true, configsUpdated: new Set([key]) }) };
  }
  return {};
}

export interface MeshWatchOptions {
  readonly feed: ConfigChangeFeed;
  readonly registry: ServiceRegistry;
  /** Receives each push request (typically `debouncer.enqueue`). */
  readonly onPushRequest: (request: PushRequest) => void;
  /** Clock of `PushRequest.start` (ms); inject `performance.now` in production. */
  readonly now: () => number;
  /** Told about registry updates (for logs and issues of malformed objects). */
  readonly onRegistryUpdate?: (change: ConfigChange, update: RegistryUpdate) => void;
}

/** Subscribes to the feed, keeps the registry current and emits push requests. Returns unsubscribe. */
export function watchMesh(options: MeshWatchOptions): () => void {
  return options.feed.subscribe((change) => {
    const outcome = pushRequestForChange(change, options.registry, options.now());
    if (outcome.registryUpdate) options.onRegistryUpdate?.(change, outcome.registryUpdate);
    if (outcome.request) options.onPushRequest(outcome.request);
  });
}
