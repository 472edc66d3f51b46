export { IstioMetrics, type IstioMetricsOptions } from './istio-metrics';
export { DURATION_BUCKETS_MS, SIZE_BUCKETS_BYTES } from './histogram';
export type { LocalNode } from './peers';
export {
  DEFAULT_PROMETHEUS_PORT,
  PROMETHEUS_PATH,
  PrometheusServer,
  type PrometheusOptions,
} from './prometheus-server';
export { PROMETHEUS_CONTENT_TYPE, prometheusText } from './prometheus-text';
