/**
 * Host names as Istio uses them: the FQDN of a Kubernetes service, short names resolved against a
 * config's namespace, wildcard matching (`*.example.com`, `*`), and the `namespace/host` entries of
 * Gateway servers and Sidecar egress listeners.
 *
 * A wildcard is a name starting with `*`: `*` matches every name, `*.example.com` matches any name
 * ending in `.example.com` (`a.example.com`, `b.a.example.com`) but not `example.com`. Names are
 * compared case-insensitively, as DNS names are.
 */

export const DEFAULT_DOMAIN_SUFFIX = 'cluster.local';

/** `reviews.default.svc.cluster.local` for service `reviews` in namespace `default`. */
export function serviceFqdn(name: string, namespace: string, domainSuffix: string = DEFAULT_DOMAIN_SUFFIX): string {
  return `${name}.${namespace}.svc.${domainSuffix}`;
}

/**
 * Resolves a host written in a config the way Istio does. Only a short name (no dot) is expanded,
 * against the namespace of the config that wrote it, not the namespace of any service:
 * `reviews` in namespace `default` → `reviews.default.svc.cluster.local`. Everything else is kept
 * as written: `*`, wildcards, IP addresses, and any name containing a dot, including the
 * `reviews.prod` form (Istio documents short names as names without dots and does not expand
 * `name.namespace`, so write the full `reviews.prod.svc.cluster.local`).
 */
export function resolveShortName(
  host: string,
  namespace: string,
  domainSuffix: string = DEFAULT_DOMAIN_SUFFIX,
): string {
  if (host === '' || host === '*' || host.includes('.') || isIpAddress(host)) return host;
  return namespace === '' ? `${host}.svc.${domainSuffix}` : serviceFqdn(host, namespace, domainSuffix);
}

export function isWildcardHost(host: string): boolean {
  return host.startsWith('*');
}

/** True for a literal IPv4 or IPv6 address (no CIDR suffix). */
export function isIpAddress(text: string): boolean {
  if (IPV4.test(text)) return text.split('.').every((octet) => Number(octet) <= 255);
  return isIpv6(text);
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function isIpv6(text: string): boolean {
  if (!text.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(text)) return false;
  let groups = text;
  let required = 8;
  // An embedded IPv4 tail (::ffff:10.0.0.1) stands for two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!IPV4.test(tail) || !isIpAddress(tail)) return false;
    groups = text.slice(0, lastColon + 1) + '0';
    required = 7;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const parts = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  if (!parts.every((part) => /^[0-9A-Fa-f]{1,4}$/.test(part))) return false;
  return halves.length === 2 ? parts.length < required : parts.length === required;
}

/** The part a wildcard requires as suffix: `.example.com` for `*.example.com`, `` for `*`. */
function wildcardSuffix(host: string): string {
  return host.slice(1);
}

/**
 * Is every name `candidate` stands for also matched by `pattern`? For a concrete candidate this is
 * plain matching (`*.example.com` covers `a.example.com`); for a wildcard candidate, the pattern
 * must be at least as wide (`*.com` covers `*.example.com`, not the other way round).
 */
export function isSubsetOf(candidate: string, pattern: string): boolean {
  const c = candidate.toLowerCase();
  const p = pattern.toLowerCase();
  if (isWildcardHost(c)) {
    if (!isWildcardHost(p)) return false;
    return wildcardSuffix(c).endsWith(wildcardSuffix(p));
  }
  return isWildcardHost(p) ? c.endsWith(wildcardSuffix(p)) : c === p;
}

/** Does `pattern` (possibly a wildcard) match host `name`? Same as `isSubsetOf(name, pattern)`. */
export function hostMatches(pattern: string, name: string): boolean {
  return isSubsetOf(name, pattern);
}

/**
 * Do two hosts have a name in common? Symmetric: `*.example.com` and `a.example.com` intersect,
 * `*.example.com` and `*.com` intersect, `example.com` and `*.example.com` do not. This is how a
 * VirtualService host binds to a Gateway server host.
 */
export function hostsIntersect(a: string, b: string): boolean {
  return isSubsetOf(a, b) || isSubsetOf(b, a);
}

/**
 * The narrower of two intersecting hosts, e.g. the host a VirtualService gets on a Gateway server:
 * VirtualService `*` on server `bookinfo.example.com` serves `bookinfo.example.com`. Undefined when
 * they do not intersect.
 */
export function narrowerHost(a: string, b: string): string | undefined {
  if (isSubsetOf(a, b)) return a;
  if (isSubsetOf(b, a)) return b;
  return undefined;
}

/** A `namespace/host` entry: `namespace` is a namespace name, `*` (any) or `~` (none). */
export interface NamespacedHost {
  readonly namespace: string;
  readonly host: string;
}

/**
 * Parses a Gateway server host or a Sidecar egress host. `.` stands for the namespace of the config
 * that holds the entry (`ownNamespace`); an entry without a slash (allowed on Gateways) means any
 * namespace. The host part is kept as written.
 */
export function parseNamespacedHost(entry: string, ownNamespace: string): NamespacedHost {
  const slash = entry.indexOf('/');
  if (slash === -1) return { namespace: '*', host: entry };
  const namespace = entry.slice(0, slash);
  return { namespace: namespace === '.' ? ownNamespace : namespace, host: entry.slice(slash + 1) };
}

/**
 * Does a `namespace/host` entry select a host declared in a namespace (a service, ServiceEntry or
 * VirtualService host)? Namespace `*` with host `*` selects everything; `./*` everything in the
 * entry's own namespace; `~/*` nothing; `prod/*.example.com` hosts under example.com declared in
 * `prod`. Hosts select each other when they intersect: a ServiceEntry host `*.example.com` is
 * selected by an entry for `a.example.com` (the caller narrows it with `narrowerHost`).
 */
export function namespacedHostSelects(entry: NamespacedHost, candidate: NamespacedHost): boolean {
  if (entry.namespace === '~') return false;
  if (entry.namespace !== '*' && entry.namespace !== candidate.namespace) return false;
  return hostsIntersect(entry.host, candidate.host);
}
