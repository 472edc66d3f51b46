/**
 * The data-plane engine: listeners, HTTP/1.1 connection manager and router, TCP proxy, clusters
 * with load balancing and keep-alive pools, admin endpoint and access log, all driven by the
 * xDS client's snapshots.
 */
export { EndpointStartError, ProxyEngine, type EngineEvent, type ProxyEngineOptions } from './proxy-engine';
export type { AccessLogSink, ResponseFlag } from './access-log/access-log';
export { type AdminOptions, DEFAULT_ADMIN_PORT } from './admin/admin-server';
export { adminOptionsFromBootstrap } from './admin/admin-bootstrap';
export type { ListenerEvent, SkipReason } from './listeners/listener-manager';
export {
  DEFAULT_PROMETHEUS_PORT,
  DURATION_BUCKETS_MS,
  IstioMetrics,
  PROMETHEUS_PATH,
  SIZE_BUCKETS_BYTES,
  type LocalNode,
  type PrometheusOptions,
} from './telemetry';
