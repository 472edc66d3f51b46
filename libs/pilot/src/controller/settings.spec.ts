import { FlagError, parseFlags } from '@mesh/platform';
import { formatHostPort, parseListenAddress } from './listen-address';
import { debounceFlags, debounceSettings } from './settings';

describe('debounce flags', () => {
  const parse = (argv: string[], env: Record<string, string> = {}) =>
    debounceSettings(parseFlags(debounceFlags(env), argv).flags, env);

  it("defaults to Istio's 100ms quiet and 10s max, with EDS debounced", () => {
    expect(parse([])).toEqual({ quietMs: 100, maxMs: 10_000, enableEdsDebounce: true });
  });

  it('reads PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX, and flags win over them', () => {
    const env = { PILOT_DEBOUNCE_AFTER: '250ms', PILOT_DEBOUNCE_MAX: '1m', PILOT_ENABLE_EDS_DEBOUNCE: 'false' };
    expect(parse([], env)).toEqual({ quietMs: 250, maxMs: 60_000, enableEdsDebounce: false });
    expect(parse(['--debounce-after', '1.5s', '--debounce-max=2s'], env)).toMatchObject({ quietMs: 1500, maxMs: 2000 });
  });

  it('shows the effective default in --help terms', () => {
    const flags = debounceFlags({ PILOT_DEBOUNCE_AFTER: '2s' });
    expect(String(flags.debounceAfter.defaultValue)).toBe('2s');
    expect(String(flags.debounceMax.defaultValue)).toBe('10s');
    expect(flags.debounceAfter.description).toContain('env PILOT_DEBOUNCE_AFTER');
  });

  it('names the flag or variable that is wrong', () => {
    expect(() => parse(['--debounce-after', 'soon'])).toThrow(
      new FlagError('--debounce-after: "soon" is not a duration (e.g. 100ms, 10s, 1m)'),
    );
    expect(() => debounceFlags({ PILOT_DEBOUNCE_MAX: '10' })).toThrow('PILOT_DEBOUNCE_MAX: "10" is not a duration');
    expect(() => parse(['--debounce-after', '2s', '--debounce-max', '1s'])).toThrow(
      '--debounce-max (1s) must not be shorter than --debounce-after (2s)',
    );
    expect(() => parse([], { PILOT_ENABLE_EDS_DEBOUNCE: 'maybe' })).toThrow(
      'PILOT_ENABLE_EDS_DEBOUNCE: "maybe" is not a boolean',
    );
  });
});

describe('parseListenAddress', () => {
  it('reads host:port, :port and [v6]:port; port 0 is allowed', () => {
    expect(parseListenAddress('grpc-addr', '127.0.0.1:15010')).toEqual({ host: '127.0.0.1', port: 15010 });
    expect(parseListenAddress('grpc-addr', ':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListenAddress('grpc-addr', 'localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListenAddress('grpc-addr', '[::1]:15014')).toEqual({ host: '::1', port: 15014 });
    expect(formatHostPort('::1', 15014)).toBe('[::1]:15014');
    expect(formatHostPort('0.0.0.0', 1)).toBe('0.0.0.0:1');
  });

  it('refuses what is not an address, naming the flag', () => {
    expect(() => parseListenAddress('http-addr', '8080')).toThrow(
      new FlagError('--http-addr: "8080" is not host:port, :port or [ipv6]:port'),
    );
    expect(() => parseListenAddress('http-addr', ':70000')).toThrow(
      '--http-addr: port 70000 is out of range (0-65535)',
    );
    expect(() => parseListenAddress('http-addr', '::1:80')).toThrow('--http-addr: "::1:80" is not host:port');
  });
});
