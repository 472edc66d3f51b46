import { readFileSync } from 'node:fs';
import { runCaptureCommand } from './capture-command';
import { defaultCaptureConfig } from './capture-config';
import { type CommandResult, type CommandRunner, IptablesError, spawnCommand } from './iptables';
import { generateCaptureRules, restoreScript } from './iptables-rules';

const savedWithCapture = readFileSync(
  new URL('../../testdata/iptables-save-with-capture.txt', import.meta.url),
  'utf8',
);
const emptyNat =
  '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n';

interface Call {
  command: string;
  args: readonly string[];
  input?: string;
}

/** In-memory stand-in for iptables-save/-restore (unit tests only; the netns spec runs the real ones). */
function fakeIptables(
  answers: { save?: Partial<Record<'iptables' | 'ip6tables', CommandResult>>; restore?: CommandResult } = {},
) {
  const calls: Call[] = [];
  const runner: CommandRunner = async (command, args, input) => {
    calls.push({ command, args, input });
    const program = command === 'nsenter' ? args[args.indexOf('--') + 1] : command;
    const ok = { code: 0, stdout: '', stderr: '' };
    if (program.endsWith('-save'))
      return answers.save?.[program.startsWith('ip6') ? 'ip6tables' : 'iptables'] ?? { ...ok, stdout: emptyNat };
    if (program.endsWith('-restore')) return answers.restore ?? ok;
    throw new Error(`unexpected command ${command}`);
  };
  return { calls, runner };
}

async function run(argv: string[], runner?: CommandRunner) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCaptureCommand(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), runner });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('runCaptureCommand', () => {
  it('--dry-run prints the rules and runs nothing', async () => {
    const fake = fakeIptables();
    const result = await run(['-n'], fake.runner);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(restoreScript(generateCaptureRules(defaultCaptureConfig).ipv4));
    expect(fake.calls).toEqual([]);
  });

  it('applies the rules with one iptables-restore --noflush on a clean table', async () => {
    const fake = fakeIptables();
    const result = await run([], fake.runner);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(fake.calls.map((c) => [c.command, ...c.args].join(' '))).toEqual([
      'iptables-save -t nat',
      'iptables-restore --noflush --wait',
    ]);
    expect(fake.calls[1].input).toBe(restoreScript(generateCaptureRules(defaultCaptureConfig).ipv4));
  });

  it('replaces capture left by an earlier run in the same transaction', async () => {
    const fake = fakeIptables({ save: { iptables: { code: 0, stdout: savedWithCapture, stderr: '' } } });
    const result = await run([], fake.runner);
    expect(result.code).toBe(0);
    const script = fake.calls[1].input!.split('\n');
    expect(script.slice(0, 4)).toEqual([
      '*nat',
      '-D PREROUTING -p tcp -j ISTIO_INBOUND',
      '-D OUTPUT -p tcp -j ISTIO_OUTPUT',
      '-F ISTIO_INBOUND',
    ]);
    expect(script.indexOf('-X ISTIO_OUTPUT')).toBeLessThan(script.indexOf('-N ISTIO_INBOUND'));
    expect(script.filter((line) => line === 'COMMIT')).toHaveLength(1);
    expect(result.stdout).toContain(
      'replacing existing capture (ISTIO_INBOUND, ISTIO_REDIRECT, ISTIO_IN_REDIRECT, ISTIO_OUTPUT)',
    );
  });

  it('enters a network namespace by name or path with nsenter', async () => {
    const byName = fakeIptables();
    await run(['--network-namespace', 'pod-a'], byName.runner);
    expect(byName.calls[0]).toMatchObject({
      command: 'nsenter',
      args: ['--net=/run/netns/pod-a', '--', 'iptables-save', '-t', 'nat'],
    });
    const byPath = fakeIptables();
    await run(['--network-namespace=/proc/42/ns/net'], byPath.runner);
    expect(byPath.calls[1].args.slice(0, 3)).toEqual(['--net=/proc/42/ns/net', '--', 'iptables-restore']);
  });

  it('--dual-stack also programs ip6tables', async () => {
    const fake = fakeIptables();
    expect((await run(['--dual-stack'], fake.runner)).code).toBe(0);
    expect(fake.calls.map((c) => c.command)).toEqual([
      'iptables-save',
      'iptables-restore',
      'ip6tables-save',
      'ip6tables-restore',
    ]);
    expect(fake.calls[3].input).toContain('-A ISTIO_OUTPUT -d ::1/128 -j RETURN');
  });

  it('--cleanup removes capture in both families and skips IPv6 where ip6tables fails', async () => {
    const fake = fakeIptables({
      save: {
        iptables: { code: 0, stdout: savedWithCapture, stderr: '' },
        ip6tables: { code: 1, stdout: '', stderr: "can't initialize ip6tables table `nat'" },
      },
    });
    const result = await run(['--cleanup'], fake.runner);
    expect(result.code).toBe(0);
    expect(fake.calls.map((c) => c.command)).toEqual(['iptables-save', 'iptables-restore', 'ip6tables-save']);
    expect(fake.calls[1].input).toBe(
      restoreScript([
        '-D PREROUTING -p tcp -j ISTIO_INBOUND',
        '-D OUTPUT -p tcp -j ISTIO_OUTPUT',
        ...['-F', '-X'].flatMap((op) =>
          ['ISTIO_INBOUND', 'ISTIO_REDIRECT', 'ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT'].map((c) => `${op} ${c}`),
        ),
      ]),
    );
    expect(result.stdout).toContain('ip6tables: skipped');
  });

  it('--cleanup-only (istio-iptables spelling) on a clean table changes nothing', async () => {
    const fake = fakeIptables();
    expect((await run(['--cleanup-only'], fake.runner)).code).toBe(0);
    expect(fake.calls.map((c) => c.command)).toEqual(['iptables-save', 'ip6tables-save']);
  });

  it('reports a failed restore with its message and the numbered script (exit 1)', async () => {
    const fake = fakeIptables({
      restore: { code: 2, stdout: '', stderr: 'iptables-restore: line 3 failed: Chain already exists.' },
    });
    const result = await run([], fake.runner);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('iptables-restore failed (exit 2): iptables-restore: line 3 failed');
    expect(result.stderr).toContain('  3  -N ISTIO_REDIRECT');
  });

  it.each([
    [['-p', 'abc'], '--envoy-port: "abc" is not a port number'],
    [['--inbound-capture-port', '70000'], '--inbound-capture-port: port 70000 is outside 1-65535'],
    [['-x', '10.0.0.1'], '--istio-service-exclude-cidr: "10.0.0.1" is not a CIDR (address/prefix-length)'],
    [['-i', '10.0.0.0/33'], '--istio-service-cidr: prefix length "33" in "10.0.0.0/33" is not within 0-32'],
    [['-i', 'example.com/8'], '--istio-service-cidr: "example.com" in "example.com/8" is not an IP address'],
    [['-x', '*'], '--istio-service-exclude-cidr: "*" would exclude everything'],
    [['-m', 'TPROXY'], '--istio-inbound-interception-mode: "TPROXY" is not supported; only REDIRECT is implemented'],
    [['-u', 'istio-proxy'], '--proxy-uid: "istio-proxy" is not a numeric user or group id'],
    [['-u', ''], '--proxy-uid: at least one user id is needed'],
    [['-c', 'eth0/1'], '--istio-exclude-interfaces: "eth0/1" is not a valid interface name'],
    [['-k', 'eth0'], '--kube-virt-interfaces is an istio-iptables option this capture does not implement'],
    [['--redirect-dns'], '--redirect-dns is an istio-iptables option this capture does not implement'],
    [['-Z', '1'], 'unknown flag -Z'],
    [['--bogus'], 'unknown flag --bogus'],
    [['apply'], 'unexpected argument "apply"'],
  ])('refuses %j with a message naming the flag (exit 2)', async (argv, message) => {
    const fake = fakeIptables();
    const result = await run(argv, fake.runner);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`proxy iptables: ${message}`);
    expect(result.stderr).toContain('usage: proxy iptables');
    expect(fake.calls).toEqual([]);
  });

  it('--help prints the usage with every flag', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--envoy-port', '--istio-service-cidr', '--cleanup', '--network-namespace', '--dual-stack']) {
      expect(result.stdout).toContain(flag);
    }
  });
});

describe('spawnCommand', () => {
  it('names a missing program and how to install iptables', async () => {
    await expect(spawnCommand('mesh-no-such-program-iptables-restore', [])).rejects.toThrow(IptablesError);
    await expect(spawnCommand('mesh-no-such-program-iptables-restore', [])).rejects.toThrow(
      'mesh-no-such-program-iptables-restore not found on PATH: install iptables (Debian: apt-get install iptables)',
    );
  });

  it('passes stdin and collects output and exit code of a real program', async () => {
    await expect(spawnCommand('sh', ['-c', 'cat; echo oops >&2; exit 3'], 'hello')).resolves.toEqual({
      code: 3,
      stdout: 'hello',
      stderr: 'oops\n',
    });
  });
});
