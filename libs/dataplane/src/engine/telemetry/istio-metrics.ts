/**
 * Istio's standard metrics, as Envoy's Istio stats filter reports them from a client-side proxy or
 * gateway (`reporter="source"`): `istio_requests_total`, `istio_request_duration_milliseconds`,
 * `istio_request_bytes`, `istio_response_bytes` per request, and `istio_tcp_connections_opened_total`,
 * `istio_tcp_connections_closed_total`, `istio_tcp_sent_bytes_total`, `istio_tcp_received_bytes_total`
 * per TCP connection.
 *
 * Cost per request: the label set is fixed by (cluster, endpoint, authority when the cluster names no
 * service, response code, flags), so the labels are built as text once per destination and once per
 * (destination, code, flags) series; a request does two map lookups and bumps preallocated numbers.
 * Label text is only assembled again when a new snapshot changes what the destinations are.
 */
import type { XdsCluster, XdsLbEndpoint } from '../../xds/model';
import type { Snapshot } from '../../xds/snapshot';
import type { ResponseFlag } from '../access-log/access-log';
import { DURATION_BUCKETS_MS, Histogram, SIZE_BUCKETS_BYTES } from './histogram';
import {
  destinationService,
  endpointWorkload,
  type LocalNode,
  localWorkload,
  type ServiceLabels,
  type WorkloadLabels,
} from './peers';
import { escapeLabelValue } from './prometheus-text';

/**
 * Distinct destinations kept before new ones are folded into `unknown`: a request's authority
 * takes part in the labels of clusters without service metadata, and clients choose it freely.
 */
const MAX_DESTINATIONS = 10_000;

export interface IstioMetricsOptions {
  /** The proxy's xDS node (its metadata gives the `source_*` labels). */
  readonly node?: LocalNode;
}

class RequestSeries {
  requests = 0;
  readonly duration = new Histogram(DURATION_BUCKETS_MS);
  readonly requestBytes = new Histogram(SIZE_BUCKETS_BYTES);
  readonly responseBytes = new Histogram(SIZE_BUCKETS_BYTES);

  constructor(readonly labels: string) {}
}

class TcpSeries {
  opened = 0;
  closed = 0;
  sent = 0;
  received = 0;

  constructor(readonly labels: string) {}
}

/** The labels from `reporter` to `destination_cluster`, and the series under them met so far. */
class Destination {
  readonly requestSeries = new Map<number | string, RequestSeries>();
  readonly tcpSeries = new Map<string, TcpSeries>();

  constructor(readonly labels: string) {}
}

export class IstioMetrics {
  private readonly sourceLabels: string;
  private readonly requests = new Map<string, RequestSeries>();
  private readonly tcp = new Map<string, TcpSeries>();
  /** Rebuilt from the series maps whenever the snapshot changes. */
  private destinations = new Map<string, Destination>();
  private clusters: ReadonlyMap<string, XdsCluster> = new Map();
  /** Endpoint metadata by cluster name, then by `address:port` (the key the engine's hosts have). */
  private endpoints = new Map<string, Map<string, XdsLbEndpoint>>();

  constructor(options: IstioMetricsOptions = {}) {
    this.sourceLabels = `reporter="source",${workloadText('source', localWorkload(options.node))}`;
  }

  /** Takes the clusters and endpoints of a new snapshot (destination labels come from them). */
  reconcile(snapshot: Snapshot): void {
    const endpoints = new Map<string, Map<string, XdsLbEndpoint>>();
    for (const cluster of snapshot.clusters.values()) {
      const assignment =
        cluster.type === 'eds'
          ? snapshot.endpoints.get(cluster.serviceName)
          : cluster.type === 'original_dst'
            ? undefined
            : cluster.loadAssignment;
      const byHost = new Map<string, XdsLbEndpoint>();
      for (const locality of assignment?.localities ?? []) {
        for (const endpoint of locality.endpoints) {
          byHost.set(`${endpoint.address.address}:${endpoint.address.port}`, endpoint);
        }
      }
      endpoints.set(cluster.name, byHost);
    }
    this.clusters = snapshot.clusters;
    this.endpoints = endpoints;
    this.destinations = new Map();
  }

  /** One HTTP request, once it is over. `responseCode` 0: no response was sent. */
  recordRequest(
    clusterName: string | undefined,
    hostKey: string | undefined,
    authority: string | undefined,
    responseCode: number,
    flags: readonly ResponseFlag[],
    durationMs: number,
    requestBytes: number,
    responseBytes: number,
  ): void {
    const destination = this.destination(clusterName, hostKey, authority);
    const key = flags.length === 0 ? responseCode : `${responseCode}${flags.join(',')}`;
    let series = destination.requestSeries.get(key);
    if (!series) {
      const labels =
        `${destination.labels},request_protocol="http",response_code="${responseCode}",` +
        `grpc_response_status="",response_flags="${flagsText(flags)}",connection_security_policy="unknown"`;
      series = this.requests.get(labels);
      if (!series) this.requests.set(labels, (series = new RequestSeries(labels)));
      destination.requestSeries.set(key, series);
    }
    series.requests++;
    series.duration.observe(durationMs);
    series.requestBytes.observe(requestBytes);
    series.responseBytes.observe(responseBytes);
  }

  /** A TCP connection was accepted and given to a cluster (or failed to be). */
  tcpOpened(clusterName: string | undefined, hostKey: string | undefined, flags: readonly ResponseFlag[]): void {
    this.tcpSeries(clusterName, hostKey, flags).opened++;
  }

  /** A TCP connection closed: bytes received from and sent to the downstream client. */
  tcpClosed(
    clusterName: string | undefined,
    hostKey: string | undefined,
    flags: readonly ResponseFlag[],
    receivedBytes: number,
    sentBytes: number,
  ): void {
    const series = this.tcpSeries(clusterName, hostKey, flags);
    series.closed++;
    series.received += receivedBytes;
    series.sent += sentBytes;
  }

  /** The `istio_*` families in Prometheus text format. */
  write(out: string[]): void {
    if (this.requests.size > 0) {
      out.push('# TYPE istio_requests_total counter\n');
      for (const s of this.requests.values()) out.push(`istio_requests_total{${s.labels}} ${s.requests}\n`);
      out.push('# TYPE istio_request_duration_milliseconds histogram\n');
      for (const s of this.requests.values()) s.duration.write(out, 'istio_request_duration_milliseconds', s.labels);
      out.push('# TYPE istio_request_bytes histogram\n');
      for (const s of this.requests.values()) s.requestBytes.write(out, 'istio_request_bytes', s.labels);
      out.push('# TYPE istio_response_bytes histogram\n');
      for (const s of this.requests.values()) s.responseBytes.write(out, 'istio_response_bytes', s.labels);
    }
    if (this.tcp.size > 0) {
      const counters: [string, (s: TcpSeries) => number][] = [
        ['istio_tcp_connections_opened_total', (s) => s.opened],
        ['istio_tcp_connections_closed_total', (s) => s.closed],
        ['istio_tcp_received_bytes_total', (s) => s.received],
        ['istio_tcp_sent_bytes_total', (s) => s.sent],
      ];
      for (const [name, value] of counters) {
        out.push(`# TYPE ${name} counter\n`);
        for (const s of this.tcp.values()) out.push(`${name}{${s.labels}} ${value(s)}\n`);
      }
    }
  }

  private tcpSeries(clusterName: string | undefined, hostKey: string | undefined, flags: readonly ResponseFlag[]) {
    const destination = this.destination(clusterName, hostKey, undefined);
    const flagText = flagsText(flags);
    let series = destination.tcpSeries.get(flagText);
    if (!series) {
      const labels =
        `${destination.labels},request_protocol="tcp",response_flags="${flagText}",` +
        `connection_security_policy="unknown"`;
      series = this.tcp.get(labels);
      if (!series) this.tcp.set(labels, (series = new TcpSeries(labels)));
      destination.tcpSeries.set(flagText, series);
    }
    return series;
  }

  private destination(
    clusterName: string | undefined,
    hostKey: string | undefined,
    authority: string | undefined,
  ): Destination {
    const cluster = clusterName === undefined ? undefined : this.clusters.get(clusterName);
    // The authority only matters where the cluster names no service (or there is no cluster).
    const byAuthority = !cluster?.istioServices;
    let key = `${clusterName ?? ''}|${hostKey ?? ''}`;
    if (byAuthority) key += `|${authority ?? ''}`;
    let destination = this.destinations.get(key);
    if (destination) return destination;
    if (this.destinations.size >= MAX_DESTINATIONS && byAuthority) {
      key = `${clusterName ?? ''}|${hostKey ?? ''}|`;
      authority = undefined;
      destination = this.destinations.get(key);
      if (destination) return destination;
    }
    const endpoint =
      clusterName === undefined || hostKey === undefined ? undefined : this.endpoints.get(clusterName)?.get(hostKey);
    const labels =
      `${this.sourceLabels},${workloadText('destination', endpointWorkload(endpoint))},` +
      serviceText(destinationService(cluster, authority));
    destination = new Destination(labels);
    this.destinations.set(key, destination);
    return destination;
  }
}

function workloadText(side: 'source' | 'destination', w: WorkloadLabels): string {
  const v = escapeLabelValue;
  return (
    `${side}_workload="${v(w.workload)}",${side}_canonical_service="${v(w.canonicalService)}",` +
    `${side}_canonical_revision="${v(w.canonicalRevision)}",${side}_workload_namespace="${v(w.namespace)}",` +
    `${side}_principal="${v(w.principal)}",${side}_app="${v(w.app)}",${side}_version="${v(w.version)}",` +
    `${side}_cluster="${v(w.cluster)}"`
  );
}

function serviceText(s: ServiceLabels): string {
  const v = escapeLabelValue;
  return (
    `destination_service="${v(s.service)}",destination_service_name="${v(s.name)}",` +
    `destination_service_namespace="${v(s.namespace)}"`
  );
}

function flagsText(flags: readonly ResponseFlag[]): string {
  return flags.length === 0 ? '-' : flags.join(',');
}
