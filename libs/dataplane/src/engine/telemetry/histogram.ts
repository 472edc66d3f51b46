/**
 * A Prometheus histogram with fixed bucket bounds: one array of per-bucket counts (made cumulative
 * only when written out), a sum and a count. Observing is a short scan and two additions.
 */

/** Istio's default bounds for `istio_request_duration_milliseconds` (ms). */
export const DURATION_BUCKETS_MS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
]);

/** Istio's default bounds for `istio_request_bytes` and `istio_response_bytes`: 1 to 10^7, ×10. */
export const SIZE_BUCKETS_BYTES: readonly number[] = Object.freeze([
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
]);

export class Histogram {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  /** Appends `<name>_bucket{labels,le="..."}`, `_sum` and `_count` lines (labels without braces, may be empty). */
  write(out: string[], name: string, labels: string): void {
    const sep = labels === '' ? '' : ',';
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i];
      out.push(`${name}_bucket{${labels}${sep}le="${this.bounds[i]}"} ${cumulative}\n`);
    }
    out.push(`${name}_bucket{${labels}${sep}le="+Inf"} ${this.count}\n`);
    const braces = labels === '' ? '' : `{${labels}}`;
    out.push(`${name}_sum${braces} ${this.sum}\n`);
    out.push(`${name}_count${braces} ${this.count}\n`);
  }
}
