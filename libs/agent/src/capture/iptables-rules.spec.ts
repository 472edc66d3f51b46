import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from '@mesh/platform';
import { captureConfigFromFlags, captureFlags, expandShortFlags } from './capture-command';
import { defaultCaptureConfig } from './capture-config';
import { CAPTURE_CHAINS, generateCaptureRules, restoreScript } from './iptables-rules';

const testdata = fileURLToPath(new URL('../../testdata/', import.meta.url));

/** Compares with testdata/<name>.golden; UPDATE_GOLDEN=1 rewrites it instead. */
function expectGolden(name: string, actual: string): void {
  const file = join(testdata, `${name}.golden`);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`missing golden ${file}: run with UPDATE_GOLDEN=1 to create it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

/** The golden text for `proxy iptables <argv>`: what would be fed to each restore command. */
function rulesFor(argv: string[]): string {
  const config = captureConfigFromFlags(parseFlags(captureFlags, expandShortFlags(argv)).flags);
  const rules = generateCaptureRules(config);
  const quoted = argv.map((a) => (a === '' || /[*\s]/.test(a) ? `'${a}'` : a));
  const parts = [`# proxy iptables ${quoted.join(' ')}`.trimEnd()];
  parts.push('# iptables-restore --noflush', restoreScript(rules.ipv4));
  if (rules.ipv6) parts.push('# ip6tables-restore --noflush', restoreScript(rules.ipv6));
  return parts.join('\n');
}

describe('capture rule generation (goldens in testdata/*.golden)', () => {
  const cases: [string, string[]][] = [
    // What Istio's injector passes for a default pod; also this command's defaults.
    ['default', []],
    [
      'istio-injected-args',
      [
        '-p',
        '15001',
        '-z',
        '15006',
        '-u',
        '1337',
        '-m',
        'REDIRECT',
        '-i',
        '*',
        '-x',
        '',
        '-b',
        '*',
        '-d',
        '15090,15021,15020',
      ],
    ],
    ['inbound-ports-include', ['-b', '8080,9090']],
    ['inbound-none', ['-b', '']],
    ['inbound-wildcard-exclude', ['-b', '*', '-d', '22,80,443']],
    ['outbound-cidrs-include-exclude', ['-i', '10.0.0.0/8,172.16.0.0/12', '-x', '10.96.0.0/12,169.254.169.254/32']],
    ['outbound-ports', ['-i', '', '-q', '3306,5432', '-o', '22,443']],
    ['outbound-none', ['-i', '']],
    ['loopback-included', ['-i', '127.0.0.0/8,10.0.0.0/8']],
    [
      'custom-ports-and-owners',
      ['--envoy-port', '16001', '--inbound-capture-port=16006', '-u', '1500', '-g', '1600,1700'],
    ],
    ['exclude-interfaces', ['-c', 'eth1,net1']],
    ['dual-stack', ['--dual-stack', '-i', '*', '-x', '10.96.0.0/12,fd00:10:96::/112', '-o', '8081']],
    ['dual-stack-v4-only-include', ['--dual-stack', '-i', '10.0.0.0/8']],
  ];
  it.each(cases)('%s', (name, argv) => {
    expectGolden(name, rulesFor(argv));
  });

  it('the command defaults are exactly defaultCaptureConfig', () => {
    expect(captureConfigFromFlags(parseFlags(captureFlags, []).flags)).toEqual(defaultCaptureConfig);
  });

  it('creates exactly the Istio chains and jumps to them only from PREROUTING and OUTPUT', () => {
    const { ipv4 } = generateCaptureRules(defaultCaptureConfig);
    expect(ipv4.filter((line) => line.startsWith('-N ')).map((line) => line.slice(3))).toEqual([
      'ISTIO_INBOUND',
      'ISTIO_REDIRECT',
      'ISTIO_IN_REDIRECT',
      'ISTIO_OUTPUT',
    ]);
    expect(CAPTURE_CHAINS).toEqual(['ISTIO_INBOUND', 'ISTIO_REDIRECT', 'ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT']);
    const builtIn = ipv4.filter((line) => /^-A (PREROUTING|OUTPUT) /.test(line));
    expect(builtIn).toEqual(['-A PREROUTING -p tcp -j ISTIO_INBOUND', '-A OUTPUT -p tcp -j ISTIO_OUTPUT']);
  });

  it('exempts the proxy UID before the catch-all redirect', () => {
    const { ipv4 } = generateCaptureRules({ ...defaultCaptureConfig, proxyUids: [4242], proxyGids: [] });
    const exempt = ipv4.indexOf('-A ISTIO_OUTPUT -m owner --uid-owner 4242 -j RETURN');
    const redirect = ipv4.indexOf('-A ISTIO_OUTPUT -j ISTIO_REDIRECT');
    expect(exempt).toBeGreaterThan(0);
    expect(redirect).toBeGreaterThan(exempt);
    expect(ipv4.some((line) => line.includes('--gid-owner'))).toBe(false);
  });

  it('writes no IPv6 rules unless asked', () => {
    expect(generateCaptureRules(defaultCaptureConfig).ipv6).toBeUndefined();
    const { ipv6 } = generateCaptureRules({ ...defaultCaptureConfig, ipv6: true });
    expect(ipv6).toContain('-A ISTIO_OUTPUT -d ::1/128 -j RETURN');
    expect(ipv6).toContain('-A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN');
    expect(ipv6?.some((line) => line.includes('127.0.0.'))).toBe(false);
  });
});
