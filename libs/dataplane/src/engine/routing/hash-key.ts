/**
 * A route's hash policies compiled into the request's consistent-hash key (Envoy's rules): each
 * policy that finds its value (header, cookie, source IP, query parameter) is hashed and combined
 * into the key (rotate left by one, then xor); a `terminal` policy that found one ends the search.
 * No value found: no key, and the cluster picks as if it had no hash policy (at random).
 *
 * A cookie policy with a TTL gives a request without the cookie a generated one (from the client
 * address), which is both hashed and set on the response, so the client's next requests stick.
 */
import type { XdsHashPolicy } from '../../xds/model';
import type { RequestFacts } from './request-facts';

/** 32-bit FNV-1a with a murmur3 finalizer: a cheap hash that spreads similar strings apart. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface HashKeyResult {
  readonly hash: number;
  /** A generated cookie to set on the response (`set-cookie` value). */
  readonly setCookie?: string;
}

export type HashKeyFunction = (request: RequestFacts, remoteAddress: string | undefined) => HashKeyResult | undefined;

export function compileHashKey(policies: readonly XdsHashPolicy[]): HashKeyFunction {
  return (request, remoteAddress) => {
    let hash: number | undefined;
    let setCookie: string | undefined;
    for (const policy of policies) {
      let value: string | undefined;
      switch (policy.kind) {
        case 'header':
          value = request.header(policy.name);
          break;
        case 'source_ip':
          value = remoteAddress;
          break;
        case 'query_parameter':
          value = request.queryParameter(policy.name);
          break;
        case 'cookie':
          value = cookieValue(request.header('cookie'), policy.name);
          if (value === undefined && policy.ttlMs !== undefined && remoteAddress !== undefined) {
            value = hashString(`${remoteAddress}:${Date.now()}`).toString(16);
            setCookie = cookieHeader(policy.name, value, policy.ttlMs, policy.path);
          }
          break;
      }
      if (value === undefined) continue;
      const h = hashString(value);
      hash = hash === undefined ? h : (((hash << 1) | (hash >>> 31)) ^ h) >>> 0;
      if (policy.terminal) break;
    }
    return hash === undefined ? undefined : { hash, setCookie };
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function cookieHeader(name: string, value: string, ttlMs: number, path: string | undefined): string {
  let cookie = `${name}="${value}"`;
  if (ttlMs > 0) cookie += `; Max-Age=${Math.floor(ttlMs / 1000)}`;
  if (path) cookie += `; Path=${path}`;
  return `${cookie}; HttpOnly`;
}
