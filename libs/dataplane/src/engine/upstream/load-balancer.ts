/**
 * Picking a host among a set of candidates (one priority level's healthy hosts, say), per the
 * cluster's policy:
 * - round robin: in turn; with unequal endpoint weights, smooth weighted round robin (each host
 *   gets its share, interleaved rather than in bursts);
 * - least request: Envoy's "power of two choices", two hosts drawn at random and the one with
 *   fewer active requests taken; with unequal weights the draw is weighted and the comparison is
 *   of active requests per unit of weight (Envoy uses an EDF schedule there: same aim, not the
 *   same sequence);
 * - ring hash and maglev: a ring with a fixed number of points per unit of host weight (256, so
 *   four equal hosts make Envoy's minimum ring of 1,024); a request's hash key goes to the first
 *   point at or after it, so a key keeps its host and a host leaving moves only its own keys
 *   (Envoy sizes its ring by the host count, which moves a few more). Maglev uses the same
 *   ring (Envoy's maglev table is a different construction with the same property). Without a
 *   key they pick at random, as Envoy's do;
 * - random.
 */
import type { XdsLbPolicy } from '../../xds/model';
import { hashString } from '../routing/hash-key';

export interface Balanced {
  /** Stable identity (`address:port`): where the host sits on a hash ring. */
  readonly key: string;
  readonly weight: number;
  /** Requests in flight on the host (least request compares these). */
  readonly activeRequests: number;
}

export interface LoadBalancer<H extends Balanced> {
  /** `hash`: the request's consistent-hash key, used by ring hash and maglev (others ignore it). */
  choose(hash?: number): H | undefined;
}

export type RandomSource = () => number;

export function createLoadBalancer<H extends Balanced>(
  policy: XdsLbPolicy,
  hosts: readonly H[],
  random: RandomSource = Math.random,
): LoadBalancer<H> {
  if (hosts.length === 0) return { choose: () => undefined };
  if (hosts.length === 1) return { choose: () => hosts[0] };
  const weighted = hosts.some((h) => h.weight !== hosts[0].weight);
  switch (policy) {
    case 'round_robin':
      return weighted ? new SmoothWeightedRoundRobin(hosts) : new RoundRobin(hosts, random);
    case 'least_request':
      return new LeastRequest(hosts, weighted, random);
    case 'ring_hash':
    case 'maglev':
      return new HashRing(hosts, new WeightedRandom(hosts, random));
    default:
      return new WeightedRandom(hosts, random);
  }
}

class RoundRobin<H extends Balanced> implements LoadBalancer<H> {
  private next: number;

  constructor(
    private readonly hosts: readonly H[],
    random: RandomSource,
  ) {
    // A random start, so that proxies restarted together do not all begin with the same host.
    this.next = Math.floor(random() * hosts.length);
  }

  choose(): H {
    const host = this.hosts[this.next];
    this.next = this.next + 1 === this.hosts.length ? 0 : this.next + 1;
    return host;
  }
}

class SmoothWeightedRoundRobin<H extends Balanced> implements LoadBalancer<H> {
  private readonly current: number[];
  private readonly total: number;

  constructor(private readonly hosts: readonly H[]) {
    this.current = hosts.map(() => 0);
    this.total = hosts.reduce((sum, h) => sum + h.weight, 0);
  }

  choose(): H {
    let best = 0;
    for (let i = 0; i < this.hosts.length; i++) {
      this.current[i] += this.hosts[i].weight;
      if (this.current[i] > this.current[best]) best = i;
    }
    this.current[best] -= this.total;
    return this.hosts[best];
  }
}

class LeastRequest<H extends Balanced> implements LoadBalancer<H> {
  private readonly draw: WeightedRandom<H> | undefined;

  constructor(
    private readonly hosts: readonly H[],
    private readonly weighted: boolean,
    private readonly random: RandomSource,
  ) {
    this.draw = weighted ? new WeightedRandom(hosts, random) : undefined;
  }

  choose(): H {
    const n = this.hosts.length;
    let a: H;
    let b: H;
    if (this.draw) {
      a = this.draw.choose();
      b = this.draw.choose();
    } else {
      const i = Math.floor(this.random() * n);
      // A second, different host: an offset of 1..n-1 from the first.
      const j = (i + 1 + Math.floor(this.random() * (n - 1))) % n;
      a = this.hosts[i];
      b = this.hosts[j];
    }
    if (!this.weighted) return b.activeRequests < a.activeRequests ? b : a;
    return (b.activeRequests + 1) / b.weight < (a.activeRequests + 1) / a.weight ? b : a;
  }
}

class WeightedRandom<H extends Balanced> implements LoadBalancer<H> {
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(
    private readonly hosts: readonly H[],
    private readonly random: RandomSource,
  ) {
    let sum = 0;
    this.cumulative = hosts.map((h) => (sum += h.weight));
    this.total = sum;
  }

  choose(): H {
    const x = this.random() * this.total;
    for (let i = 0; i < this.cumulative.length; i++) if (x < this.cumulative[i]) return this.hosts[i];
    return this.hosts[this.hosts.length - 1];
  }
}

/** Ring points per unit of weight: fixed, so that a host's points do not depend on the others. */
const POINTS_PER_WEIGHT = 256;
/** Bound on the points of one host (EDS weights go up to 128 in practice). */
const MAX_POINTS_PER_HOST = 65_536;

class HashRing<H extends Balanced> implements LoadBalancer<H> {
  private readonly points: Uint32Array;
  private readonly owners: H[];

  constructor(
    hosts: readonly H[],
    private readonly fallback: LoadBalancer<H>,
  ) {
    const entries: { point: number; host: H }[] = [];
    for (const host of hosts) {
      const count = Math.min(MAX_POINTS_PER_HOST, Math.max(1, host.weight * POINTS_PER_WEIGHT));
      for (let i = 0; i < count; i++) entries.push({ point: hashString(`${host.key}_${i}`), host });
    }
    entries.sort((a, b) => a.point - b.point);
    this.points = Uint32Array.from(entries, (e) => e.point);
    this.owners = entries.map((e) => e.host);
  }

  choose(hash?: number): H | undefined {
    if (hash === undefined) return this.fallback.choose();
    const points = this.points;
    // First point >= hash, wrapping around.
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === points.length ? 0 : lo];
  }
}
