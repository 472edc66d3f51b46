/**
 * Inbound mutual TLS, by the PeerAuthentication mode in force for a port:
 *
 * - STRICT: only TLS chains, terminating Istio mTLS (the workload certificate `default`, peers
 *   verified against `ROOTCA`, a client certificate required);
 * - PERMISSIVE: the same mTLS chains for connections the TLS inspector sees as TLS with Istio's
 *   ALPN, plus plaintext chains (and, for TCP, plain TLS passed through untouched);
 * - DISABLE: plaintext chains only.
 *
 * The filter chain matches (transport protocol and ALPN) follow Istio, so a client sidecar's
 * `istio-*` ALPN selects the mTLS chain and a plaintext client the raw one.
 */
import type { EffectiveMtlsMode } from '@mesh/mesh-model';
import { packAny } from '@mesh/xds';
import type { TransportSocket } from '@mesh/xds/generated/envoy/config/core/v3/base';
import { TlsParameters_TlsProtocol } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/common';
import { DownstreamTlsContext } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { SDS_DEFAULT_RESOURCE, SDS_ROOT_RESOURCE, workloadSdsSecret } from '../common/sds';
import { TransportProtocol, WellKnown } from '../common/well-known';

/** ALPN the HTTP inspector reports for plaintext HTTP (HTTP/1.0 is left to the TCP chain). */
export const PLAINTEXT_HTTP_ALPNS: readonly string[] = ['http/1.1', 'h2c'];
/** ALPN a client sidecar sends over mTLS for HTTP it detected. */
export const MTLS_HTTP_ALPNS: readonly string[] = ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'];
/** ALPN a client sidecar sends over mTLS for TCP (with metadata exchange). */
export const MTLS_TCP_ALPNS: readonly string[] = ['istio-peer-exchange', 'istio'];
export const ALL_ISTIO_MTLS_ALPNS: readonly string[] = [
  'istio',
  'istio-peer-exchange',
  'istio-http/1.0',
  'istio-http/1.1',
  'istio-h2',
];
/** ALPN the server offers: HTTP chains negotiate h2/http1.1; TCP chains also metadata exchange. */
export const SERVER_HTTP_ALPNS: readonly string[] = ['h2', 'http/1.1'];
export const SERVER_TCP_ALPNS: readonly string[] = ['istio-peer-exchange', 'h2', 'http/1.1'];

/** Cipher suites Istio allows for sidecar mTLS (TLS 1.2; TLS 1.3 suites are fixed by the protocol). */
export const MTLS_CIPHER_SUITES: readonly string[] = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-GCM-SHA256',
];

export type ChainProtocol = 'http' | 'tcp';
/** How a port is handled: HTTP, TCP, or AUTO (sniffed: both an HTTP and a TCP chain). */
export type PortHandling = ChainProtocol | 'auto';

export interface ChainMatchOption {
  readonly protocol: ChainProtocol;
  readonly transportProtocol: string;
  readonly applicationProtocols?: readonly string[];
  /** Terminate Istio mTLS on this chain. */
  readonly mtls: boolean;
}

const tls = TransportProtocol.Tls;
const raw = TransportProtocol.RawBuffer;

/** The chains (by match) a port needs for its handling and mTLS mode. */
export function inboundChainOptions(handling: PortHandling, mode: EffectiveMtlsMode): ChainMatchOption[] {
  if (handling === 'http') {
    if (mode === 'STRICT') return [{ protocol: 'http', transportProtocol: tls, mtls: true }];
    if (mode === 'PERMISSIVE') {
      return [
        { protocol: 'http', transportProtocol: tls, applicationProtocols: ALL_ISTIO_MTLS_ALPNS, mtls: true },
        { protocol: 'http', transportProtocol: raw, mtls: false },
      ];
    }
    return [{ protocol: 'http', transportProtocol: raw, mtls: false }];
  }
  if (handling === 'tcp') {
    if (mode === 'STRICT') return [{ protocol: 'tcp', transportProtocol: tls, mtls: true }];
    if (mode === 'PERMISSIVE') {
      return [
        { protocol: 'tcp', transportProtocol: tls, applicationProtocols: ALL_ISTIO_MTLS_ALPNS, mtls: true },
        { protocol: 'tcp', transportProtocol: raw, mtls: false },
        // One-way TLS from a client without a sidecar: passed through as opaque TCP.
        { protocol: 'tcp', transportProtocol: tls, mtls: false },
      ];
    }
    return [{ protocol: 'tcp', transportProtocol: raw, mtls: false }];
  }
  if (mode === 'STRICT') {
    return [
      { protocol: 'http', transportProtocol: tls, applicationProtocols: MTLS_HTTP_ALPNS, mtls: true },
      { protocol: 'tcp', transportProtocol: tls, mtls: true },
    ];
  }
  if (mode === 'PERMISSIVE') {
    return [
      { protocol: 'http', transportProtocol: tls, applicationProtocols: MTLS_HTTP_ALPNS, mtls: true },
      { protocol: 'http', transportProtocol: raw, applicationProtocols: PLAINTEXT_HTTP_ALPNS, mtls: false },
      { protocol: 'tcp', transportProtocol: tls, applicationProtocols: MTLS_TCP_ALPNS, mtls: true },
      { protocol: 'tcp', transportProtocol: raw, mtls: false },
      { protocol: 'tcp', transportProtocol: tls, mtls: false },
    ];
  }
  return [
    { protocol: 'http', transportProtocol: raw, applicationProtocols: PLAINTEXT_HTTP_ALPNS, mtls: false },
    { protocol: 'tcp', transportProtocol: raw, mtls: false },
  ];
}

/** Istio mTLS as a server: SDS `default`, peers verified against SDS `ROOTCA`, client certificate required. */
export function inboundMtlsContext(protocol: ChainProtocol): DownstreamTlsContext {
  return {
    commonTlsContext: {
      tlsParams: {
        tlsMinimumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_2,
        tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3,
        cipherSuites: [...MTLS_CIPHER_SUITES],
      },
      alpnProtocols: [...(protocol === 'tcp' ? SERVER_TCP_ALPNS : SERVER_HTTP_ALPNS)],
      tlsCertificateSdsSecretConfigs: [workloadSdsSecret(SDS_DEFAULT_RESOURCE)],
      combinedValidationContext: {
        defaultValidationContext: {},
        validationContextSdsSecretConfig: workloadSdsSecret(SDS_ROOT_RESOURCE),
      },
    },
    requireClientCertificate: true,
  };
}

export function downstreamTlsTransportSocket(context: DownstreamTlsContext): TransportSocket {
  return { name: WellKnown.TlsTransportSocket, typedConfig: packAny(DownstreamTlsContext, context) };
}
