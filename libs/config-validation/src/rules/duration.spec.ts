import { Field, IssueList } from '../walker';
import { checkDuration, NANOS_PER_SECOND, parseDuration } from './duration';

describe('parseDuration (Go duration syntax)', () => {
  it.each([
    ['1h2m3.5s', 3_723_500_000_000n],
    ['100ms', 100_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['2h45m', 9_900_000_000_000n],
    ['-1s', -1_000_000_000n],
    ['+2s', 2_000_000_000n],
    ['0', 0n],
    ['.5s', 500_000_000n],
    ['5.s', 5_000_000_000n],
    ['1µs', 1_000n],
    ['1us', 1_000n],
    ['300ns', 300n],
    ['1m1m', 120_000_000_000n],
  ])('%s', (text, nanos) => {
    expect(parseDuration(text)).toEqual({ ok: true, nanos });
  });

  it.each(['', '1', '1x', 's', '.s', '1.2.3s', '1 s', '1S', '-', 'h1', '1h ', ' 1h'])('rejects %j', (text) => {
    expect(parseDuration(text)).toEqual({ ok: false });
  });
});

describe('checkDuration', () => {
  const check = (value: unknown, rules = {}): string[] => {
    const issues = new IssueList();
    checkDuration(new Field(value, ['timeout'], issues), rules);
    return issues.errors.map((i) => i.message);
  };

  it("applies Istio's rules: at least 1ms, whole milliseconds, not negative", () => {
    expect(check('1ms')).toEqual([]);
    expect(check('0s')).toEqual(['duration must be at least 1ms (got "0s")']);
    expect(check('500us')).toEqual(['duration must be at least 1ms (got "500us")']);
    expect(check('1.5ms')).toEqual(['duration must be a whole number of milliseconds (got "1.5ms")']);
    expect(check('-5m')).toEqual(['duration must not be negative (got "-5m")']);
    expect(check(5)).toEqual(['must be a string (got number)']);
  });

  it('supports zero and second precision where a field allows them', () => {
    expect(check('0s', { min: 0n })).toEqual([]);
    expect(check('2500ms', { precision: NANOS_PER_SECOND })).toEqual([
      'duration must be a whole number of seconds (got "2500ms")',
    ]);
  });
});
