import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['1.5s', 1500],
    ['10s', 10_000],
    ['250ms', 250],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['0', 0],
    ['0s', 0],
    ['.5s', 500],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['1000000ns', 1],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '10', 's', '-1s', '1.5', '5 m', '1d', '1s2', '1sx', '1ss'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
