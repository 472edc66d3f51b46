/**
 * A sidecar's inbound clusters: how it reaches its own workload.
 *
 * - Without Sidecar `ingress` listeners: one `inbound|<port>||` per port the workload serves for
 *   a service (its service targets, found by the proxy's IP among the services' endpoints — the
 *   same list the inbound listener's filter chains come from), STATIC to `127.0.0.1:<port>`.
 *   (Istio since 1.10 uses an ORIGINAL_DST cluster bound to 127.0.0.6 there, which needs iptables
 *   capture to give the original destination; loopback works with and without capture.)
 * - With `ingress` listeners: one per listener port, to its `defaultEndpoint` (`127.0.0.1:<p>`,
 *   `0.0.0.0:<p>` meaning the workload's own IP, `unix://<path>`), else `127.0.0.1:<port>`.
 *
 * Each gets the mesh connect timeout, default circuit breakers (or the connection pool of the
 * Sidecar's `inboundConnectionPool` / the listener's `connectionPool` / the service's
 * DestinationRule, in that order of precedence), the port's upstream protocol and the `istio.services`
 * metadata telemetry reads.
 */
import {
  isHttp2Protocol,
  isIpAddress,
  parseProtocol,
  type ConnectionPoolSettings,
  type IstioIngressListener,
  type Protocol,
} from '@mesh/config-model';
import type { Proxy, PushContext, Service } from '@mesh/mesh-model';
import type { Cluster } from '@mesh/xds';
import { Cluster_DiscoveryType } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { durationFromIstio } from '../common/duration';
import { serviceTargetsFor, type ServiceTarget } from '../common/service-targets';
import { trafficPolicyForPort } from '../common/traffic-policy';
import { envoyAddress } from '../endpoint/lb-endpoints';
import { inboundClusterName } from '../naming';
import { finishCluster, useDownstreamProtocol, useHttp2, type ClusterDraft } from './cluster-draft';
import { serviceMetadata } from './outbound-cluster';
import { applyConnectionPool } from './traffic-policy-settings';

export const LOCALHOST = '127.0.0.1';
const UNIX_PREFIX = 'unix://';

interface InboundPlan {
  readonly port: number;
  /** Where the workload listens: `127.0.0.1`, its IP, or a `unix://` path. */
  readonly address: string;
  readonly targetPort: number;
  readonly protocol: Protocol;
  readonly services: readonly Service[];
  readonly connectionPool?: ConnectionPoolSettings;
}

/** `127.0.0.1:8080`, `0.0.0.0:8080` (the proxy's IPv4), `[::1]:8080`, `unix:///path`; undefined when unusable. */
export function parseDefaultEndpoint(
  defaultEndpoint: string,
  proxy: Proxy,
): { address: string; port: number } | undefined {
  if (defaultEndpoint.startsWith(UNIX_PREFIX)) return { address: defaultEndpoint, port: 0 };
  const colon = defaultEndpoint.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const host = defaultEndpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(defaultEndpoint.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  if (host === '0.0.0.0') {
    const own = proxy.ipAddresses.find((ip) => isIpAddress(ip) && !ip.includes(':'));
    return own ? { address: own, port } : undefined;
  }
  if (host === '::') {
    const own = proxy.ipAddresses.find((ip) => ip.includes(':'));
    return own ? { address: own, port } : undefined;
  }
  return isIpAddress(host) ? { address: host, port } : undefined;
}

/** Services on a target port, oldest first, each once. */
function servicesOn(targets: readonly ServiceTarget[], targetPort: number): Service[] {
  const seen = new Set<string>();
  const out: Service[] = [];
  for (const target of targets) {
    if (target.targetPort !== targetPort || seen.has(target.service.hostname)) continue;
    seen.add(target.service.hostname);
    out.push(target.service);
  }
  return out;
}

/** The connection pool the DestinationRule of a target's service sets for its port, if any. */
function ruleConnectionPool(
  push: PushContext,
  proxy: Proxy,
  target: ServiceTarget,
): ConnectionPoolSettings | undefined {
  const rule = push.destinationRuleFor(proxy, target.service.hostname);
  return trafficPolicyForPort(rule?.spec.trafficPolicy, target.port.port).connectionPool;
}

function plansFromTargets(push: PushContext, proxy: Proxy, targets: readonly ServiceTarget[]): InboundPlan[] {
  const inboundPool = push.sidecarScopeFor(proxy).sidecar?.spec.inboundConnectionPool;
  const plans: InboundPlan[] = [];
  const seen = new Set<number>();
  for (const target of targets) {
    if (seen.has(target.targetPort)) continue;
    seen.add(target.targetPort);
    const pool = inboundPool ?? ruleConnectionPool(push, proxy, target);
    plans.push({
      port: target.targetPort,
      address: LOCALHOST,
      targetPort: target.targetPort,
      protocol: target.port.protocol,
      services: servicesOn(targets, target.targetPort),
      ...(pool ? { connectionPool: pool } : {}),
    });
  }
  return plans;
}

function plansFromIngress(
  push: PushContext,
  proxy: Proxy,
  listeners: readonly IstioIngressListener[],
  targets: readonly ServiceTarget[],
): InboundPlan[] {
  const inboundPool = push.sidecarScopeFor(proxy).sidecar?.spec.inboundConnectionPool;
  const plans: InboundPlan[] = [];
  for (const listener of listeners) {
    const port = listener.port.number;
    if (port === undefined) continue;
    const targetPort = listener.port.targetPort ?? port;
    const endpoint = listener.defaultEndpoint
      ? parseDefaultEndpoint(listener.defaultEndpoint, proxy)
      : { address: LOCALHOST, port: targetPort };
    if (!endpoint) continue;
    const services = servicesOn(targets, port);
    const first = targets.find((target) => target.targetPort === port);
    const pool = listener.connectionPool ?? inboundPool ?? (first ? ruleConnectionPool(push, proxy, first) : undefined);
    plans.push({
      port,
      address: endpoint.address,
      targetPort: endpoint.port,
      protocol: parseProtocol(listener.port.protocol ?? ''),
      services,
      ...(pool ? { connectionPool: pool } : {}),
    });
  }
  return plans;
}

function inboundCluster(push: PushContext, plan: InboundPlan): Cluster {
  const name = inboundClusterName(plan.port);
  const draft: ClusterDraft = {
    cluster: {
      name,
      type: Cluster_DiscoveryType.STATIC,
      connectTimeout: durationFromIstio(push.mesh.connectTimeout, 'mesh config connectTimeout'),
      commonLbConfig: {},
      loadAssignment: {
        clusterName: name,
        endpoints: [{ lbEndpoints: [{ endpoint: { address: envoyAddress(plan.address, plan.targetPort) } }] }],
      },
    },
  };
  if (isHttp2Protocol(plan.protocol)) useHttp2(draft);
  else if (plan.protocol === 'UNKNOWN') useDownstreamProtocol(draft);
  if (plan.services.length > 0) {
    draft.cluster.metadata = { filterMetadata: { istio: { services: plan.services.map(serviceMetadata) } } };
  }
  applyConnectionPool(draft, plan.connectionPool, push.mesh, `inbound port ${plan.port}`);
  return finishCluster(draft);
}

/** The sidecar's inbound clusters, ordered by port. */
export function buildInboundClusters(push: PushContext, proxy: Proxy): Cluster[] {
  if (proxy.type !== 'sidecar') return [];
  const targets = serviceTargetsFor(push, proxy.ipAddresses).filter((target) => target.port.protocol !== 'UDP');
  const ingress = push.sidecarScopeFor(proxy).ingressListeners;
  const plans =
    ingress.length > 0 ? plansFromIngress(push, proxy, ingress, targets) : plansFromTargets(push, proxy, targets);
  return plans.map((plan) => inboundCluster(push, plan));
}
