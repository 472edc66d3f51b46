/**
 * TLS from the proxy to a service (Istio's client TLS), for Envoy-style proxies:
 *
 * - DestinationRule `tls.mode`: DISABLE (plaintext), SIMPLE / MUTUAL (TLS origination with the
 *   rule's files, served to the proxy over SDS as `file-cert:<cert>~<key>` and `file-root:<ca>`,
 *   the CA defaulting to the system trust store `file-root:system`; or a `credentialName`, served
 *   as `kubernetes://<name>` and `kubernetes://<name>-cacert`), ISTIO_MUTUAL (the workload's own
 *   certificate `default` and the mesh root `ROOTCA` from the agent, the server's identity checked
 *   against the service's accounts, SNI `outbound_.<port>_.<subset>_.<host>`);
 * - no TLS in the rule: auto mTLS (MeshConfig `enableAutoMtls`), unless the service is
 *   mesh-external or its namespace (or the mesh) disables mTLS: the ISTIO_MUTUAL socket is used
 *   only for endpoints labelled `tlsMode: istio` by EDS, plaintext for the others, through
 *   transport socket matches.
 */
import type { ClientTLSSettings, LoadBalancerSettings } from '@mesh/config-model';
import type { Proxy, PushContext, Service, ServicePort } from '@mesh/mesh-model';
import { packAny } from '@mesh/xds';
import {
  Cluster_DiscoveryType,
  type Cluster_TransportSocketMatch,
} from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import type { TransportSocket } from '@mesh/xds/generated/envoy/config/core/v3/base';
import { TlsParameters_TlsProtocol } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/common';
import {
  UpstreamTlsContext,
  type CommonTlsContext,
} from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import type { StringMatcher } from '@mesh/xds/generated/envoy/type/matcher/v3/string';
import { rawBufferTransportSocket } from '../common/raw-buffer';
import {
  credentialCaSdsSecret,
  credentialSdsSecret,
  SDS_DEFAULT_RESOURCE,
  SDS_ROOT_RESOURCE,
  workloadSdsSecret,
} from '../common/sds';
import { WellKnown } from '../common/well-known';
import { isHttp2, upstreamHttpOptions, type ClusterDraft } from './cluster-draft';

/** ALPN of in-mesh mTLS: `istio` tells the server's sidecar the connection comes from the mesh. */
export const ALPN_IN_MESH = ['istio'];
export const ALPN_IN_MESH_H2 = ['istio', 'h2'];
export const ALPN_H2_ONLY = ['h2'];

/** Resource names the agent serves from files named in a DestinationRule. */
export function fileCertResourceName(certificate: string, privateKey: string): string {
  return `file-cert:${certificate}~${privateKey}`;
}
export function fileRootResourceName(caCertificates: string): string {
  return `file-root:${caCertificates}`;
}
/** The CA used when a SIMPLE or MUTUAL rule names none: the system trust store. */
export const SYSTEM_CA = 'system';

const CONFIGMAP_CREDENTIAL_PREFIX = 'configmap://';

/** `outbound_.9080_.v1_.reviews.default.svc.cluster.local`: the SNI of in-mesh mTLS. */
export function istioMtlsSni(port: number, subset: string, hostname: string): string {
  return `outbound_.${port}_.${subset}_.${hostname}`;
}

export function exactMatchers(values: readonly string[] | undefined): StringMatcher[] | undefined {
  return values && values.length > 0 ? values.map((exact) => ({ exact })) : undefined;
}

function tlsTransportSocket(context: UpstreamTlsContext): TransportSocket {
  return { name: WellKnown.TlsTransportSocket, typedConfig: packAny(UpstreamTlsContext, context) };
}

function defaultCommonTlsContext(): CommonTlsContext {
  return {
    tlsParams: {
      tlsMinimumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_2,
      tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3,
    },
  };
}

/** Istio's best guess of whether a service's servers take mTLS, for auto mTLS. */
function autoMtlsPossible(
  push: PushContext,
  service: Service,
  port: ServicePort,
  lb: LoadBalancerSettings | undefined,
): boolean {
  if (service.meshExternal) return false;
  if (service.resolution === 'Passthrough' || lb?.simple === 'PASSTHROUGH') {
    // Original-destination traffic reaches any endpoint: all must have a sidecar.
    const endpoints = push.endpointsForServicePort(service, port.port);
    if (endpoints.length === 0 || endpoints.some((endpoint) => endpoint.tlsMode !== 'istio')) return false;
  }
  return push.effectivePeerAuthentication({ namespace: service.namespace, labels: {} }).mode !== 'DISABLE';
}

export interface UpstreamTlsInputs {
  readonly push: PushContext;
  readonly proxy: Proxy;
  readonly service: Service;
  readonly port: ServicePort;
  readonly subset: string;
  readonly tls: ClientTLSSettings | undefined;
  readonly loadBalancer: LoadBalancerSettings | undefined;
  /** The rule selects workloads: only then may a sidecar fetch `credentialName` secrets. */
  readonly ruleHasWorkloadSelector: boolean;
}

/** The outcome for a cluster: applied, or impossible (MUTUAL without client certificate: fail closed). */
export type TlsOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function istioMutualContext(draft: ClusterDraft, sans: readonly string[] | undefined, sni: string): UpstreamTlsContext {
  return {
    commonTlsContext: {
      ...defaultCommonTlsContext(),
      tlsCertificateSdsSecretConfigs: [workloadSdsSecret(SDS_DEFAULT_RESOURCE)],
      combinedValidationContext: {
        defaultValidationContext: { matchSubjectAltNames: exactMatchers(sans) ?? [] },
        validationContextSdsSecretConfig: workloadSdsSecret(SDS_ROOT_RESOURCE),
      },
      alpnProtocols: isHttp2(draft) ? ALPN_IN_MESH_H2 : ALPN_IN_MESH,
    },
    sni,
  };
}

function originationContext(
  draft: ClusterDraft,
  inputs: UpstreamTlsInputs,
  tls: ClientTLSSettings,
): UpstreamTlsContext | { error: string } {
  const mutual = tls.mode === 'MUTUAL';
  const context: UpstreamTlsContext = {
    commonTlsContext: defaultCommonTlsContext(),
    ...(tls.sni ? { sni: tls.sni } : {}),
  };
  const common = context.commonTlsContext!;
  // Without an explicit SNI, send the request's host (auto SNI) and check the certificate against
  // it when no names are given either.
  if (!tls.sni) {
    const upstream = upstreamHttpOptions(draft);
    upstream.autoSni = true;
    if ((tls.subjectAltNames?.length ?? 0) === 0 && !tls.insecureSkipVerify) upstream.autoSanValidation = true;
  }
  let sans = tls.subjectAltNames;
  if (inputs.service.registry === 'External' && (sans?.length ?? 0) === 0)
    sans = [...inputs.push.serviceAccountsFor(inputs.service)];
  if (tls.credentialName) {
    if (mutual) common.tlsCertificateSdsSecretConfigs = [credentialSdsSecret(tls.credentialName)];
    if (!tls.insecureSkipVerify) {
      common.combinedValidationContext = {
        defaultValidationContext: { matchSubjectAltNames: exactMatchers(sans) ?? [] },
        validationContextSdsSecretConfig: credentialCaSdsSecret(tls.credentialName),
      };
    }
  } else {
    if (mutual) {
      if (!tls.clientCertificate || !tls.privateKey) {
        return { error: 'tls mode MUTUAL needs clientCertificate and privateKey (or credentialName)' };
      }
      common.tlsCertificateSdsSecretConfigs = [
        workloadSdsSecret(fileCertResourceName(tls.clientCertificate, tls.privateKey)),
      ];
    }
    if (tls.insecureSkipVerify) {
      common.validationContext = {};
    } else {
      common.combinedValidationContext = {
        defaultValidationContext: {
          matchSubjectAltNames: exactMatchers(sans) ?? [],
          ...(tls.caCrl ? { crl: { filename: tls.caCrl } } : {}),
        },
        validationContextSdsSecretConfig: workloadSdsSecret(fileRootResourceName(tls.caCertificates || SYSTEM_CA)),
      };
    }
  }
  if (isHttp2(draft)) common.alpnProtocols = ALPN_H2_ONLY;
  return context;
}

/**
 * Sets the cluster's transport socket (or auto-mTLS socket matches) for the rule's TLS settings.
 * Call after the protocol options are final: the ALPN depends on HTTP/2.
 */
export function applyUpstreamTls(draft: ClusterDraft, inputs: UpstreamTlsInputs): TlsOutcome {
  const { push, service, port, subset, tls } = inputs;
  const sni = istioMtlsSni(port.port, subset, service.hostname);
  const serviceAccounts = () => push.serviceAccountsFor(service);

  if (tls) {
    if (tls.mode === undefined || tls.mode === 'DISABLE') return { ok: true };
    if (tls.mode === 'ISTIO_MUTUAL') {
      const sans = tls.subjectAltNames?.length ? tls.subjectAltNames : serviceAccounts();
      draft.cluster.transportSocket = tlsTransportSocket(istioMutualContext(draft, sans, tls.sni || sni));
      return { ok: true };
    }
    // Istio lets a sidecar fetch a credential only for rules that select workloads, so that a
    // namespace-wide rule cannot make every sidecar wait for a secret it may not read.
    const privilegedCredential = !!tls.credentialName && !tls.credentialName.startsWith(CONFIGMAP_CREDENTIAL_PREFIX);
    if (privilegedCredential && inputs.proxy.type === 'sidecar' && !inputs.ruleHasWorkloadSelector) return { ok: true };
    const context = originationContext(draft, inputs, tls);
    if ('error' in context) return { ok: false, reason: context.error };
    draft.cluster.transportSocket = tlsTransportSocket(context);
    return { ok: true };
  }

  if (!push.mesh.enableAutoMtls || !autoMtlsPossible(push, service, port, inputs.loadBalancer)) return { ok: true };
  const socket = tlsTransportSocket(istioMutualContext(draft, serviceAccounts(), sni));
  if (draft.cluster.type === Cluster_DiscoveryType.ORIGINAL_DST) {
    // Every endpoint was checked to have a sidecar (autoMtlsPossible); no per-endpoint metadata here.
    draft.cluster.transportSocket = socket;
    return { ok: true };
  }
  draft.cluster.transportSocketMatches = autoMtlsSocketMatches(socket);
  return { ok: true };
}

/** mTLS for endpoints whose metadata says `tlsMode: istio`, plaintext for the rest. */
export function autoMtlsSocketMatches(mtls: TransportSocket): Cluster_TransportSocketMatch[] {
  return [
    { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transportSocket: mtls },
    { name: 'tlsMode-disabled', match: {}, transportSocket: rawBufferTransportSocket() },
  ];
}
