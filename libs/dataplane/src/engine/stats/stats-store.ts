/**
 * Counters and gauges named as Envoy names them (`cluster.<name>.upstream_rq_total`,
 * `http.<stat_prefix>.downstream_rq_total`, ...), so that dashboards and habits carry over.
 * The request path holds references to the counter objects it bumps: a name is looked up once,
 * when a listener, chain or cluster is set up, never per request.
 */

/** Only ever grows. */
export class Counter {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

/** Goes up and down (active connections, requests in flight, members). */
export class Gauge {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }

  dec(by = 1): void {
    this.value -= by;
  }

  set(value: number): void {
    this.value = value;
  }
}

export interface StatEntry {
  readonly name: string;
  readonly value: number;
  readonly type: 'counter' | 'gauge';
}

/**
 * How Envoy's Prometheus output names a stat: the scope's name moved into a label
 * (`cluster.<name>.upstream_rq_total` → `envoy_cluster_upstream_rq_total{cluster_name="<name>"}`).
 * Names like these cannot be split afterwards (cluster names and stat prefixes contain dots), so
 * scopes record it when a stat is created.
 */
export interface StatTag {
  /** `cluster`, `http`, `listener` or `tcp`. */
  readonly kind: string;
  /** The label Envoy's tag extraction gives the scope's name. */
  readonly label: string;
  readonly value: string;
}

/** The scopes whose name Envoy turns into a label, and that label's name. */
const TAG_LABELS: Readonly<Record<string, string>> = {
  cluster: 'cluster_name',
  http: 'envoy_http_conn_manager_prefix',
  listener: 'envoy_listener_address',
  tcp: 'envoy_tcp_prefix',
};

/** A stat created through a tagged scope: its tag and its name within the scope. */
export interface TaggedStat {
  readonly tag: StatTag;
  readonly statName: string;
}

export class StatsStore {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly tags = new Map<string, TaggedStat>();

  /** The counter of that name, created at zero on first use. */
  counter(name: string, tagged?: TaggedStat): Counter {
    let counter = this.counters.get(name);
    if (!counter) {
      counter = new Counter();
      this.counters.set(name, counter);
      if (tagged) this.tags.set(name, tagged);
    }
    return counter;
  }

  gauge(name: string, tagged?: TaggedStat): Gauge {
    let gauge = this.gauges.get(name);
    if (!gauge) {
      gauge = new Gauge();
      this.gauges.set(name, gauge);
      if (tagged) this.tags.set(name, tagged);
    }
    return gauge;
  }

  /**
   * A view that prefixes every name with `prefix.`. A prefix `cluster.<name>`, `http.<prefix>`,
   * `listener.<address>` or `tcp.<prefix>` also tags its stats for the Prometheus output.
   */
  scope(prefix: string): StatsScope {
    const dot = prefix.indexOf('.');
    const kind = dot > 0 ? prefix.slice(0, dot) : '';
    const label = TAG_LABELS[kind];
    const tag = label ? { kind, label, value: prefix.slice(dot + 1) } : undefined;
    return new StatsScope(this, prefix, tag, '');
  }

  /** The tag of a stat created through a tagged scope. */
  tagOf(name: string): TaggedStat | undefined {
    return this.tags.get(name);
  }

  /** Every stat, sorted by name (Envoy's /stats order). */
  entries(): StatEntry[] {
    const all: StatEntry[] = [];
    for (const [name, c] of this.counters) all.push({ name, value: c.value, type: 'counter' });
    for (const [name, g] of this.gauges) all.push({ name, value: g.value, type: 'gauge' });
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The value of a stat by its full name, undefined if it was never created. */
  valueOf(name: string): number | undefined {
    return this.counters.get(name)?.value ?? this.gauges.get(name)?.value;
  }
}

export class StatsScope {
  constructor(
    private readonly store: StatsStore,
    readonly prefix: string,
    /** Set when the scope (or the one it was made from) is tagged. */
    private readonly tag: StatTag | undefined,
    /** The names below the tagged scope (`outlier_detection.` under `cluster.<name>`). */
    private readonly inner: string,
  ) {}

  counter(name: string): Counter {
    return this.store.counter(`${this.prefix}.${name}`, this.tagged(name));
  }

  gauge(name: string): Gauge {
    return this.store.gauge(`${this.prefix}.${name}`, this.tagged(name));
  }

  scope(prefix: string): StatsScope {
    return new StatsScope(this.store, `${this.prefix}.${prefix}`, this.tag, `${this.inner}${prefix}.`);
  }

  private tagged(name: string): TaggedStat | undefined {
    return this.tag ? { tag: this.tag, statName: `${this.inner}${name}` } : undefined;
  }
}

/** Counters per response class (`..._2xx`), indexed by the status code's first digit. */
export function statusClassCounters(scope: StatsScope, prefix: string): readonly Counter[] {
  return [1, 2, 3, 4, 5].reduce<Counter[]>((list, digit) => {
    list[digit] = scope.counter(`${prefix}_${digit}xx`);
    return list;
  }, []);
}
