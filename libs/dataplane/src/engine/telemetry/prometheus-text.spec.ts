import { checkPrometheusText } from '@mesh/testing';
import { StatsStore } from '../stats/stats-store';
import { Histogram } from './histogram';
import { escapeLabelValue, prometheusText, sanitizeMetricName } from './prometheus-text';

describe('Prometheus text', () => {
  it('escapes label values and sanitizes names as the format requires', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeLabelValue('plain')).toBe('plain');
    expect(sanitizeMetricName('envoy_outbound|80||x.y-z')).toBe('envoy_outbound_80__x_y_z');
  });

  it('writes histograms cumulatively with +Inf, _sum and _count', () => {
    const h = new Histogram([1, 10]);
    for (const v of [0.5, 1, 5, 50]) h.observe(v);
    const out: string[] = [];
    h.write(out, 'm', 'a="b"');
    expect(out.join('')).toBe(
      'm_bucket{a="b",le="1"} 2\nm_bucket{a="b",le="10"} 3\nm_bucket{a="b",le="+Inf"} 4\nm_sum{a="b"} 56.5\nm_count{a="b"} 4\n',
    );
  });

  it('moves tagged scope names into labels, even names with dots, and groups each family', () => {
    const store = new StatsStore();
    store.scope('cluster.outbound|80||a.b.svc').counter('upstream_rq_total').inc(3);
    store.scope('cluster.c"q').counter('upstream_rq_total').inc();
    store.scope('cluster.x').scope('outlier_detection').gauge('ejections_active').set(2);
    store.gauge('server.live').set(1);
    const text = prometheusText(undefined, store);
    const { samples, types } = checkPrometheusText(text);
    expect(samples).toEqual([
      { name: 'envoy_cluster_outlier_detection_ejections_active', labels: { cluster_name: 'x' }, value: 2 },
      { name: 'envoy_cluster_upstream_rq_total', labels: { cluster_name: 'c"q' }, value: 1 },
      { name: 'envoy_cluster_upstream_rq_total', labels: { cluster_name: 'outbound|80||a.b.svc' }, value: 3 },
      { name: 'envoy_server_live', labels: {}, value: 1 },
    ]);
    expect(types.get('envoy_cluster_upstream_rq_total')).toBe('counter');
    expect(types.get('envoy_server_live')).toBe('gauge');
  });

  it('the checker rejects what Prometheus would', () => {
    expect(() => checkPrometheusText('a{b="c"} 1')).toThrow(/newline/);
    expect(() => checkPrometheusText('a-b 1\n')).toThrow(/bad metric name/);
    expect(() => checkPrometheusText('a{b=c} 1\n')).toThrow(/not quoted/);
    expect(() => checkPrometheusText('a{b="c} 1\n')).toThrow(/unterminated/);
    expect(() => checkPrometheusText('a x\n')).toThrow(/bad value/);
    expect(() => checkPrometheusText('# TYPE a counter\na 1\nb 1\na{x="y"} 2\n')).toThrow(/one block/);
    expect(() => checkPrometheusText('a 1\n# TYPE a counter\n')).toThrow(/TYPE after samples/);
    expect(() => checkPrometheusText('a 1\na 2\n')).toThrow(/duplicate/);
    expect(() => checkPrometheusText('# TYPE h histogram\nh_bucket 1\n')).toThrow(/without le/);
  });
});
