/**
 * The Host header values a virtual host answers for, as Istio derives them for a service seen
 * from a proxy: the FQDN, the shorter names the proxy's DNS search path resolves (from a proxy
 * in `default`: `reviews`, `reviews.default`, `reviews.default.svc` for
 * `reviews.default.svc.cluster.local`; from another namespace only `reviews.default` and
 * `reviews.default.svc`), the service's VIPs, and each of those with `:<port>` as clients send
 * it on non-default ports.
 */
import { isIpAddress } from '@mesh/config-model';
import type { Service } from '@mesh/mesh-model';

/** `host:port`; IPv6 addresses in brackets. */
export function domainWithPort(host: string, port: number): string {
  return `${ipv6Compliant(host)}:${port}`;
}

function ipv6Compliant(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function withPort(host: string, port: number | undefined): string[] {
  return port === undefined ? [ipv6Compliant(host)] : [ipv6Compliant(host), domainWithPort(host, port)];
}

/** Alternative names of a Kubernetes service host seen from a proxy in a Kubernetes DNS domain. */
function kubernetesAltHosts(hostname: string, port: number | undefined, proxyDomain: string): string[] {
  const proxySvc = proxyDomain.indexOf('.svc.');
  const hostSvc = hostname.indexOf('.svc.');
  if (hostSvc <= 0) return [];
  const firstDot = hostname.indexOf('.');
  if (firstDot + 1 >= hostname.length || firstDot + 1 > hostSvc) return [];
  const name = hostname.slice(0, firstDot);
  const nameNs = hostname.slice(0, hostSvc);
  if (hostname.slice(firstDot + 1, hostSvc) === proxyDomain.slice(0, proxySvc)) {
    return [...withPort(name, port), ...withPort(`${nameNs}.svc`, port), ...withPort(nameNs, port)];
  }
  return [...withPort(nameNs, port), ...withPort(`${nameNs}.svc`, port)];
}

/**
 * Alternative names of a host for a proxy outside Kubernetes DNS: the part of the host not
 * shared with the proxy's domain (and that plus the first shared label when it has two labels).
 */
function sharedSuffixAltHosts(hostname: string, port: number | undefined, proxyDomain: string): string[] {
  const hostParts = hostname.split('.');
  const domainParts = proxyDomain.split('.');
  let shared = 0;
  while (
    shared < Math.min(hostParts.length, domainParts.length) &&
    hostParts[hostParts.length - 1 - shared] === domainParts[domainParts.length - 1 - shared]
  ) {
    shared++;
  }
  if (shared === 0) return [];
  const unique = hostParts.slice(0, hostParts.length - shared);
  if (unique.length === 0) return [];
  const out = withPort(unique.join('.'), port);
  if (unique.length === 2) out.push(...withPort(`${unique.join('.')}.${hostParts[hostParts.length - shared]}`, port));
  return out;
}

/** Every name a proxy in `proxyDomain` may use for `hostname` other than the FQDN itself. */
export function altHosts(hostname: string, port: number | undefined, proxyDomain: string): string[] {
  if (proxyDomain.includes('.svc.')) {
    const clusterSuffix = proxyDomain.slice(proxyDomain.indexOf('.svc.'));
    return hostname.endsWith(clusterSuffix) ? kubernetesAltHosts(hostname, port, proxyDomain) : [];
  }
  return sharedSuffixAltHosts(hostname, port, proxyDomain);
}

export interface ServiceDomains {
  readonly domains: string[];
  /** The alternative (short) names among them: dropped when they collide with a real FQDN. */
  readonly altHosts: string[];
}

/** The domains of a service's virtual host on `port` (omit the port for port-less matching). */
export function serviceDomains(service: Service, port: number | undefined, proxyDomain: string): ServiceDomains {
  const alt = altHosts(service.hostname, port, proxyDomain);
  const domains = [...withPort(service.hostname, port), ...alt];
  // Pods of a headless Kubernetes service are addressed as <pod>.<service>...
  if (service.resolution === 'Passthrough' && service.registry === 'Kubernetes') {
    for (const domain of [...domains]) domains.push(`*.${domain}`);
  }
  for (const address of service.addresses) {
    if (address === '' || address === '0.0.0.0' || address.includes('/') || !isIpAddress(address)) continue;
    domains.push(...withPort(address, port));
  }
  return { domains, altHosts: alt };
}
