/**
 * Secret (SDS): a certificate chain with its private key, or a trust bundle (validation context).
 * Inline PEM is checked for the PEM block it must hold; parsing the certificates is the TLS
 * engine's job when it loads them.
 */
import { Secret } from '@mesh/xds';
import type { DataSource } from '@mesh/xds/generated/envoy/config/core/v3/base';
import type { XdsDataSource, XdsSecret } from '../model';
import { allowOnly, dataSource } from './common';
import { fail, type ResourceSpec } from './decode-result';
import { sanMatchers } from './tls';

export const secretSpec: ResourceSpec<Secret, XdsSecret> = {
  codec: Secret,
  nameField: 'name',
  nameOf: (m) => m.name,
  check: checkSecret,
};

function checkSecret(secret: Secret, name: string): XdsSecret {
  allowOnly(secret, ['name', 'tlsCertificate', 'validationContext'], '');
  if (secret.tlsCertificate && secret.validationContext)
    fail('', 'tls_certificate and validation_context are exclusive');
  if (secret.tlsCertificate) {
    const cert = secret.tlsCertificate;
    allowOnly(cert, ['certificateChain', 'privateKey'], 'tls_certificate');
    return {
      kind: 'tls_certificate',
      name,
      certificateChain: pem(cert.certificateChain, 'tls_certificate.certificate_chain', 'CERTIFICATE'),
      privateKey: pem(cert.privateKey, 'tls_certificate.private_key', 'PRIVATE KEY'),
    };
  }
  if (secret.validationContext) {
    const context = secret.validationContext;
    allowOnly(context, ['trustedCa', 'matchSubjectAltNames', 'matchTypedSubjectAltNames'], 'validation_context');
    return {
      kind: 'validation_context',
      name,
      trustedCa: pem(context.trustedCa, 'validation_context.trusted_ca', 'CERTIFICATE'),
      matchSubjectAltNames: sanMatchers(context, 'validation_context'),
    };
  }
  return fail('', 'must set tls_certificate or validation_context');
}

/** An inline source must hold a PEM block whose label ends with `label`. */
function pem(source: DataSource | undefined, path: string, label: string): XdsDataSource {
  const value = dataSource(source, path);
  if ('inline' in value && !new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(value.inline.toString('latin1'))) {
    fail(path, `does not hold a PEM "${label}" block`);
  }
  return value;
}
