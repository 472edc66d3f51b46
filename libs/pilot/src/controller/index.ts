/**
 * The control plane's wiring: the push path (DiscoveryController), Prometheus metrics, the debug
 * and monitoring ports, config sources and the process lifecycle, for apps/pilot and apps/istiod.
 */
export * from './discovery-controller';
export * from './controller-metrics';
export * from './prometheus-metrics';
export * from './settings';
export * from './listen-address';
export * from './logging';
export * from './syncz';
export * from './config-dump';
export * from './proxy-directory';
export * from './http-endpoint';
export * from './debug-server';
export * from './monitoring-server';
export * from './config-sources';
export * from './control-plane';
export * from './process-lifecycle';
