/**
 * Prometheus text exposition (format 0.0.4) of the engine's metrics, the way Envoy's
 * `/stats/prometheus` writes them: Istio's standard metrics first, then every Envoy stat with the
 * `envoy_` prefix, the scope's name moved into a label for cluster, HTTP connection manager,
 * listener and TCP proxy stats (`envoy_cluster_upstream_rq_total{cluster_name="..."}`), other names
 * with every character Prometheus does not allow turned into `_` (`envoy_server_live`).
 * Each family is written as one block under its `# TYPE` line, as the format requires.
 */
import type { StatEntry, StatsStore } from '../stats/stats-store';
import type { IstioMetrics } from './istio-metrics';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : value;
}

/** A stat name as a metric name: characters outside `[a-zA-Z0-9_:]` become `_`. */
export function sanitizeMetricName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_:]/g, '_');
}

interface Family {
  readonly type: StatEntry['type'];
  readonly lines: string[];
}

/** Every Envoy stat of the store, grouped into families. */
export function writeEnvoyStats(out: string[], store: StatsStore): void {
  const families = new Map<string, Family>();
  for (const entry of store.entries()) {
    const tagged = store.tagOf(entry.name);
    const name = tagged
      ? sanitizeMetricName(`envoy_${tagged.tag.kind}_${tagged.statName}`)
      : sanitizeMetricName(`envoy_${entry.name}`);
    const labels = tagged ? `{${tagged.tag.label}="${escapeLabelValue(tagged.tag.value)}"}` : '';
    let family = families.get(name);
    if (!family) families.set(name, (family = { type: entry.type, lines: [] }));
    family.lines.push(`${name}${labels} ${entry.value}\n`);
  }
  for (const name of [...families.keys()].sort()) {
    const family = families.get(name)!;
    out.push(`# TYPE ${name} ${family.type}\n`);
    for (const line of family.lines) out.push(line);
  }
}

/** The whole `/stats/prometheus` body. */
export function prometheusText(istio: IstioMetrics | undefined, store: StatsStore): string {
  const out: string[] = [];
  istio?.write(out);
  writeEnvoyStats(out, store);
  return out.join('');
}
