/**
 * Subject-alternative-name checks on a peer certificate, with Envoy's rules: the peer passes when
 * any matcher matches any of its SANs of the matcher's type (an untyped matcher looks at DNS, URI,
 * email and IP SANs alike). An exact matcher against a wildcard DNS SAN (`*.example.com`) matches
 * one label under it, as Envoy's DNS name match does.
 */
import type { PeerCertificate } from 'node:tls';
import type { XdsSanMatcher } from '../../xds/model';
import { compileStringMatcher } from '../routing/string-matcher';

export interface SubjectAltName {
  readonly type: 'dns' | 'uri' | 'email' | 'ip_address';
  readonly value: string;
}

const SAN_PREFIXES: ReadonlyArray<readonly [string, SubjectAltName['type']]> = [
  ['DNS:', 'dns'],
  ['URI:', 'uri'],
  ['email:', 'email'],
  ['IP Address:', 'ip_address'],
];

/** Parses Node's `subjectaltname` text (`DNS:a, URI:spiffe://x`, values JSON-quoted when they hold a comma). */
export function parseSubjectAltNames(text: string | undefined): SubjectAltName[] {
  if (!text) return [];
  const sans: SubjectAltName[] = [];
  let rest = text;
  while (rest.length > 0) {
    const prefix = SAN_PREFIXES.find(([p]) => rest.startsWith(p));
    let end: number;
    let value: string;
    const start = prefix ? prefix[0].length : rest.indexOf(':') + 1;
    if (rest[start] === '"') {
      // A quoted value: the JSON string ends at the first unescaped quote.
      let i = start + 1;
      while (i < rest.length && rest[i] !== '"') i += rest[i] === '\\' ? 2 : 1;
      value = JSON.parse(rest.slice(start, i + 1)) as string;
      end = i + 1;
    } else {
      const comma = rest.indexOf(', ', start);
      end = comma === -1 ? rest.length : comma;
      value = rest.slice(start, end);
    }
    if (prefix) sans.push({ type: prefix[1], value });
    rest = rest.slice(end).replace(/^, /, '');
  }
  return sans;
}

export function peerSubjectAltNames(certificate: PeerCertificate | undefined): SubjectAltName[] {
  return parseSubjectAltNames(certificate?.subjectaltname);
}

export type SanCheck = (sans: readonly SubjectAltName[]) => boolean;

/** Undefined when there is nothing to check (no matchers: every peer the trust bundle accepts passes). */
export function compileSanCheck(matchers: readonly XdsSanMatcher[]): SanCheck | undefined {
  if (matchers.length === 0) return undefined;
  const compiled = matchers.map((m) => ({ matcher: m, test: compileStringMatcher(m) }));
  return (sans) =>
    compiled.some(({ matcher, test }) =>
      sans.some((san) => {
        if (matcher.sanType !== undefined && matcher.sanType !== san.type) return false;
        if (test(san.value)) return true;
        return matcher.kind === 'exact' && san.type === 'dns' && wildcardDnsMatch(san.value, matcher);
      }),
    );
}

/** `*.example.com` in the certificate covers exactly one label: `a.example.com`, not `a.b.example.com`. */
function wildcardDnsMatch(san: string, matcher: XdsSanMatcher): boolean {
  if (!san.startsWith('*.')) return false;
  const name = matcher.ignoreCase ? matcher.value.toLowerCase() : matcher.value;
  const suffix = matcher.ignoreCase ? san.slice(1).toLowerCase() : san.slice(1);
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot) === suffix;
}

export function describeSans(sans: readonly SubjectAltName[]): string {
  return sans.length === 0 ? 'none' : sans.map((s) => `${s.type.toUpperCase()}:${s.value}`).join(', ');
}
