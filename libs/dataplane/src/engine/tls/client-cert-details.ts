/**
 * The `x-forwarded-client-cert` (XFCC) element Envoy builds for a request that came over mTLS:
 * `By=<this proxy's URI SAN>;Hash=<SHA-256 of the client certificate>` followed by the details
 * `set_current_client_cert_details` asks for (Cert, Chain, Subject, URI, DNS), each value quoted
 * when it holds a separator.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { XdsHttpConnectionManager } from '../../xds/model';
import { parseSubjectAltNames } from './san-matcher';

/** The verified client certificate of an mTLS connection, if there is one. */
export function clientCertificateOf(socket: TLSSocket): X509Certificate | undefined {
  if (!socket.authorized) return undefined;
  return socket.getPeerX509Certificate() ?? undefined;
}

export function clientCertElement(
  socket: TLSSocket,
  client: X509Certificate,
  details: XdsHttpConnectionManager['setCurrentClientCertDetails'],
): string {
  const parts: string[] = [];
  const localUri = parseSubjectAltNames(socket.getX509Certificate()?.subjectAltName).find((s) => s.type === 'uri');
  if (localUri) parts.push(`By=${quote(localUri.value)}`);
  parts.push(`Hash=${createHash('sha256').update(client.raw).digest('hex')}`);
  if (details?.cert) parts.push(`Cert="${encodeURIComponent(client.toString())}"`);
  if (details?.chain) {
    const chain = socket.getPeerCertificate(true);
    const pems: string[] = [];
    const seen = new Set<string>();
    for (let c = chain; c && c.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
      seen.add(c.fingerprint256);
      pems.push(
        `-----BEGIN CERTIFICATE-----\n${c.raw.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`,
      );
    }
    parts.push(`Chain="${encodeURIComponent(pems.join(''))}"`);
  }
  // RFC 2253 order: the most specific attribute first.
  if (details?.subject) parts.push(`Subject="${client.subject.split('\n').reverse().join(',').replace(/"/g, '\\"')}"`);
  const sans = parseSubjectAltNames(client.subjectAltName);
  if (details?.uri) for (const san of sans.filter((s) => s.type === 'uri')) parts.push(`URI=${quote(san.value)}`);
  if (details?.dns) for (const san of sans.filter((s) => s.type === 'dns')) parts.push(`DNS=${quote(san.value)}`);
  return parts.join(';');
}

function quote(value: string): string {
  return /[,;="]/.test(value) ? `"${value.replace(/"/g, '\\"')}"` : value;
}
