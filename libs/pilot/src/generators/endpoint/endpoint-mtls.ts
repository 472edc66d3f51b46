/**
 * Whether a client may use Istio mTLS to an endpoint (what the `tlsMode: istio` endpoint metadata
 * tells an auto-mTLS cluster), as Istio decides it:
 * - a DestinationRule TLS mode for the cluster decides alone: anything but DISABLE keeps it;
 * - else the endpoint must run a sidecar (`tlsMode: istio`) whose PeerAuthentication (for the
 *   endpoint's port) does not DISABLE mTLS.
 */
import type { ClientTLSMode } from '@mesh/config-model';
import type { EffectivePeerAuthentication, Endpoint, PushContext } from '@mesh/mesh-model';

/** PeerAuthentication per (push, workload labels object, namespace): endpoints of one workload share it. */
const peerAuthenticationCache = new WeakMap<PushContext, WeakMap<object, Map<string, EffectivePeerAuthentication>>>();

function peerAuthenticationOf(push: PushContext, endpoint: Endpoint): EffectivePeerAuthentication {
  let byLabels = peerAuthenticationCache.get(push);
  if (!byLabels) peerAuthenticationCache.set(push, (byLabels = new WeakMap()));
  let byNamespace = byLabels.get(endpoint.labels);
  if (!byNamespace) byLabels.set(endpoint.labels, (byNamespace = new Map()));
  let effective = byNamespace.get(endpoint.namespace);
  if (!effective) {
    effective = push.effectivePeerAuthentication({ namespace: endpoint.namespace, labels: endpoint.labels });
    byNamespace.set(endpoint.namespace, effective);
  }
  return effective;
}

export function acceptsIstioMtls(
  push: PushContext,
  endpoint: Endpoint,
  ruleTlsMode: ClientTLSMode | undefined,
): boolean {
  if (ruleTlsMode !== undefined) return ruleTlsMode !== 'DISABLE';
  if (endpoint.tlsMode !== 'istio') return false;
  const peer = peerAuthenticationOf(push, endpoint);
  const mode = peer.portModes.get(endpoint.port) ?? peer.mode;
  return mode !== 'DISABLE';
}
