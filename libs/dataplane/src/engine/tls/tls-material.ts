/**
 * Turns a checked TLS context (SDS references) into what Node's TLS needs: the PEM bytes of the
 * certificate, key and trust bundle, and the SAN check. Secrets come from the snapshot in force;
 * a context is resolved again only when one of its secrets changed (the resolved object keeps its
 * identity otherwise, which keeps upstream TLS sessions and server contexts alive across
 * unrelated updates). A context that cannot be served gets a reason instead.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { XdsDataSource, XdsSecret, XdsSecretRef, XdsTlsContext } from '../../xds/model';
import { compileSanCheck, type SanCheck } from './san-matcher';

export interface TlsMaterial {
  /** Distinct per resolution: a new value means new secrets. */
  readonly id: number;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** The trust bundle; undefined means the peer is not verified (Envoy without a validation context). */
  readonly ca?: Buffer;
  readonly sanCheck?: SanCheck;
  /** Node's context built from the above (proves the PEM loads; upstream connections use it). */
  readonly secureContext: SecureContext;
}

export type TlsResolution =
  { readonly ok: true; readonly material: TlsMaterial } | { readonly ok: false; readonly reason: string };

interface CacheEntry {
  readonly secrets: readonly (XdsSecret | undefined)[];
  readonly resolution: TlsResolution;
  /** The secrets generation it was last asked for in (entries unused for a whole generation are dropped). */
  usedIn: number;
}

let nextId = 1;

export class TlsMaterialResolver {
  private secrets: ReadonlyMap<string, XdsSecret> = new Map();
  private readonly cache = new Map<string, CacheEntry>();
  private generation = 0;

  /** The secrets of the snapshot in force; contexts whose secrets did not change keep their material. */
  useSecrets(secrets: ReadonlyMap<string, XdsSecret>): void {
    this.secrets = secrets;
    // Bounded by what the configuration still uses: clusters resolve theirs on every snapshot,
    // a listener's chain on each connection (an idle one rebuilds its context when next used).
    for (const [key, entry] of this.cache) if (entry.usedIn < this.generation) this.cache.delete(key);
    this.generation++;
  }

  resolve(context: XdsTlsContext): TlsResolution {
    const key = JSON.stringify(context);
    const refs = [...context.certificates, ...(context.validationContext ? [context.validationContext] : [])];
    const secrets = refs.map((r) => (r.viaAds ? this.secrets.get(r.name) : undefined));
    const cached = this.cache.get(key);
    if (cached && cached.secrets.every((s, i) => s === secrets[i])) {
      cached.usedIn = this.generation;
      return cached.resolution;
    }
    const resolution = this.build(context);
    this.cache.set(key, { secrets, resolution, usedIn: this.generation });
    return resolution;
  }

  private build(context: XdsTlsContext): TlsResolution {
    try {
      if (context.certificates.length > 1) {
        return { ok: false, reason: 'more than one certificate per TLS context is not supported by this proxy' };
      }
      let cert: Buffer | undefined;
      let key: Buffer | undefined;
      const certificateRef = context.certificates[0];
      if (certificateRef) {
        const secret = this.secret(certificateRef, 'tls_certificate');
        if (secret.kind !== 'tls_certificate') throw new Error(`secret "${certificateRef.name}" is not a certificate`);
        cert = read(secret.certificateChain);
        key = read(secret.privateKey);
      }
      let ca: Buffer | undefined;
      let matchers = context.matchSubjectAltNames;
      if (context.validationContext) {
        const secret = this.secret(context.validationContext, 'validation_context');
        if (secret.kind !== 'validation_context') {
          throw new Error(`secret "${context.validationContext.name}" is not a validation context`);
        }
        ca = read(secret.trustedCa);
        // Envoy merges the default validation context's SAN matchers with the secret's.
        matchers = [...matchers, ...secret.matchSubjectAltNames];
      }
      let secureContext: SecureContext;
      try {
        secureContext = createSecureContext({ cert, key, ca });
      } catch (error) {
        const names = refs(context).join(', ');
        throw new Error(`the TLS material of secrets ${names} cannot be loaded: ${message(error)}`);
      }
      return {
        ok: true,
        material: { id: nextId++, cert, key, ca, sanCheck: compileSanCheck(matchers), secureContext },
      };
    } catch (error) {
      return { ok: false, reason: message(error) };
    }
  }

  private secret(ref: XdsSecretRef, what: string): XdsSecret {
    if (!ref.viaAds) {
      throw new Error(
        `${what} secret "${ref.name}" comes from an SDS server other than ADS (e.g. the agent's sds-grpc), which this proxy does not fetch`,
      );
    }
    const secret = this.secrets.get(ref.name);
    if (!secret) throw new Error(`${what} secret "${ref.name}" has not been received over SDS`);
    return secret;
  }
}

function read(source: XdsDataSource): Buffer {
  if ('inline' in source) return source.inline;
  try {
    return readFileSync(source.filename);
  } catch (error) {
    throw new Error(`cannot read ${source.filename}: ${message(error)}`);
  }
}

function refs(context: XdsTlsContext): string[] {
  return [...context.certificates, ...(context.validationContext ? [context.validationContext] : [])].map(
    (r) => `"${r.name}"`,
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
