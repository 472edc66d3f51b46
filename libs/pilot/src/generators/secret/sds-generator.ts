/**
 * The SDS generator for Envoy-style proxies: the credentials their listeners (Gateway
 * `credentialName`) and clusters (DestinationRule `tls.credentialName`) fetch over ADS, as istiod
 * serves them:
 * - only the names the proxy asked for (Envoy never subscribes to SDS by wildcard; a wildcard
 *   request gets nothing);
 * - only Secrets of the proxy's own namespace. istiod additionally asks Kubernetes
 *   (SubjectAccessReview) whether the proxy's service account may read Secrets there; this build
 *   has no such check, so same namespace is the whole rule, and `kubernetes://<other-ns>/<name>`
 *   is refused;
 * - a name it cannot serve (unknown scheme, another namespace, Secret missing or malformed) is
 *   left out of the answer, so the proxy keeps waiting for it (or keeps what it had), and the
 *   reason is reported once until it changes.
 * A push caused only by Secret changes regenerates only the resources that read a changed Secret
 * (a partial answer); a push that changed no Secret leaves SDS alone.
 */
import type { Proxy, PushContext, PushRequest } from '@mesh/mesh-model';
import { packAny } from '@mesh/xds';
import { Secret } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/secret';
import type { GeneratedResource, GeneratedResources, Generator, WatchedResource } from '../../xds-server/generator';
import { parseCredentialReference } from './credential-reference';
import { credentialSecret, secretsReadBy } from './credential-secret';

export interface SecretGeneratorOptions {
  /**
   * Told once (until the reason changes or the name is served again) why a name is not served to
   * proxies of a namespace; for a warning log.
   */
  readonly onRefused?: (proxy: Proxy, resourceName: string, reason: string) => void;
}

type Outcome = { readonly resource: GeneratedResource } | { readonly reason: string };

const SECRET_KIND_PREFIX = 'Secret/';

/**
 * Secrets (`namespace/name`) whose change caused a push, or undefined when the push may have
 * changed any of them (an unnamed full push, or a proxy request).
 */
function changedSecrets(request: PushRequest): ReadonlySet<string> | undefined {
  if (!request.full || request.configsUpdated.size === 0) return undefined;
  if ((request.reasons.proxy ?? 0) > 0 || (request.reasons.debug ?? 0) > 0) return undefined;
  const changed = new Set<string>();
  for (const key of request.configsUpdated) {
    if (key.startsWith(SECRET_KIND_PREFIX)) changed.add(key.slice(SECRET_KIND_PREFIX.length));
  }
  return changed;
}

/** Refusals already reported, by namespace and resource name, so that each is logged once. */
class RefusalLog {
  private static readonly MAX_ENTRIES = 10_000;
  private readonly reported = new Map<string, string>();

  constructor(private readonly report: SecretGeneratorOptions['onRefused']) {}

  refused(proxy: Proxy, resourceName: string, reason: string): void {
    const key = `${proxy.namespace}\u0000${resourceName}`;
    if (this.reported.get(key) === reason) return;
    // Bounded: a client asking for endless made-up names must not grow this without limit.
    if (this.reported.size >= RefusalLog.MAX_ENTRIES) this.reported.clear();
    this.reported.set(key, reason);
    this.report?.(proxy, resourceName, reason);
  }

  served(proxy: Proxy, resourceName: string): void {
    if (this.reported.size > 0) this.reported.delete(`${proxy.namespace}\u0000${resourceName}`);
  }
}

export class SecretGenerator implements Generator<PushContext> {
  private readonly refusals: RefusalLog;
  /** Outcomes per snapshot, by proxy namespace and resource name (every router of a namespace shares them). */
  private readonly outcomes = new WeakMap<PushContext, Map<string, Outcome>>();

  constructor(options: SecretGeneratorOptions = {}) {
    this.refusals = new RefusalLog(options.onRefused);
  }

  generate(proxy: Proxy, watched: WatchedResource, push: PushContext, request: PushRequest): GeneratedResources {
    const changed = changedSecrets(request);
    if (changed?.size === 0) return { resources: [], noChange: true };
    const resources: GeneratedResource[] = [];
    for (const name of watched.resourceNames) {
      if (changed && !this.readsAny(proxy, name, changed)) continue;
      const outcome = this.outcome(push, proxy, name);
      if ('resource' in outcome) {
        resources.push(outcome.resource);
        this.refusals.served(proxy, name);
      } else {
        this.refusals.refused(proxy, name, outcome.reason);
      }
    }
    if (!changed) return { resources };
    return resources.length > 0 ? { resources, partial: true } : { resources: [], noChange: true };
  }

  /** Does the name read one of the changed Secrets? Names we cannot parse read none. */
  private readsAny(proxy: Proxy, name: string, changed: ReadonlySet<string>): boolean {
    const parsed = parseCredentialReference(name, proxy.namespace);
    return parsed.ok && secretsReadBy(parsed.reference).some((secret) => changed.has(secret));
  }

  private outcome(push: PushContext, proxy: Proxy, name: string): Outcome {
    let byName = this.outcomes.get(push);
    if (!byName) this.outcomes.set(push, (byName = new Map()));
    const key = `${proxy.namespace}\u0000${name}`;
    let outcome = byName.get(key);
    if (!outcome) byName.set(key, (outcome = buildOutcome(push, proxy.namespace, name)));
    return outcome;
  }
}

function buildOutcome(push: PushContext, proxyNamespace: string, name: string): Outcome {
  const parsed = parseCredentialReference(name, proxyNamespace);
  if (!parsed.ok) return { reason: parsed.reason };
  const { reference } = parsed;
  if (reference.namespace !== proxyNamespace) {
    return {
      reason: `Secret ${reference.namespace}/${reference.name} is in another namespace than the proxy (${proxyNamespace}); only the proxy's own namespace is served`,
    };
  }
  const built = credentialSecret(push, reference);
  if (!built.ok) return { reason: built.reason };
  return { resource: { name, resource: packAny(Secret, built.secret) } };
}
