/**
 * What an SDS resource name asks for. istiod serves `kubernetes://<name>` (a Secret in the
 * proxy's own namespace) and `kubernetes://<namespace>/<name>`; a name ending in `-cacert` asks
 * for the CA certificate of the credential rather than its certificate and key. Other schemes
 * (`default` and `ROOTCA` are the agent's; `kubernetes-gateway://` belongs to the Gateway API,
 * which this build does not implement) are not ours to serve.
 */
import { CREDENTIAL_CA_SUFFIX, CREDENTIAL_PREFIX } from '../common/sds';

export interface CredentialReference {
  /** The resource name as the proxy asked for it (the name of the Secret resource we answer). */
  readonly resourceName: string;
  /** Namespace of the Kubernetes Secret: the proxy's, unless the name gives one. */
  readonly namespace: string;
  /** The name after the scheme and namespace, `-cacert` suffix included. */
  readonly name: string;
  /** The CA certificate of the credential (`-cacert`), not its certificate and key. */
  readonly caOnly: boolean;
}

export type ParsedReference =
  { readonly ok: true; readonly reference: CredentialReference } | { readonly ok: false; readonly reason: string };

/** Parses `kubernetes://[<namespace>/]<name>` for a proxy in `proxyNamespace`. */
export function parseCredentialReference(resourceName: string, proxyNamespace: string): ParsedReference {
  if (!resourceName.startsWith(CREDENTIAL_PREFIX)) {
    return { ok: false, reason: `not a ${CREDENTIAL_PREFIX} credential (istiod serves only those)` };
  }
  const parts = resourceName.slice(CREDENTIAL_PREFIX.length).split('/');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    return {
      ok: false,
      reason: `malformed name: expected ${CREDENTIAL_PREFIX}<name> or ${CREDENTIAL_PREFIX}<namespace>/<name>`,
    };
  }
  const [namespace, name] = parts.length === 2 ? parts : [proxyNamespace, parts[0]];
  return {
    ok: true,
    reference: { resourceName, namespace, name, caOnly: name.endsWith(CREDENTIAL_CA_SUFFIX) },
  };
}
