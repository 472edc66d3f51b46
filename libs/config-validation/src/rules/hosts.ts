/**
 * Host names as Istio reads them: DNS-1123 labels (case-insensitive, as hosts are), an optional
 * wildcard first label (`*`, `*.example.com`, `*-suffix`), short names that the platform
 * completes, and the `namespace/host` form of Gateway servers and Sidecar egress listeners.
 * Each check returns the problem as a sentence, or undefined when the name is fine.
 */
import { isIPAddress } from './net';

const DNS_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const LOWER_DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

export function isDNS1123Label(text: string): boolean {
  return text.length <= 63 && DNS_LABEL.test(text);
}

/** Kubernetes object names that must be labels (namespaces): lower case only. */
export function isLowerDNS1123Label(text: string): boolean {
  return text.length <= 63 && LOWER_DNS_LABEL.test(text);
}

export function isLowerDNS1123Subdomain(text: string): boolean {
  return text.length > 0 && text.length <= 253 && text.split('.').every(isLowerDNS1123Label);
}

function isWildcardLabel(text: string): boolean {
  return text.length <= 63 && WILDCARD_LABEL.test(text);
}

function nameLengthProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 255) return `host name "${name.slice(0, 40)}..." is too long (max 255 characters)`;
  return undefined;
}

/** Labels after the first: each a DNS-1123 label, the last not all digits; a trailing dot is allowed. */
function labelsProblem(name: string, labels: string[]): string | undefined {
  const last = labels[labels.length - 1];
  if (/^\d+$/.test(last)) return `"${name}" is not a valid host name: the top-level domain "${last}" is all digits`;
  for (let i = 0; i < labels.length; i++) {
    if (i === labels.length - 1 && labels[i] === '' && i > 0) break; // "istio.io."
    if (!isDNS1123Label(labels[i])) {
      return `"${name}" is not a valid host name: "${labels[i]}" is not a DNS-1123 label`;
    }
  }
  return undefined;
}

/** A fully qualified (or short) DNS name, without wildcards. */
export function fqdnProblem(name: string): string | undefined {
  return nameLengthProblem(name) ?? labelsProblem(name, name.split('.'));
}

/** A DNS name whose first label may be a wildcard (`*`, `*.example.com`, `*-svc.example.com`). */
export function wildcardDomainProblem(name: string): string | undefined {
  const lengthProblem = nameLengthProblem(name);
  if (lengthProblem) return lengthProblem;
  const dot = name.indexOf('.');
  const first = dot === -1 ? name : name.slice(0, dot);
  if (!isWildcardLabel(first)) {
    return `"${name}" is not a valid host name: "${first}" is not a DNS-1123 label or a wildcard`;
  }
  return dot === -1 ? undefined : labelsProblem(name, name.slice(dot + 1).split('.'));
}

/** `*foo.com` style wildcards that do not stand for whole labels. */
export function isPartialWildcard(name: string): boolean {
  return name.includes('*') && name !== '*' && !name.startsWith('*.');
}

/** The host part of a Gateway server host or a Sidecar egress host. */
function hostPartProblems(hostname: string, kind: 'gateway' | 'sidecar'): string[] {
  const problems: string[] = [];
  if (hostname !== '*' && !hostname.includes('.')) {
    problems.push(`"${hostname}" is a short name; ${kind} hosts must be fully qualified (or "*")`);
  }
  const domain = wildcardDomainProblem(hostname);
  if (domain && !(kind === 'gateway' && isIPAddress(hostname))) problems.push(domain);
  if (isPartialWildcard(hostname)) {
    problems.push(`partial wildcard "${hostname}" is not allowed; use "*" or a "*." prefix`);
  }
  return problems;
}

/**
 * `namespace/host` as in Gateway servers (where the namespace is optional and the host may be an
 * IP address) and Sidecar egress listeners (where the namespace is required and may also be "~").
 */
export function namespacedHostProblems(text: string, kind: 'gateway' | 'sidecar'): string[] {
  const slash = text.indexOf('/');
  if (slash === -1) {
    if (kind === 'gateway') return hostPartProblems(text, kind);
    return [`"${text}" must be of the form namespace/host (e.g. "./*", "istio-system/*", "*/foo.example.com")`];
  }
  const namespace = text.slice(0, slash);
  const hostname = text.slice(slash + 1);
  const problems: string[] = [];
  if (namespace === '' || hostname === '') {
    problems.push(`"${text}": the namespace and the host of namespace/host must not be empty`);
    return problems;
  }
  const special = kind === 'sidecar' ? ['*', '.', '~'] : ['*', '.'];
  if (!special.includes(namespace) && !isDNS1123Label(namespace)) {
    problems.push(`"${namespace}" in "${text}" is not a valid namespace (use a namespace name, ${special.join(' ')})`);
  }
  problems.push(...hostPartProblems(hostname, kind));
  return problems;
}

function isWildcarded(name: string): boolean {
  return name.startsWith('*');
}

/** True when the two host patterns can match a common name (`*.com` and `*.foo.com`, `a.com` and `*.com`). */
export function hostsOverlap(a: string, b: string): boolean {
  if (isWildcarded(a) && isWildcarded(b)) {
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  }
  if (isWildcarded(a)) return b.endsWith(a.slice(1));
  if (isWildcarded(b)) return a.endsWith(b.slice(1));
  return a === b;
}

/** True when every name `inner` matches is also matched by `outer`. */
export function hostIsSubsetOf(inner: string, outer: string): boolean {
  if (isWildcarded(outer)) {
    return isWildcarded(inner) ? inner.slice(1).endsWith(outer.slice(1)) : inner.endsWith(outer.slice(1));
  }
  return !isWildcarded(inner) && inner === outer;
}
