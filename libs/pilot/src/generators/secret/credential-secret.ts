/**
 * Builds the Envoy Secret for a credential reference from the Kubernetes Secrets of a
 * PushContext, reading the keys istiod reads:
 * - certificate and key: `cert` + `key` (generic Secret), else `tls.crt` + `tls.key`
 *   (kubernetes.io/tls); both of a pair must be non-empty;
 * - CA certificate (`<name>-cacert`): the Secret literally named `<name>-cacert` when it exists,
 *   else the Secret `<name>`; key `cacert`, else `ca.crt`.
 * Every field served is checked to be PEM of the right kind; a Secret that fails is refused as a
 * whole, with a reason naming the Secret and the field, never sent half-made.
 */
import { formatIssue, secretData, type Config } from '@mesh/config-model';
import type { PushContext } from '@mesh/mesh-model';
import type { Secret } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/secret';
import { CREDENTIAL_CA_SUFFIX } from '../common/sds';
import type { CredentialReference } from './credential-reference';
import { checkCertificatePem, checkPrivateKeyPem, type PemCheck } from './pem';

/** Key pairs of a certificate and its key, in the order istiod tries them. */
const CERT_KEY_PAIRS: ReadonlyArray<readonly [cert: string, key: string]> = [
  ['cert', 'key'],
  ['tls.crt', 'tls.key'],
];
/** Keys of a CA certificate, in the order istiod tries them. */
const CA_KEYS: readonly string[] = ['cacert', 'ca.crt'];

export type CredentialSecret =
  { readonly ok: true; readonly secret: Secret } | { readonly ok: false; readonly reason: string };

const refuse = (reason: string): CredentialSecret => ({ ok: false, reason });

function secretLabel(config: Config): string {
  return `Secret ${config.namespace}/${config.name}`;
}

/** The decoded data of a Secret, or why it cannot be read (bad base64 and the like). */
function readData(config: Config): { data: Readonly<Record<string, Buffer>> } | { reason: string } {
  const { value, issues } = secretData(config);
  const errors = issues.filter((issue) => issue.severity === 'error');
  if (errors.length > 0) return { reason: `${secretLabel(config)}: ${errors.map(formatIssue).join('; ')}` };
  return { data: value.data };
}

/** Up to three key names, to say what a Secret has instead (never values). */
function keysFound(data: Readonly<Record<string, Buffer>>): string {
  const keys = Object.keys(data).sort();
  if (keys.length === 0) return 'no keys';
  return keys.length <= 3 ? keys.join(', ') : `${keys.slice(0, 3).join(', ')} and ${keys.length - 3} more`;
}

function checkField(
  config: Config,
  key: string,
  bytes: Buffer,
  check: (bytes: Uint8Array) => PemCheck,
): string | undefined {
  const result = check(bytes);
  return result.ok ? undefined : `${secretLabel(config)}: data.${key} ${result.problem}`;
}

function tlsCertificateSecret(push: PushContext, reference: CredentialReference): CredentialSecret {
  const config = push.secret(reference.namespace, reference.name);
  if (!config) return refuse(`Secret ${reference.namespace}/${reference.name} not found`);
  const read = readData(config);
  if ('reason' in read) return refuse(read.reason);
  const { data } = read;
  const pair = CERT_KEY_PAIRS.find(([cert, key]) => data[cert]?.length && data[key]?.length);
  if (!pair) {
    const empty = CERT_KEY_PAIRS.find(([cert, key]) => cert in data && key in data);
    if (empty) return refuse(`${secretLabel(config)}: data.${empty[0]} and data.${empty[1]} are present but empty`);
    const expected = CERT_KEY_PAIRS.map(([cert, key]) => `${cert} and ${key}`).join(', or ');
    return refuse(`${secretLabel(config)}: needs data keys ${expected}; found ${keysFound(data)}`);
  }
  const [certKey, keyKey] = pair;
  const problem =
    checkField(config, certKey, data[certKey], checkCertificatePem) ??
    checkField(config, keyKey, data[keyKey], checkPrivateKeyPem);
  if (problem) return refuse(problem);
  return {
    ok: true,
    secret: {
      name: reference.resourceName,
      tlsCertificate: { certificateChain: { inlineBytes: data[certKey] }, privateKey: { inlineBytes: data[keyKey] } },
    },
  };
}

function caCertificateSecret(push: PushContext, reference: CredentialReference): CredentialSecret {
  const stripped = reference.name.slice(0, -CREDENTIAL_CA_SUFFIX.length);
  const config = push.secret(reference.namespace, reference.name) ?? push.secret(reference.namespace, stripped);
  if (!config) {
    return refuse(
      `neither Secret ${reference.namespace}/${reference.name} nor ${reference.namespace}/${stripped} exists`,
    );
  }
  const read = readData(config);
  if ('reason' in read) return refuse(read.reason);
  const { data } = read;
  const key = CA_KEYS.find((candidate) => data[candidate]?.length);
  if (!key) {
    const empty = CA_KEYS.find((candidate) => candidate in data);
    if (empty) return refuse(`${secretLabel(config)}: data.${empty} is present but empty`);
    return refuse(`${secretLabel(config)}: needs data key ${CA_KEYS.join(' or ')}; found ${keysFound(data)}`);
  }
  const problem = checkField(config, key, data[key], checkCertificatePem);
  if (problem) return refuse(problem);
  return {
    ok: true,
    secret: { name: reference.resourceName, validationContext: { trustedCa: { inlineBytes: data[key] } } },
  };
}

/** The Envoy Secret for the reference, or why it cannot be served. */
export function credentialSecret(push: PushContext, reference: CredentialReference): CredentialSecret {
  return reference.caOnly ? caCertificateSecret(push, reference) : tlsCertificateSecret(push, reference);
}

/**
 * Secrets (`namespace/name`) a reference reads, for push filtering: a credential's `-cacert`
 * resource may come from either Secret, and istiod treats the pair as related both ways.
 */
export function secretsReadBy(reference: CredentialReference): string[] {
  const base = reference.caOnly ? reference.name.slice(0, -CREDENTIAL_CA_SUFFIX.length) : reference.name;
  return [`${reference.namespace}/${base}`, `${reference.namespace}/${base}${CREDENTIAL_CA_SUFFIX}`];
}
