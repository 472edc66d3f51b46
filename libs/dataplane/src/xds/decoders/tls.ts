/**
 * Transport sockets: plaintext (`raw_buffer`) or TLS contexts whose certificates and trust come
 * over SDS, which is how Istio configures mesh mTLS. Inline certificates and certificate
 * providers are rejected rather than ignored.
 */
import { type Any, TypeUrl } from '@mesh/xds';
import type { TransportSocket } from '@mesh/xds/generated/envoy/config/core/v3/base';
import {
  type CertificateValidationContext,
  SubjectAltNameMatcher_SanType,
} from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/common';
import type { SdsSecretConfig } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/secret';
import {
  type CommonTlsContext,
  DownstreamTlsContext,
  UpstreamTlsContext,
} from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import type { XdsDownstreamTls, XdsSanMatcher, XdsSecretRef, XdsTlsContext, XdsUpstreamTls } from '../model';
import { allowOnly, nonEmpty, stringMatcher, unpackTyped } from './common';
import { fail, field, index } from './decode-result';

const RAW_BUFFER = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

/** Undefined for plaintext; the checked TLS context otherwise. */
export function upstreamTransportSocket(socket: TransportSocket | undefined, path: string): XdsUpstreamTls | undefined {
  const typed = tlsTypedConfig(socket, path, TypeUrl.UpstreamTlsContext);
  if (!typed) return undefined;
  const context = unpackTyped(UpstreamTlsContext, typed, field(path, 'typed_config'));
  const at = field(path, 'typed_config');
  allowOnly(context, ['commonTlsContext', 'sni'], at);
  return { ...commonTlsContext(context.commonTlsContext, field(at, 'common_tls_context')), sni: context.sni ?? '' };
}

export function downstreamTransportSocket(
  socket: TransportSocket | undefined,
  path: string,
): XdsDownstreamTls | undefined {
  const typed = tlsTypedConfig(socket, path, TypeUrl.DownstreamTlsContext);
  if (!typed) return undefined;
  const at = field(path, 'typed_config');
  const context = unpackTyped(DownstreamTlsContext, typed, at);
  // Session resumption settings only tune handshakes; they never change who may connect.
  allowOnly(
    context,
    [
      'commonTlsContext',
      'requireClientCertificate',
      'disableStatelessSessionResumption',
      'disableStatefulSessionResumption',
      'sessionTimeout',
    ],
    at,
  );
  const common = commonTlsContext(context.commonTlsContext, field(at, 'common_tls_context'));
  if (common.certificates.length === 0) {
    fail(
      field(at, 'common_tls_context.tls_certificate_sds_secret_configs'),
      'a server TLS context needs a certificate',
    );
  }
  return { ...common, requireClientCertificate: context.requireClientCertificate ?? false };
}

/** The typed config of a TLS transport socket, or undefined for plaintext. */
function tlsTypedConfig(socket: TransportSocket | undefined, path: string, expected: string): Any | undefined {
  if (!socket) return undefined;
  const typed = socket.typedConfig;
  if (!typed) fail(field(path, 'typed_config'), 'is required');
  if (typed.typeUrl === RAW_BUFFER) return undefined;
  if (typed.typeUrl !== expected) {
    fail(field(path, 'typed_config'), `transport socket "${typed.typeUrl ?? ''}" is not supported by this proxy`);
  }
  return typed;
}

function commonTlsContext(context: CommonTlsContext | undefined, path: string): XdsTlsContext {
  if (!context) fail(path, 'is required');
  // tls_params (versions, ciphers) is accepted and not carried yet: the engine uses Node's TLS
  // defaults (TLS 1.2+), which is what Istio asks for.
  allowOnly(
    context,
    [
      'tlsParams',
      'tlsCertificateSdsSecretConfigs',
      'validationContextSdsSecretConfig',
      'combinedValidationContext',
      'alpnProtocols',
    ],
    path,
  );
  const certificates = (context.tlsCertificateSdsSecretConfigs ?? []).map((c, i) =>
    secretRef(c, index(field(path, 'tls_certificate_sds_secret_configs'), i)),
  );
  let validationContext: XdsSecretRef | undefined;
  let matchSubjectAltNames: XdsSanMatcher[] = [];
  if (context.validationContextSdsSecretConfig) {
    validationContext = secretRef(
      context.validationContextSdsSecretConfig,
      field(path, 'validation_context_sds_secret_config'),
    );
  }
  const combined = context.combinedValidationContext;
  if (combined) {
    const at = field(path, 'combined_validation_context');
    if (validationContext) fail(at, 'cannot be combined with validation_context_sds_secret_config');
    allowOnly(combined, ['defaultValidationContext', 'validationContextSdsSecretConfig'], at);
    validationContext = secretRef(
      combined.validationContextSdsSecretConfig,
      field(at, 'validation_context_sds_secret_config'),
    );
    const defaults = combined.defaultValidationContext;
    if (defaults) {
      const dat = field(at, 'default_validation_context');
      // Only the SAN checks are carried; any other validation field would change which peers
      // are trusted, so it is rejected.
      allowOnly(defaults, ['matchSubjectAltNames', 'matchTypedSubjectAltNames'], dat);
      matchSubjectAltNames = sanMatchers(defaults, dat);
    }
  }
  return { certificates, validationContext, matchSubjectAltNames, alpnProtocols: context.alpnProtocols ?? [] };
}

export function sanMatchers(
  context: Pick<CertificateValidationContext, 'matchSubjectAltNames' | 'matchTypedSubjectAltNames'>,
  path: string,
): XdsSanMatcher[] {
  const untyped = (context.matchSubjectAltNames ?? []).map((m, i) =>
    stringMatcher(m, index(field(path, 'match_subject_alt_names'), i)),
  );
  const typed = (context.matchTypedSubjectAltNames ?? []).map((m, i) => {
    const at = index(field(path, 'match_typed_subject_alt_names'), i);
    return { ...stringMatcher(m.matcher, field(at, 'matcher')), sanType: sanType(m.sanType, field(at, 'san_type')) };
  });
  return [...untyped, ...typed];
}

function sanType(value: SubjectAltNameMatcher_SanType | undefined, path: string): XdsSanMatcher['sanType'] {
  switch (value) {
    case SubjectAltNameMatcher_SanType.EMAIL:
      return 'email';
    case SubjectAltNameMatcher_SanType.DNS:
      return 'dns';
    case SubjectAltNameMatcher_SanType.URI:
      return 'uri';
    case SubjectAltNameMatcher_SanType.IP_ADDRESS:
      return 'ip_address';
    default:
      return fail(path, 'must be EMAIL, DNS, URI or IP_ADDRESS');
  }
}

function secretRef(config: SdsSecretConfig | undefined, path: string): XdsSecretRef {
  if (!config) fail(path, 'is required');
  const name = nonEmpty(config.name, field(path, 'name'));
  // An unset sds_config names a secret of the bootstrap; a non-ADS one another SDS server.
  return { name, viaAds: config.sdsConfig?.ads !== undefined };
}
