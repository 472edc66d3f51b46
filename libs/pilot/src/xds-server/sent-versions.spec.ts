import { SentVersions, TOLD_ABSENT } from './sent-versions';

describe('SentVersions', () => {
  it('applies changes into a new value and leaves the old one as it was', () => {
    const first = SentVersions.EMPTY.apply([
      ['a', 'v1'],
      ['b', 'v1'],
    ]);
    const second = first.apply([
      ['a', 'v2'],
      ['b', undefined],
      ['c', TOLD_ABSENT],
    ]);
    expect([...first.entries()]).toEqual([
      ['a', 'v1'],
      ['b', 'v1'],
    ]);
    expect([...second.entries()]).toEqual([
      ['a', 'v2'],
      ['c', TOLD_ABSENT],
    ]);
    expect(second.sentCount).toBe(1);
    expect(first.sentCount).toBe(2);
  });

  it('gives connections that apply the same change to the same value one shared result', () => {
    const base = SentVersions.EMPTY.apply([['x', '1']]);
    const a = base.apply([['x', '2']]);
    const b = base.apply([['x', '2']]);
    expect(b).toBe(a);
    expect(base.apply([['x', '3']])).not.toBe(a);
  });

  it('shares the result of a large change too (kept under a digest of the change)', () => {
    const changes = Array.from({ length: 2_000 }, (_, i) => [`outbound|80||svc-${i}.bench`, `b${i}`] as const);
    const a = SentVersions.EMPTY.apply(changes);
    const b = SentVersions.EMPTY.apply([...changes]);
    expect(b).toBe(a);
    expect(a.sentCount).toBe(2_000);
    expect(SentVersions.EMPTY.apply(changes.slice(1))).not.toBe(a);
  });

  it('returns itself when a change changes nothing', () => {
    const base = SentVersions.EMPTY.apply([['x', '1']]);
    expect(base.apply([['x', '1']])).toBe(base);
    expect(base.apply([['y', undefined]])).toBe(base);
  });
});
