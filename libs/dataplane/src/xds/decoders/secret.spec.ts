import { packAny, Secret } from '@mesh/xds';
import { certificateSecret, PEM_CERTIFICATE } from '../../../testdata/envoy-fixtures';
import { SecretType } from '../resource-types';

const decode = (secret: Secret) => SecretType.decode(packAny(Secret, secret), 0);

describe('Secret decoder', () => {
  it('reads a certificate with its key, inline', () => {
    const result = decode(certificateSecret('default'));
    expect(result.ok && result.value).toMatchObject({ kind: 'tls_certificate', name: 'default' });
    expect(result.ok && result.value.kind === 'tls_certificate' && 'inline' in result.value.certificateChain).toBe(
      true,
    );
  });

  it('reads a validation context (trust bundle)', () => {
    const result = decode({
      name: 'ROOTCA',
      validationContext: { trustedCa: { inlineBytes: Buffer.from(PEM_CERTIFICATE) } },
    });
    expect(result.ok && result.value).toMatchObject({
      kind: 'validation_context',
      name: 'ROOTCA',
      matchSubjectAltNames: [],
    });
  });

  it('rejects a secret with neither, a key that is not PEM, and kinds it does not implement', () => {
    const message = (secret: Secret) => {
      const result = decode(secret);
      return result.ok ? undefined : result.error.message;
    };
    expect(message({ name: 's' })).toBe('Secret "s": must set tls_certificate or validation_context');
    expect(
      message({
        name: 's',
        tlsCertificate: { certificateChain: { inlineString: PEM_CERTIFICATE }, privateKey: { inlineString: 'secret' } },
      }),
    ).toBe('Secret "s": tls_certificate.private_key: does not hold a PEM "PRIVATE KEY" block');
    expect(message({ name: 's', genericSecret: { secret: { inlineString: 'x' } } })).toBe(
      'Secret "s": generic_secret: is not supported by this proxy',
    );
  });
});
