/**
 * /clusters in Envoy's text format: `<cluster>::<key>::<value>` lines for the cluster, then
 * `<cluster>::<host:port>::<stat>::<value>` lines per host (counters, health flags, weight,
 * locality, priority).
 */
import type { ClusterRuntime } from '../upstream/cluster';
import type { Host } from '../upstream/host';

export function clustersText(clusters: readonly ClusterRuntime[]): string {
  const lines: string[] = [];
  for (const cluster of [...clusters].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const c = cluster.name;
    lines.push(`${c}::observability_name::${c}`);
    // The enforced thresholds (the cluster's DEFAULT priority ones, or Envoy's defaults).
    const breakers = cluster.config.circuitBreakers;
    lines.push(
      `${c}::default_priority::max_connections::${breakers.maxConnections}`,
      `${c}::default_priority::max_pending_requests::${breakers.maxPendingRequests}`,
      `${c}::default_priority::max_requests::${breakers.maxRequests}`,
      `${c}::default_priority::max_retries::${breakers.maxRetries}`,
    );
    lines.push(`${c}::added_via_api::true`);
    for (const host of cluster.allHosts()) {
      const h = `${c}::${host.key}`;
      const n = host.counters;
      lines.push(
        `${h}::cx_active::${n.cxActive}`,
        `${h}::cx_connect_fail::${n.cxConnectFail}`,
        `${h}::cx_total::${n.cxTotal}`,
        `${h}::rq_active::${n.rqActive}`,
        `${h}::rq_error::${n.rqError}`,
        `${h}::rq_success::${n.rqSuccess}`,
        `${h}::rq_timeout::${n.rqTimeout}`,
        `${h}::rq_total::${n.rqTotal}`,
        `${h}::hostname::`,
        `${h}::health_flags::${healthFlags(host)}`,
        `${h}::weight::${host.weight}`,
        `${h}::region::${host.locality.region}`,
        `${h}::zone::${host.locality.zone}`,
        `${h}::sub_zone::${host.locality.subZone}`,
        `${h}::canary::false`,
        `${h}::priority::${host.priority}`,
        `${h}::success_rate::-1`,
        `${h}::local_origin_success_rate::-1`,
      );
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** `healthy`, or Envoy's flags of what makes the host unhealthy (`/failed_outlier_check/failed_eds_health`). */
function healthFlags(host: Host): string {
  let flags = host.outlier.ejected ? '/failed_outlier_check' : '';
  switch (host.healthStatus) {
    case 'healthy':
    case 'unknown':
      break;
    case 'degraded':
      flags += '/degraded_eds_health';
      break;
    case 'draining':
      flags += '/eds_status_draining';
      break;
    default:
      flags += '/failed_eds_health';
  }
  return flags || 'healthy';
}
