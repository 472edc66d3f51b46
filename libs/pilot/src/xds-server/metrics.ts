/**
 * What the ADS server measures, as plain numbers. The server calls XdsMetrics; the app bridges it
 * to Prometheus under Istio's names (prom-client is not a dependency of this lib):
 *
 *   pilot_xds_pushes{type}            counter   responses sent, by short type (cds, eds, lds, rds, sds)
 *   pilot_xds_push_time{type}         histogram seconds to generate and send one type to one proxy
 *   pilot_proxy_convergence_time      histogram seconds from the first event of a push to the proxy having it sent
 *   pilot_xds                         gauge     connected xDS streams (Istio also labels it by proxy version)
 *   pilot_total_xds_rejects{type}     counter   NACKs received
 *   pilot_xds_expired_nonce{type}     counter   requests ignored for a stale nonce
 *   sendError(type)                   → pilot_xds_pushes{type="<type>_senderr"} (Istio's label for failed sends)
 *   generateError(type)               → pilot_total_xds_internal_errors (generators that threw)
 */
import { messageNameOf } from '@mesh/xds';

export interface XdsMetrics {
  pushSent(typeUrl: string): void;
  pushTime(typeUrl: string, seconds: number): void;
  proxyConvergence(seconds: number): void;
  connectedStreams(count: number): void;
  rejected(typeUrl: string): void;
  expiredNonce(typeUrl: string): void;
  sendError(typeUrl: string): void;
  generateError(typeUrl: string): void;
}

/** Istio's short type label: cds, eds, lds, rds, sds; other types by their message name. */
export function shortTypeName(typeUrl: string): string {
  switch (messageNameOf(typeUrl)) {
    case 'envoy.config.cluster.v3.Cluster':
      return 'cds';
    case 'envoy.config.endpoint.v3.ClusterLoadAssignment':
      return 'eds';
    case 'envoy.config.listener.v3.Listener':
      return 'lds';
    case 'envoy.config.route.v3.RouteConfiguration':
      return 'rds';
    case 'envoy.extensions.transport_sockets.tls.v3.Secret':
      return 'sds';
    default:
      return messageNameOf(typeUrl);
  }
}

/** Istio's bucket bounds (seconds) for pilot_xds_push_time and pilot_proxy_convergence_time. */
export const PUSH_TIME_BUCKETS = [0.01, 0.1, 1, 3, 5, 10, 20, 30] as const;
export const CONVERGENCE_BUCKETS = [0.1, 0.5, 1, 3, 5, 10, 20, 30] as const;

export interface HistogramSnapshot {
  /** Upper bounds, ascending; counts[i] is the number of observations <= bounds[i] (cumulative). */
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly count: number;
  readonly sum: number;
}

class Histogram {
  private readonly counts: number[];
  private count = 0;
  private sum = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.count++;
    this.sum += value;
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]) this.counts[i]++;
  }

  snapshot(): HistogramSnapshot {
    return { bounds: [...this.bounds], counts: [...this.counts], count: this.count, sum: this.sum };
  }
}

export interface XdsMetricsSnapshot {
  readonly pushes: Readonly<Record<string, number>>;
  readonly pushTime: Readonly<Record<string, HistogramSnapshot>>;
  readonly proxyConvergence: HistogramSnapshot;
  readonly connected: number;
  readonly rejects: Readonly<Record<string, number>>;
  readonly expiredNonces: Readonly<Record<string, number>>;
  readonly sendErrors: Readonly<Record<string, number>>;
  readonly generateErrors: Readonly<Record<string, number>>;
}

/** Keeps every metric in memory, labelled by short type name; `snapshot()` reads them. */
export class XdsMetricsRecorder implements XdsMetrics {
  private readonly pushes = new Map<string, number>();
  private readonly pushTimes = new Map<string, Histogram>();
  private readonly convergence = new Histogram(CONVERGENCE_BUCKETS);
  private connected = 0;
  private readonly rejects = new Map<string, number>();
  private readonly expired = new Map<string, number>();
  private readonly sendErrors = new Map<string, number>();
  private readonly generateErrors = new Map<string, number>();

  pushSent(typeUrl: string): void {
    increment(this.pushes, shortTypeName(typeUrl));
  }

  pushTime(typeUrl: string, seconds: number): void {
    const type = shortTypeName(typeUrl);
    let histogram = this.pushTimes.get(type);
    if (!histogram) {
      histogram = new Histogram(PUSH_TIME_BUCKETS);
      this.pushTimes.set(type, histogram);
    }
    histogram.observe(seconds);
  }

  proxyConvergence(seconds: number): void {
    this.convergence.observe(seconds);
  }

  connectedStreams(count: number): void {
    this.connected = count;
  }

  rejected(typeUrl: string): void {
    increment(this.rejects, shortTypeName(typeUrl));
  }

  expiredNonce(typeUrl: string): void {
    increment(this.expired, shortTypeName(typeUrl));
  }

  sendError(typeUrl: string): void {
    increment(this.sendErrors, shortTypeName(typeUrl));
  }

  generateError(typeUrl: string): void {
    increment(this.generateErrors, shortTypeName(typeUrl));
  }

  snapshot(): XdsMetricsSnapshot {
    return {
      pushes: Object.fromEntries(this.pushes),
      pushTime: Object.fromEntries([...this.pushTimes].map(([type, h]) => [type, h.snapshot()])),
      proxyConvergence: this.convergence.snapshot(),
      connected: this.connected,
      rejects: Object.fromEntries(this.rejects),
      expiredNonces: Object.fromEntries(this.expired),
      sendErrors: Object.fromEntries(this.sendErrors),
      generateErrors: Object.fromEntries(this.generateErrors),
    };
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
