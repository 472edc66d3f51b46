import { ExponentialBackoff } from './backoff';

describe('ExponentialBackoff', () => {
  it('doubles the ceiling per attempt up to the cap, with the delay in [ceiling/2, ceiling)', () => {
    const low = new ExponentialBackoff({ baseMs: 100, capMs: 1000, random: () => 0 });
    const high = new ExponentialBackoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
    const lows = Array.from({ length: 6 }, () => low.nextDelayMs());
    const highs = Array.from({ length: 6 }, () => high.nextDelayMs());
    expect(lows).toEqual([50, 100, 200, 400, 500, 500]);
    expect(highs).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('starts again from the base after reset', () => {
    const backoff = new ExponentialBackoff({ baseMs: 10, capMs: 10_000, random: () => 0 });
    for (let i = 0; i < 5; i++) backoff.nextDelayMs();
    backoff.reset();
    expect(backoff.nextDelayMs()).toBe(5);
  });

  it('spreads delays of the same attempt with real randomness', () => {
    const delays = new Set(Array.from({ length: 50 }, () => new ExponentialBackoff({ baseMs: 1000 }).nextDelayMs()));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d >= 500 && d < 1000).toBe(true);
  });

  it('rejects a cap below the base', () => {
    expect(() => new ExponentialBackoff({ baseMs: 100, capMs: 50 })).toThrow(RangeError);
  });
});
