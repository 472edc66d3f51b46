/**
 * The endpoints of one outbound cluster for one proxy: the service port's endpoints, narrowed to
 * the subset's labels and to those a client should use, grouped by locality, with locality LB
 * (weights or failover priorities) applied relative to the proxy. EDS sends them as a
 * ClusterLoadAssignment; CDS inlines them in STATIC and DNS clusters.
 */
import {
  localityString,
  type Endpoint,
  type Locality,
  type Proxy,
  type ProxyGenerator,
  type PushContext,
} from '@mesh/mesh-model';
import type { ClusterLoadAssignment } from '@mesh/xds';
import type { LocalityLbEndpoints } from '@mesh/xds/generated/envoy/config/endpoint/v3/endpoint_components';
import { proxyLocality } from '../common/locality';
import { labelsKey } from '../common/proxy-view-cache';
import { effectiveTrafficPolicy, type EffectiveTrafficPolicy } from '../common/traffic-policy';
import type { OutboundTarget } from '../cluster/outbound-targets';
import { acceptsIstioMtls } from './endpoint-mtls';
import { groupByLocality, grpcUsable, isSendable, lbEndpointOf, subsetSelects } from './lb-endpoints';
import { applyLocalityLb, localityLbSettingFor } from './locality-lb';

export interface EndpointView {
  readonly push: PushContext;
  readonly proxy: Proxy;
  /** Proxyless gRPC clients take only IP endpoints, each once. */
  readonly family: ProxyGenerator;
  readonly locality?: Locality;
}

export function endpointViewOf(push: PushContext, proxy: Proxy): EndpointView {
  const locality = proxyLocality(proxy);
  return { push, proxy, family: proxy.generator, ...(locality ? { locality } : {}) };
}

/** The traffic policy of a target's cluster. */
export function targetPolicy(target: OutboundTarget): EffectiveTrafficPolicy {
  return effectiveTrafficPolicy(target.rule?.spec, target.port.port, target.subset?.name);
}

/** The mesh endpoints a cluster of `target` uses, in the registry's order. */
export function targetEndpoints(view: EndpointView, target: OutboundTarget): Endpoint[] {
  const all = view.push.endpointsForServicePort(target.service, target.port.port);
  const labels = target.subset?.labels;
  const usable = all.filter((endpoint) => isSendable(endpoint, target.service) && subsetSelects(labels, endpoint));
  return view.family === 'grpc' ? grpcUsable(usable) : usable;
}

/**
 * The locality groups of a target's endpoints, ready for a ClusterLoadAssignment. `endpoints`
 * defaults to `targetEndpoints` (CDS passes a narrower list for LOGICAL_DNS clusters).
 */
export function targetLocalityLbEndpoints(
  view: EndpointView,
  target: OutboundTarget,
  endpoints: readonly Endpoint[] = targetEndpoints(view, target),
): LocalityLbEndpoints[] {
  const policy = targetPolicy(target);
  const ruleTlsMode = policy.tls?.mode;
  const wrapped = endpoints.map((endpoint) => ({
    endpoint,
    lbEndpoint: lbEndpointOf(endpoint, acceptsIstioMtls(view.push, endpoint, ruleTlsMode)),
  }));
  const setting = localityLbSettingFor(view.push.mesh, policy.loadBalancer?.localityLbSetting);
  return applyLocalityLb(
    groupByLocality(wrapped),
    { locality: view.locality, labels: view.proxy.labels },
    setting,
    policy.outlierDetection !== undefined,
  );
}

/** The ClusterLoadAssignment EDS sends for a target. */
export function loadAssignmentFor(view: EndpointView, target: OutboundTarget): ClusterLoadAssignment {
  return { clusterName: target.clusterName, endpoints: targetLocalityLbEndpoints(view, target) };
}

/** What EDS answers for a name it cannot resolve: the cluster exists, with no endpoints (Istio's answer). */
export function emptyLoadAssignment(clusterName: string): ClusterLoadAssignment {
  return { clusterName, endpoints: [] };
}

/**
 * Everything about the proxy a target's endpoints depend on besides the push: its family (gRPC
 * gets IP endpoints only) and, when locality LB is on, its locality (and labels, for
 * failoverPriority). Proxies with equal keys get equal endpoints from one push.
 */
export function endpointProxyKey(view: EndpointView, target: OutboundTarget): string {
  const setting = localityLbSettingFor(view.push.mesh, targetPolicy(target).loadBalancer?.localityLbSetting);
  if (!setting) return view.family;
  const labels = (setting.failoverPriority?.length ?? 0) > 0 ? labelsKey(view.proxy.labels) : '';
  return `${view.family}\u0000${localityString(view.locality)}\u0000${labels}`;
}
