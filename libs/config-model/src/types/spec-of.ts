/** From a kind to the type of its spec, so `Config<SpecOf<'VirtualService'>>` is a typed VirtualService. */
import type { Config } from '../config';
import type { Kind } from '../schema';
import type { DestinationRuleSpec } from './destination-rule';
import type { GatewaySpec } from './gateway';
import type { NamespaceSpec, NoSpec, PodSpec, ServiceSpec } from './kubernetes';
import type { AuthorizationPolicySpec, PeerAuthenticationSpec, RequestAuthenticationSpec } from './security';
import type { ServiceEntrySpec, WorkloadEntrySpec, WorkloadGroupSpec } from './service-entry';
import type { SidecarSpec } from './sidecar';
import type { TelemetrySpec } from './telemetry';
import type { VirtualServiceSpec } from './virtual-service';

export interface SpecByKind {
  VirtualService: VirtualServiceSpec;
  DestinationRule: DestinationRuleSpec;
  Gateway: GatewaySpec;
  ServiceEntry: ServiceEntrySpec;
  Sidecar: SidecarSpec;
  WorkloadEntry: WorkloadEntrySpec;
  WorkloadGroup: WorkloadGroupSpec;
  PeerAuthentication: PeerAuthenticationSpec;
  AuthorizationPolicy: AuthorizationPolicySpec;
  RequestAuthentication: RequestAuthenticationSpec;
  Telemetry: TelemetrySpec;
  Namespace: NamespaceSpec;
  /** Only a Node's labels are kept (Config.labels; its schema says `keep: 'labels'`). */
  Node: NoSpec;
  Service: ServiceSpec;
  /** EndpointSlice, Secret and ConfigMap keep their fields in Config.extra (see kube-objects.ts). */
  EndpointSlice: NoSpec;
  Pod: PodSpec;
  Secret: NoSpec;
  ConfigMap: NoSpec;
}

export type SpecOf<K extends Kind> = SpecByKind[K];

export type ConfigOfKind<K extends Kind> = Config<SpecOf<K>> & { readonly kind: K };

/**
 * Narrows a Config by its kind. It looks at `kind` only: the spec is trusted to be what the kind
 * says, which holds for config that passed config-validation (the stores only hold such config).
 */
export function isConfigOfKind<K extends Kind>(config: Config, kind: K): config is ConfigOfKind<K> {
  return config.kind === kind;
}
