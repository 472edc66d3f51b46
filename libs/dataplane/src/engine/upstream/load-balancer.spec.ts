import { hashString } from '../routing/hash-key';
import { type Balanced, createLoadBalancer } from './load-balancer';

interface FakeHost extends Balanced {
  readonly name: string;
  activeRequests: number;
}
const host = (name: string, weight = 1, activeRequests = 0): FakeHost => ({ name, key: name, weight, activeRequests });
const names = (lb: { choose(): FakeHost | undefined }, n: number) =>
  Array.from({ length: n }, () => lb.choose()?.name).join('');

/** A repeatable sequence of "random" numbers in [0, 1). */
function seeded(seed = 1): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

describe('load balancers', () => {
  it('round robin takes hosts in turn from a random start', () => {
    const lb = createLoadBalancer('round_robin', [host('a'), host('b'), host('c')], () => 0.5);
    expect(names(lb, 6)).toBe('bcabca');
  });

  it('weighted round robin gives each host its share, interleaved', () => {
    const lb = createLoadBalancer('round_robin', [host('a', 5), host('b', 1), host('c', 1)]);
    const sequence = names(lb, 7);
    expect([...sequence].filter((c) => c === 'a').length).toBe(5);
    expect(sequence).not.toMatch(/aaaaa/); // smooth: not in one burst
    expect(
      names(lb, 70)
        .split('')
        .filter((c) => c === 'b').length,
    ).toBe(10);
  });

  it('least request compares two distinct hosts and takes the one with fewer active requests', () => {
    const busy = host('busy', 1, 5);
    const idle = host('idle', 1, 0);
    const lb = createLoadBalancer('least_request', [busy, idle], seeded());
    expect(names(lb, 20)).toBe('idle'.repeat(20));
    // With many hosts, the busiest is never chosen: it always loses its comparison.
    const hosts = [host('a', 1, 1), host('b', 1, 1), host('c', 1, 9), host('d', 1, 1)];
    const many = createLoadBalancer('least_request', hosts, seeded(7));
    expect(names(many, 200)).not.toContain('c');
  });

  it('random (and ring hash or maglev without a hash policy) follows the weights', () => {
    const random = seeded(3);
    const lb = createLoadBalancer('ring_hash', [host('a', 3), host('b', 1)], random);
    const picks = names(lb, 4000);
    const share = [...picks].filter((c) => c === 'a').length / 4000;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
  });

  it('handles zero and one host', () => {
    expect(createLoadBalancer('round_robin', []).choose()).toBeUndefined();
    expect(createLoadBalancer('least_request', [host('only')]).choose()?.name).toBe('only');
  });

  it('ring hash and maglev send a hash key to the same host, spread keys over hosts, and move few keys when a host leaves', () => {
    for (const policy of ['ring_hash', 'maglev'] as const) {
      const hosts = [host('a'), host('b'), host('c'), host('d')];
      const lb = createLoadBalancer(policy, hosts, seeded());
      const keys = Array.from({ length: 400 }, (_, i) => hashString(`user-${i}`));
      const before = keys.map((k) => lb.choose(k)?.name);
      expect(keys.map((k) => lb.choose(k)?.name)).toEqual(before);
      for (const name of ['a', 'b', 'c', 'd']) expect(before.filter((n) => n === name).length).toBeGreaterThan(50);
      const without = createLoadBalancer(policy, hosts.slice(0, 3), seeded());
      const moved = keys.filter((k, i) => before[i] !== 'd' && without.choose(k)?.name !== before[i]).length;
      // Only the departed host's keys move (consistent hashing); a plain modulo would move ~3/4.
      expect(moved).toBe(0);
      // Without a key: a random pick.
      expect(['a', 'b', 'c', 'd']).toContain(lb.choose()?.name);
    }
  });
});
