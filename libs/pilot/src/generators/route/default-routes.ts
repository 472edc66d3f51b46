/**
 * Routes that exist without any VirtualService: the default route of a service port, and the
 * catch-all virtual host for hosts the proxy does not know (ALLOW_ANY passes them through,
 * REGISTRY_ONLY answers 502), with Istio's names.
 */
import type { Destination } from '@mesh/config-model';
import type { Route, VirtualHost } from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { hashPolicyFor } from '../common/consistent-hash';
import type { ConsistentHashLB } from '@mesh/config-model';
import { ZERO_DURATION } from '../common/duration';
import { outboundClusterName, PASSTHROUGH_CLUSTER } from '../naming';
import { destinationCluster } from './http-routes';
import { catchAllMatch } from './match';
import { defaultRetryPolicy } from './retry';

export const DEFAULT_ROUTE_NAME = 'default';
export const ALLOW_ANY_VIRTUAL_HOST = 'allow_any';
export const BLOCK_ALL_VIRTUAL_HOST = 'block_all';

/** The route to a service port nobody wrote a VirtualService for: all of it, Istio's default retries, no timeout. */
export function defaultServiceRoute(
  hostname: string,
  port: number,
  hash: ConsistentHashLB | undefined,
  proxyless: boolean,
  where: string,
): Route {
  const route: Route = {
    name: DEFAULT_ROUTE_NAME,
    match: catchAllMatch(),
    route: {
      cluster: outboundClusterName(port, '', hostname),
      timeout: ZERO_DURATION,
      ...(proxyless ? { maxStreamDuration: { maxStreamDuration: ZERO_DURATION } } : { maxGrpcTimeout: ZERO_DURATION }),
      retryPolicy: defaultRetryPolicy(),
    },
    decorator: { operation: `${hostname}:${port}/*` },
  };
  const hashPolicy = hashPolicyFor(hash, where);
  if (hashPolicy) route.route!.hashPolicy = [hashPolicy];
  return route;
}

/**
 * The last virtual host of a sidecar's outbound route configuration: every unknown host goes to
 * PassthroughCluster (or the Sidecar's egress proxy) under ALLOW_ANY, or gets a 502 under
 * REGISTRY_ONLY.
 */
export function catchAllVirtualHost(mode: 'ALLOW_ANY' | 'REGISTRY_ONLY', egressProxy?: Destination): VirtualHost {
  if (mode === 'ALLOW_ANY') {
    const cluster = egressProxy ? destinationCluster(egressProxy, undefined, 0) : PASSTHROUGH_CLUSTER;
    return {
      name: ALLOW_ANY_VIRTUAL_HOST,
      domains: ['*'],
      routes: [
        {
          name: ALLOW_ANY_VIRTUAL_HOST,
          match: catchAllMatch(),
          route: { cluster, timeout: ZERO_DURATION, maxGrpcTimeout: ZERO_DURATION },
        },
      ],
    };
  }
  return {
    name: BLOCK_ALL_VIRTUAL_HOST,
    domains: ['*'],
    routes: [{ name: BLOCK_ALL_VIRTUAL_HOST, match: catchAllMatch(), directResponse: { status: 502 } }],
  };
}
