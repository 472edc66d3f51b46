/**
 * networking.istio.io Sidecar: narrows what a sidecar listens for (ingress) and which services it
 * knows about (egress `namespace/host` entries), and its default outbound policy.
 */
import type { Destination, NetworkingWorkloadSelector } from './common';
import type { ConnectionPoolSettings } from './destination-rule';
import type { ServerTLSSettings } from './gateway';

export interface SidecarSpec {
  /** Absent: applies to every workload of the namespace without a more specific Sidecar. */
  workloadSelector?: NetworkingWorkloadSelector;
  ingress?: IstioIngressListener[];
  egress?: IstioEgressListener[];
  inboundConnectionPool?: ConnectionPoolSettings;
  outboundTrafficPolicy?: OutboundTrafficPolicy;
}

export type CaptureMode = 'DEFAULT' | 'IPTABLES' | 'NONE';

export interface SidecarPort {
  number?: number;
  protocol?: string;
  name?: string;
  targetPort?: number;
}

export interface IstioIngressListener {
  port: SidecarPort;
  bind?: string;
  captureMode?: CaptureMode;
  defaultEndpoint?: string;
  tls?: ServerTLSSettings;
  connectionPool?: ConnectionPoolSettings;
}

export interface IstioEgressListener {
  port?: SidecarPort;
  bind?: string;
  captureMode?: CaptureMode;
  /** `namespace/dnsName`: namespace `*` (any), `.` (the Sidecar's) or `~` (none). */
  hosts: string[];
}

export interface OutboundTrafficPolicy {
  mode?: 'REGISTRY_ONLY' | 'ALLOW_ANY';
  egressProxy?: Destination;
}
