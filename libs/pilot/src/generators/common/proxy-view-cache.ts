/**
 * Generated resources shared by proxies that would get the same output from one PushContext.
 *
 * Two proxies have the same "view" when everything a cluster or endpoint generator reads about the
 * proxy is equal: generator family, proxy type, namespace, the Sidecar resource in force, locality,
 * labels (DestinationRule workload selectors, failoverPriority) and IP families (DNS lookup
 * family). The cache lives as long as its PushContext (a WeakMap entry), so nothing outlives the
 * snapshot it was computed from and no invalidation is needed: a new push is a new context.
 */
import { configKey } from '@mesh/config-model';
import { localityString, type Proxy, type PushContext } from '@mesh/mesh-model';
import { proxyLocality } from './locality';

/** Labels as one stable string (sorted keys). */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return keys.map((key) => `${key}=${labels[key]}`).join(',');
}

function ipFamilies(proxy: Proxy): string {
  const v6 = proxy.ipAddresses.some((ip) => ip.includes(':'));
  const v4 = proxy.ipAddresses.some((ip) => !ip.includes(':'));
  return `${v4 ? '4' : ''}${v6 ? '6' : ''}`;
}

/** The key of everything about `proxy` that cluster and endpoint generation depend on. */
export function proxyViewKey(push: PushContext, proxy: Proxy): string {
  const sidecar = push.sidecarScopeFor(proxy).sidecar;
  return [
    proxy.generator,
    proxy.type,
    proxy.namespace,
    sidecar ? configKey(sidecar) : '',
    localityString(proxyLocality(proxy)),
    labelsKey(proxy.labels),
    ipFamilies(proxy),
  ].join('\u0000');
}

/** Values per (PushContext, proxy view, name). */
export class ProxyViewCache<V> {
  private readonly byPush = new WeakMap<PushContext, Map<string, Map<string, V>>>();

  /** The entries of one view in one push (created empty on first use). */
  view(push: PushContext, viewKey: string): Map<string, V> {
    let views = this.byPush.get(push);
    if (!views) this.byPush.set(push, (views = new Map()));
    let entries = views.get(viewKey);
    if (!entries) views.set(viewKey, (entries = new Map()));
    return entries;
  }
}
