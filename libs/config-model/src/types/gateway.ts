/**
 * networking.istio.io Gateway: the ports, hosts and TLS a gateway workload (picked by `selector`)
 * listens with. VirtualServices bind to its servers by host.
 */
import type { LabelMap } from './common';

export interface GatewaySpec {
  servers?: Server[];
  /** Gateway workloads this applies to, searched in every namespace by default. */
  selector?: LabelMap;
}

export interface Server {
  port: Port;
  bind?: string;
  /** `[namespace/]dnsName`: namespace `*` (any, the default) or `.` (the Gateway's). */
  hosts: string[];
  tls?: ServerTLSSettings;
  defaultEndpoint?: string;
  name?: string;
}

/** A listener port: `protocol` is HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, TCP or TLS. */
export interface Port {
  number: number;
  protocol: string;
  name: string;
  targetPort?: number;
}

export type ServerTLSMode =
  'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL' | 'OPTIONAL_MUTUAL';

export type TLSProtocolVersion = 'TLS_AUTO' | 'TLSV1_0' | 'TLSV1_1' | 'TLSV1_2' | 'TLSV1_3';

/** TLS a server (Gateway, or Sidecar ingress listener) terminates or passes through. */
export interface ServerTLSSettings {
  /** Answer plain HTTP with a 301 to HTTPS. */
  httpsRedirect?: boolean;
  mode?: ServerTLSMode;
  serverCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  caCrl?: string;
  /** A Secret (in the gateway's namespace) holding the key, certificate and optionally the CA. */
  credentialName?: string;
  credentialNames?: string[];
  tlsCertificates?: { serverCertificate?: string; privateKey?: string; caCertificates?: string }[];
  subjectAltNames?: string[];
  verifyCertificateSpki?: string[];
  verifyCertificateHash?: string[];
  minProtocolVersion?: TLSProtocolVersion;
  maxProtocolVersion?: TLSProtocolVersion;
  cipherSuites?: string[];
}
