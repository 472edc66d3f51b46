/**
 * Certificates for the TLS tests: makeTestCertificates' CA (and its localhost server certificate),
 * plus leaf certificates with chosen SANs signed by the same CA, and a second, unrelated CA. Made
 * with the openssl CLI in the certificates' temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestCertificates, type TestCertificates } from '@mesh/testing';
import type { Secret } from '@mesh/xds';

export interface Leaf {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
}

export class TlsTestCertificates {
  private serial = 10;

  private constructor(readonly base: TestCertificates) {}

  static make(): TlsTestCertificates {
    return new TlsTestCertificates(makeTestCertificates());
  }

  get caCert(): string {
    return this.base.caCert;
  }

  /** A leaf signed by the test CA, for server and client use, with the given SANs (`DNS:a.example.com`, `URI:spiffe://...`). */
  leaf(name: string, commonName: string, sans: string[]): Leaf {
    const file = (suffix: string) => join(this.base.dir, `${name}.${suffix}`);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: this.base.dir, stdio: 'pipe' });
    const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', ...ecKey, '-keyout', file('key'), '-out', file('csr'), '-subj', `/CN=${commonName}`);
    writeFileSync(
      file('ext'),
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        `subjectAltName=${sans.join(',')}`,
        '',
      ].join('\n'),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file('csr'),
      '-CA',
      join(this.base.dir, 'ca.crt'),
      '-CAkey',
      join(this.base.dir, 'ca.key'),
      '-set_serial',
      String(this.serial++),
      '-days',
      '1',
      '-extfile',
      file('ext'),
      '-out',
      file('crt'),
    );
    return { cert: readFileSync(file('crt'), 'utf8'), key: readFileSync(file('key'), 'utf8'), certFile: file('crt') };
  }

  /** A self-signed certificate from no CA the proxy trusts. */
  untrusted(name: string): Leaf {
    const file = (suffix: string) => join(this.base.dir, `${name}.${suffix}`);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        file('key'),
        '-out',
        file('crt'),
        '-days',
        '1',
        '-subj',
        `/CN=${name}`,
        '-addext',
        'subjectAltName=DNS:localhost',
      ],
      { cwd: this.base.dir, stdio: 'pipe' },
    );
    return { cert: readFileSync(file('crt'), 'utf8'), key: readFileSync(file('key'), 'utf8'), certFile: file('crt') };
  }

  remove(): void {
    this.base.remove();
  }
}

export function certificateSecretOf(name: string, leaf: { cert: string; key: string }): Secret {
  return {
    name,
    tlsCertificate: { certificateChain: { inlineString: leaf.cert }, privateKey: { inlineString: leaf.key } },
  };
}

export function trustSecretOf(name: string, caCert: string): Secret {
  return { name, validationContext: { trustedCa: { inlineString: caCert } } };
}
