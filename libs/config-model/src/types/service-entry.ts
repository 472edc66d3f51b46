/**
 * networking.istio.io ServiceEntry (services added to the registry), WorkloadEntry (a non-pod
 * workload such as a VM) and WorkloadGroup (the template WorkloadEntries are made from).
 */
import type { LabelMap, NetworkingWorkloadSelector } from './common';

export type ServiceEntryLocation = 'MESH_EXTERNAL' | 'MESH_INTERNAL';
export type ServiceEntryResolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';

export interface ServiceEntrySpec {
  hosts: string[];
  /** Virtual IPs or CIDRs of the service. */
  addresses?: string[];
  ports?: ServicePort[];
  location?: ServiceEntryLocation;
  resolution?: ServiceEntryResolution;
  /** At most one of `endpoints` and `workloadSelector`. */
  endpoints?: WorkloadEntrySpec[];
  /** Pods and WorkloadEntries in the ServiceEntry's namespace that are its endpoints. */
  workloadSelector?: NetworkingWorkloadSelector;
  exportTo?: string[];
  subjectAltNames?: string[];
}

export interface ServicePort {
  number: number;
  protocol?: string;
  name: string;
  targetPort?: number;
}

export interface WorkloadEntrySpec {
  /** IP, DNS name or `unix://` socket; may be empty only when `network` is set. */
  address?: string;
  /** Port name → port number on this endpoint. */
  ports?: Record<string, number>;
  labels?: LabelMap;
  network?: string;
  /** `region/zone/subzone`. */
  locality?: string;
  weight?: number;
  serviceAccount?: string;
}

export interface WorkloadGroupSpec {
  metadata?: { labels?: LabelMap; annotations?: Record<string, string> };
  template: WorkloadEntrySpec;
  probe?: ReadinessProbe;
}

/** One of `httpGet`, `tcpSocket`, `exec`, `grpc`, with the usual timing knobs. */
export interface ReadinessProbe {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  httpGet?: {
    path?: string;
    port: number;
    host?: string;
    scheme?: string;
    httpHeaders?: { name?: string; value?: string }[];
  };
  tcpSocket?: { host?: string; port: number };
  exec?: { command: string[] };
  grpc?: { port?: number; service?: string };
}
