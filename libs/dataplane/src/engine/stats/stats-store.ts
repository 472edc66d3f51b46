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

export class StatsStore {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();

  /** The counter of that name, created at zero on first use. */
  counter(name: string): Counter {
    let counter = this.counters.get(name);
    if (!counter) {
      counter = new Counter();
      this.counters.set(name, counter);
    }
    return counter;
  }

  gauge(name: string): Gauge {
    let gauge = this.gauges.get(name);
    if (!gauge) {
      gauge = new Gauge();
      this.gauges.set(name, gauge);
    }
    return gauge;
  }

  /** A view that prefixes every name with `prefix.`. */
  scope(prefix: string): StatsScope {
    return new StatsScope(this, prefix);
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
  ) {}

  counter(name: string): Counter {
    return this.store.counter(`${this.prefix}.${name}`);
  }

  gauge(name: string): Gauge {
    return this.store.gauge(`${this.prefix}.${name}`);
  }

  scope(prefix: string): StatsScope {
    return new StatsScope(this.store, `${this.prefix}.${prefix}`);
  }
}

/** Counters per response class (`..._2xx`), indexed by the status code's first digit. */
export function statusClassCounters(scope: StatsScope, prefix: string): readonly Counter[] {
  return [1, 2, 3, 4, 5].reduce<Counter[]>((list, digit) => {
    list[digit] = scope.counter(`${prefix}_${digit}xx`);
    return list;
  }, []);
}
