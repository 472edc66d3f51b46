/**
 * The parts of the Kubernetes kinds the mesh reads, with Kubernetes' field names. Labels,
 * annotations, name and namespace are in the Config wrapper. What a Config keeps in `spec` and
 * what it keeps in `extra` follows the object: EndpointSlice, Secret and ConfigMap have no `spec`,
 * so their fields are in `extra` (read them with the helpers in `kube-objects.ts`).
 */
import type { LabelMap } from './common';

/** Namespace: its labels (e.g. `istio-injection`) are what matters, and they are in Config.labels. */
export interface NamespaceSpec {
  finalizers?: string[];
}

export type TransportProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServiceSpec {
  ports?: KubeServicePort[];
  /** Pods with all these labels are the endpoints; absent or empty means none are chosen. */
  selector?: LabelMap;
  /** `None` for a headless service. */
  clusterIP?: string;
  clusterIPs?: string[];
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  externalName?: string;
  externalIPs?: string[];
  ipFamilies?: ('IPv4' | 'IPv6')[];
  publishNotReadyAddresses?: boolean;
}

export interface KubeServicePort {
  /** Istio reads the protocol from it: `<protocol>[-<suffix>]`. Required when there are several ports. */
  name?: string;
  port: number;
  /** A number, or the name of a container port. Defaults to `port`. */
  targetPort?: number | string;
  /** Default TCP. */
  protocol?: TransportProtocol;
  /** Wins over the port name, e.g. `http`, `grpc`, `kubernetes.io/h2c`. */
  appProtocol?: string;
  nodePort?: number;
}

/** discovery.k8s.io/v1 EndpointSlice: top-level fields (kept in Config.extra). */
export interface EndpointSliceFields {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: KubeEndpoint[];
  ports?: EndpointPort[];
}

export interface KubeEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
}

export interface ObjectReference {
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
}

export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: TransportProtocol;
  appProtocol?: string;
}

export interface PodSpec {
  serviceAccountName?: string;
  nodeName?: string;
  hostNetwork?: boolean;
  containers: Container[];
  initContainers?: Container[];
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: TransportProtocol;
}

/** Pod `status` (kept in Config.extra). */
export interface PodStatus {
  podIP?: string;
  podIPs?: { ip: string }[];
  hostIP?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  conditions?: { type: string; status: 'True' | 'False' | 'Unknown' }[];
}

/** Secret top-level fields (kept in Config.extra). `data` values are base64. */
export interface SecretFields {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
}

/** ConfigMap top-level fields (kept in Config.extra). */
export interface ConfigMapFields {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

/** The `spec` of kinds that have none. */
export type NoSpec = Record<string, never>;
