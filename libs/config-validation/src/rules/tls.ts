/**
 * TLS settings: the client side (DestinationRule `tls`: how a proxy originates TLS) and the
 * server side (Gateway and Sidecar ingress `tls`: how a proxy terminates it). Each mode needs its
 * own certificates, or a `credentialName` naming a Kubernetes secret that holds them.
 */
import type { Field } from '../walker';

const CLIENT_TLS_FIELDS = [
  'mode',
  'clientCertificate',
  'privateKey',
  'caCertificates',
  'credentialName',
  'subjectAltNames',
  'sni',
  'insecureSkipVerify',
  'caCrl',
] as const;
const CLIENT_TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;

export function checkClientTLS(field: Field): void {
  const tls = field.struct(CLIENT_TLS_FIELDS);
  if (!tls) return;
  const mode = tls.field('mode').enumOf(CLIENT_TLS_MODES) ?? 'DISABLE';
  const text = (name: (typeof CLIENT_TLS_FIELDS)[number]): string => tls.field(name).string() ?? '';
  const clientCertificate = text('clientCertificate');
  const privateKey = text('privateKey');
  const caCertificates = text('caCertificates');
  const credentialName = text('credentialName');
  const caCrl = text('caCrl');
  text('sni');
  const sans = tls.field('subjectAltNames').strings();
  const insecure = tls.field('insecureSkipVerify').boolean() ?? false;

  if (insecure && mode === 'SIMPLE' && (caCertificates || credentialName || sans.length > 0)) {
    tls
      .field('insecureSkipVerify')
      .error(
        'with insecureSkipVerify, caCertificates, credentialName and subjectAltNames cannot be set in SIMPLE mode',
      );
  }
  if (insecure && mode === 'MUTUAL' && (caCertificates || sans.length > 0)) {
    tls.field('insecureSkipVerify').error('with insecureSkipVerify, caCertificates and subjectAltNames cannot be set');
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && credentialName) {
    if (clientCertificate || privateKey || caCertificates || caCrl) {
      tls
        .field('credentialName')
        .error(
          'credentialName supplies the certificates: clientCertificate, privateKey, caCertificates and caCrl cannot be set with it',
        );
    }
    return;
  }
  if (mode === 'MUTUAL') {
    if (!clientCertificate)
      tls.field('clientCertificate').error('MUTUAL mode requires clientCertificate (or credentialName)');
    if (!privateKey) tls.field('privateKey').error('MUTUAL mode requires privateKey (or credentialName)');
  }
}

export const SERVER_TLS_FIELDS = [
  'httpsRedirect',
  'mode',
  'serverCertificate',
  'privateKey',
  'caCertificates',
  'caCrl',
  'credentialName',
  'credentialNames',
  'tlsCertificates',
  'subjectAltNames',
  'verifyCertificateSpki',
  'verifyCertificateHash',
  'minProtocolVersion',
  'maxProtocolVersion',
  'cipherSuites',
] as const;
export const SERVER_TLS_MODES = [
  'PASSTHROUGH',
  'SIMPLE',
  'MUTUAL',
  'AUTO_PASSTHROUGH',
  'ISTIO_MUTUAL',
  'OPTIONAL_MUTUAL',
] as const;
export type ServerTLSMode = (typeof SERVER_TLS_MODES)[number];
const TLS_VERSIONS = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'] as const;
const TLS_CERTIFICATE_FIELDS = ['serverCertificate', 'privateKey', 'caCertificates'] as const;

/** Cipher suites Envoy (BoringSSL) accepts on a server, by OpenSSL name. */
const CIPHER_SUITES = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA',
  'AES256-SHA',
  'DES-CBC3-SHA',
]);

export interface ServerTLSFacts {
  readonly mode: ServerTLSMode;
  readonly httpsRedirect: boolean;
  /** Whether any certificate material (files or credentials) is configured. */
  readonly hasCertificates: boolean;
}

export function checkServerTLS(field: Field): ServerTLSFacts | undefined {
  const tls = field.struct(SERVER_TLS_FIELDS);
  if (!tls) return undefined;
  const mode = tls.field('mode').enumOf(SERVER_TLS_MODES) ?? 'PASSTHROUGH';
  const httpsRedirect = tls.field('httpsRedirect').boolean() ?? false;
  const text = (name: (typeof SERVER_TLS_FIELDS)[number]): string => tls.field(name).string() ?? '';
  const serverCertificate = text('serverCertificate');
  const privateKey = text('privateKey');
  const caCertificates = text('caCertificates');
  const caCrl = text('caCrl');
  const credentialName = text('credentialName');
  const credentialNames = tls.field('credentialNames').strings();
  const tlsCertificates = checkTLSCertificates(tls.field('tlsCertificates'));
  tls.field('subjectAltNames').strings();
  tls.field('verifyCertificateSpki').strings();
  tls.field('verifyCertificateHash').strings();
  const hasCredential = credentialName !== '' || credentialNames.length > 0;
  const hasCertificates =
    hasCredential || serverCertificate !== '' || privateKey !== '' || caCertificates !== '' || tlsCertificates > 0;

  checkProtocolVersions(tls.field('minProtocolVersion'), tls.field('maxProtocolVersion'), tls.field('cipherSuites'));

  if (mode === 'ISTIO_MUTUAL') {
    for (const name of ['serverCertificate', 'privateKey', 'caCertificates', 'credentialName'] as const) {
      if (text(name)) tls.field(name).error(`ISTIO_MUTUAL mode uses the mesh certificates: ${name} cannot be set`);
    }
    return { mode, httpsRedirect, hasCertificates };
  }
  if ((mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') && (hasCertificates || caCrl)) {
    tls.warn(`${mode} mode does not terminate TLS: the certificates are ignored`);
  }
  if (caCrl && hasCredential) {
    tls.field('caCrl').error('caCrl cannot be set with credentialName: put the CRL in the credential');
  }
  if (caCrl && mode === 'SIMPLE') tls.field('caCrl').error('caCrl is not supported in SIMPLE mode');
  if (hasCredential || tlsCertificates > 0) return { mode, httpsRedirect, hasCertificates };

  if (mode === 'SIMPLE') {
    if (!serverCertificate)
      tls.field('serverCertificate').error('SIMPLE mode requires serverCertificate (or credentialName)');
    if (!privateKey) tls.field('privateKey').error('SIMPLE mode requires privateKey (or credentialName)');
  } else if (mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
    if (!serverCertificate)
      tls.field('serverCertificate').error(`${mode} mode requires serverCertificate (or credentialName)`);
    if (!privateKey) tls.field('privateKey').error(`${mode} mode requires privateKey (or credentialName)`);
    if (!caCertificates) {
      tls.field('caCertificates').error(`${mode} mode requires caCertificates to verify clients (or credentialName)`);
    }
  }
  return { mode, httpsRedirect, hasCertificates };
}

/** `tlsCertificates`: several certificate/key pairs (e.g. RSA and ECDSA); returns how many. */
function checkTLSCertificates(field: Field): number {
  const items = field.list() ?? [];
  for (const item of items) {
    const certificate = item.struct(TLS_CERTIFICATE_FIELDS);
    if (!certificate) continue;
    certificate.requiredString('serverCertificate');
    certificate.requiredString('privateKey');
    certificate.field('caCertificates').string();
  }
  return items.length;
}

function checkProtocolVersions(minField: Field, maxField: Field, ciphersField: Field): void {
  const min = minField.enumOf(TLS_VERSIONS);
  const max = maxField.enumOf(TLS_VERSIONS);
  const ciphers = ciphersField.strings();
  if ((min === 'TLSV1_0' || min === 'TLSV1_1') && ciphers.length === 0) {
    minField.warn('TLS versions below 1.2 need cipherSuites that support them: the default ciphers do not');
  }
  if (min && max && min !== 'TLS_AUTO' && max !== 'TLS_AUTO' && TLS_VERSIONS.indexOf(min) > TLS_VERSIONS.indexOf(max)) {
    minField.error(`minProtocolVersion ${min} is higher than maxProtocolVersion ${max}`);
  }
  const seen = new Set<string>();
  for (const { value, field } of ciphers) {
    // "-X", "+X", "!X" and "[A|B]" are BoringSSL cipher-string operators; pass them through.
    const plain = value !== '' && value !== 'ALL' && /^[A-Za-z0-9]/.test(value);
    if (plain && !CIPHER_SUITES.has(value)) field.warn(`unknown cipher suite "${value}" is ignored`);
    else if (seen.has(value)) field.warn(`duplicate cipher suite "${value}" is ignored`);
    seen.add(value);
  }
}
