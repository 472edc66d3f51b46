/**
 * A shallow PEM check (RFC 7468 textual encoding): every `-----BEGIN <label>-----` is closed by
 * the matching END line with base64 between them, and the blocks a field needs are there. Keys
 * and certificates are not parsed further: the point is to refuse a Secret that cannot work
 * (truncated, wrong field, DER bytes, a certificate where the key belongs) before a proxy sees it.
 */

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n\t ]*?)-----END ([A-Z0-9 ]+)-----/g;
const BEGIN = /-----BEGIN /g;
const BASE64_BODY = /^[A-Za-z0-9+/]+={0,2}$/;

/** Labels of a private key Envoy can load without a password. */
const PRIVATE_KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);
const CERTIFICATE_LABEL = 'CERTIFICATE';

export type PemCheck = { readonly ok: true } | { readonly ok: false; readonly problem: string };

/** Labels of the well-formed blocks in `text`, or what is wrong with it. */
function pemLabels(bytes: Uint8Array): { labels: string[] } | { problem: string } {
  const text = Buffer.from(bytes).toString('latin1');
  const labels: string[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, begin, body, end] = match;
    if (begin !== end) return { problem: `PEM block BEGIN ${begin} is closed by END ${end}` };
    const base64 = body.replace(/\s+/g, '');
    if (base64 === '' || !BASE64_BODY.test(base64) || base64.length % 4 !== 0) {
      return { problem: `PEM block ${begin} does not hold base64` };
    }
    labels.push(begin);
  }
  const begins = text.match(BEGIN)?.length ?? 0;
  if (begins === 0) return { problem: 'is not PEM (no -----BEGIN line)' };
  if (begins !== labels.length) return { problem: 'has a PEM block that is not closed or not well formed' };
  return { labels };
}

/** One or more certificates (a chain, or a CA bundle). */
export function checkCertificatePem(bytes: Uint8Array): PemCheck {
  const read = pemLabels(bytes);
  if ('problem' in read) return { ok: false, problem: read.problem };
  if (!read.labels.includes(CERTIFICATE_LABEL)) return { ok: false, problem: 'holds no CERTIFICATE block' };
  return { ok: true };
}

/** An unencrypted private key (PKCS#8, PKCS#1 RSA or SEC1 EC). */
export function checkPrivateKeyPem(bytes: Uint8Array): PemCheck {
  const read = pemLabels(bytes);
  if ('problem' in read) return { ok: false, problem: read.problem };
  const keys = read.labels.filter((label) => PRIVATE_KEY_LABELS.has(label));
  if (read.labels.includes('ENCRYPTED PRIVATE KEY')) {
    return { ok: false, problem: 'holds an encrypted private key (a proxy cannot use it without a password)' };
  }
  if (keys.length !== 1) {
    return { ok: false, problem: keys.length === 0 ? 'holds no PRIVATE KEY block' : 'holds more than one private key' };
  }
  return { ok: true };
}
