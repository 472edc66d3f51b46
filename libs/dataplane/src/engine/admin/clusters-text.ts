/**
 * /clusters in Envoy's text format: `<cluster>::<key>::<value>` lines for the cluster, then
 * `<cluster>::<host:port>::<stat>::<value>` lines per host (counters, health flags, weight,
 * locality, priority).
 */
import type { ClusterRuntime } from '../upstream/cluster';
import type { Host } from '../upstream/host';

/** Envoy's default circuit breaker thresholds, which this proxy reports but does not enforce yet. */
const DEFAULT_THRESHOLDS = [
  ['max_connections', 1024],
  ['max_pending_requests', 1024],
  ['max_requests', 1024],
  ['max_retries', 3],
] as const;

export function clustersText(clusters: readonly ClusterRuntime[]): string {
  const lines: string[] = [];
  for (const cluster of [...clusters].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const c = cluster.name;
    lines.push(`${c}::observability_name::${c}`);
    for (const [name, value] of DEFAULT_THRESHOLDS) lines.push(`${c}::default_priority::${name}::${value}`);
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

function healthFlags(host: Host): string {
  switch (host.healthStatus) {
    case 'healthy':
    case 'unknown':
      return 'healthy';
    case 'degraded':
      return '/degraded_eds_health';
    case 'draining':
      return '/eds_status_draining';
    default:
      return '/failed_eds_health';
  }
}
