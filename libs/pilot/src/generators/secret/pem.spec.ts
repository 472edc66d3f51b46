import { makeTestCertificates, type TestCertificates } from '@mesh/testing';
import { parseCredentialReference } from './credential-reference';
import { checkCertificatePem, checkPrivateKeyPem } from './pem';

let certs: TestCertificates;
beforeAll(() => {
  certs = makeTestCertificates();
});
afterAll(() => certs?.remove());

const bytes = (text: string) => Buffer.from(text);
const block = (label: string, body = 'AAAA') => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

describe('PEM checks', () => {
  it('accepts openssl output: a certificate, a chain, a PKCS#8 key', () => {
    expect(checkCertificatePem(bytes(certs.serverCert))).toEqual({ ok: true });
    expect(checkCertificatePem(bytes(certs.serverCert + certs.caCert))).toEqual({ ok: true });
    expect(checkPrivateKeyPem(bytes(certs.serverKey))).toEqual({ ok: true });
    // SEC1 keys often come after an EC PARAMETERS block.
    expect(checkPrivateKeyPem(bytes(block('EC PARAMETERS') + block('EC PRIVATE KEY')))).toEqual({ ok: true });
  });

  it('refuses what a proxy could not load, saying why', () => {
    expect(checkCertificatePem(bytes('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n'))).toEqual({
      ok: false,
      problem: 'PEM block BEGIN CERTIFICATE is closed by END PRIVATE KEY',
    });
    expect(checkCertificatePem(bytes(block('CERTIFICATE', 'not*base64')))).toMatchObject({ ok: false });
    expect(checkCertificatePem(bytes(block('CERTIFICATE', 'AAA')))).toEqual({
      ok: false,
      problem: 'PEM block CERTIFICATE does not hold base64',
    });
    expect(checkCertificatePem(bytes(certs.serverKey))).toEqual({ ok: false, problem: 'holds no CERTIFICATE block' });
    expect(checkCertificatePem(Buffer.from([0x30, 0x82, 0x01, 0x0a]))).toEqual({
      ok: false,
      problem: 'is not PEM (no -----BEGIN line)',
    });
    expect(checkPrivateKeyPem(bytes(block('ENCRYPTED PRIVATE KEY')))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('encrypted'),
    });
    expect(checkPrivateKeyPem(bytes(certs.serverKey + certs.serverKey))).toEqual({
      ok: false,
      problem: 'holds more than one private key',
    });
  });
});

describe('credential references', () => {
  it('reads kubernetes://<name> in the proxy namespace, kubernetes://<ns>/<name>, and -cacert', () => {
    expect(parseCredentialReference('kubernetes://cred', 'istio-system')).toEqual({
      ok: true,
      reference: { resourceName: 'kubernetes://cred', namespace: 'istio-system', name: 'cred', caOnly: false },
    });
    expect(parseCredentialReference('kubernetes://team-a/cred-cacert', 'istio-system')).toEqual({
      ok: true,
      reference: {
        resourceName: 'kubernetes://team-a/cred-cacert',
        namespace: 'team-a',
        name: 'cred-cacert',
        caOnly: true,
      },
    });
    for (const bad of ['kubernetes://', 'kubernetes:///x', 'kubernetes://ns/', 'ROOTCA', 'file-cert:/a~/b']) {
      expect(parseCredentialReference(bad, 'istio-system')).toMatchObject({ ok: false });
    }
  });
});
