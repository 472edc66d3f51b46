/**
 * `proxy iptables [flags]` and `proxy iptables --cleanup`: the init step that sets up (or removes)
 * traffic capture, taking istio-iptables' flags, long and short, so the arguments Istio's injector
 * writes into an init container work unchanged:
 *
 *   proxy iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020
 *
 * Defaults are those injected arguments (capture everything but the proxy's own ports), not
 * istio-iptables' bare defaults, which capture nothing.
 */
import {
  FlagError,
  boolFlag,
  formatFlagHelp,
  optionalStringFlag,
  parseFlags,
  stringFlag,
  type FlagValues,
} from '@mesh/platform';
import {
  type CaptureConfig,
  CaptureConfigError,
  defaultCaptureConfig,
  parseCidrList,
  parseCidrSelection,
  parseIdList,
  parseInterfaceList,
  parsePort,
  parsePortList,
  parsePortSelection,
} from './capture-config';
import { type CommandRunner, IptablesError, applyCapture, cleanupCapture } from './iptables';
import { generateCaptureRules, restoreScript } from './iptables-rules';

const list = (values: readonly (number | string)[]) => values.join(',');

export const captureFlags = {
  proxyPort: stringFlag(
    'envoy-port',
    String(defaultCaptureConfig.proxyPort),
    'port outbound TCP is redirected to (-p)',
  ),
  inboundCapturePort: stringFlag(
    'inbound-capture-port',
    String(defaultCaptureConfig.inboundCapturePort),
    'port inbound TCP is redirected to (-z)',
  ),
  inboundTunnelPort: stringFlag(
    'inbound-tunnel-port',
    String(defaultCaptureConfig.inboundTunnelPort),
    'inbound tunnel (HBONE) port, never captured (-e)',
  ),
  proxyUid: stringFlag(
    'proxy-uid',
    list(defaultCaptureConfig.proxyUids),
    'user ids whose traffic is not captured (-u)',
  ),
  proxyGid: optionalStringFlag(
    'proxy-gid',
    'group ids whose traffic is not captured; default: the --proxy-uid values (-g)',
  ),
  interceptionMode: stringFlag(
    'istio-inbound-interception-mode',
    'REDIRECT',
    'inbound capture mode: only REDIRECT (-m)',
  ),
  inboundPorts: stringFlag('istio-inbound-ports', '*', 'inbound ports to capture, "*" for all, "" for none (-b)'),
  inboundPortsExclude: stringFlag(
    'istio-local-exclude-ports',
    list(defaultCaptureConfig.inboundPortsExclude),
    'inbound ports not captured when -b is "*" (-d)',
  ),
  outboundCidrs: stringFlag('istio-service-cidr', '*', 'outbound CIDRs to capture, "*" for all, "" for none (-i)'),
  outboundCidrsExclude: optionalStringFlag('istio-service-exclude-cidr', 'outbound CIDRs never captured (-x)'),
  outboundPortsInclude: optionalStringFlag(
    'istio-outbound-ports',
    'outbound ports captured whatever the destination (-q)',
  ),
  outboundPortsExclude: optionalStringFlag('istio-local-outbound-ports-exclude', 'outbound ports never captured (-o)'),
  excludeInterfaces: optionalStringFlag('istio-exclude-interfaces', 'interfaces whose traffic is never captured (-c)'),
  dualStack: boolFlag('dual-stack', 'also capture IPv6 (ip6tables)'),
  networkNamespace: optionalStringFlag('network-namespace', 'apply inside this network namespace (name or path)'),
  dryRun: boolFlag('dry-run', 'print the iptables-restore input instead of applying it (-n)'),
  cleanup: boolFlag('cleanup', 'remove the capture chains and the jumps into them, nothing else'),
  cleanupOnly: boolFlag('cleanup-only', 'same as --cleanup (istio-iptables spelling)'),
};

/** istio-iptables' one-letter flags, as cobra declares them. */
const shortFlags: Record<string, string> = {
  p: 'envoy-port',
  z: 'inbound-capture-port',
  e: 'inbound-tunnel-port',
  u: 'proxy-uid',
  g: 'proxy-gid',
  m: 'istio-inbound-interception-mode',
  b: 'istio-inbound-ports',
  d: 'istio-local-exclude-ports',
  i: 'istio-service-cidr',
  x: 'istio-service-exclude-cidr',
  q: 'istio-outbound-ports',
  o: 'istio-local-outbound-ports-exclude',
  c: 'istio-exclude-interfaces',
  n: 'dry-run',
};

/** istio-iptables features this capture does not implement: refused by name rather than ignored. */
const unsupportedFlags: Record<string, string> = {
  k: 'kube-virt-interfaces',
  t: 'istio-inbound-tproxy-mark',
  r: 'istio-inbound-tproxy-route-table',
  'kube-virt-interfaces': 'kube-virt-interfaces',
  'istio-inbound-tproxy-mark': 'istio-inbound-tproxy-mark',
  'istio-inbound-tproxy-route-table': 'istio-inbound-tproxy-route-table',
  'redirect-dns': 'redirect-dns',
  'capture-all-dns': 'capture-all-dns',
  'drop-invalid': 'drop-invalid',
  'run-validation': 'run-validation',
};

/** Rewrites `-p 15001` / `-p=15001` / `-n` to long flags; refuses unsupported istio-iptables flags. */
export function expandShortFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const long = /^--([^=]+)/.exec(arg);
    if (long && unsupportedFlags[long[1]]) throw new FlagError(unsupported(unsupportedFlags[long[1]]));
    const short = /^-([A-Za-z])(=?)(.*)$/.exec(arg);
    if (!short || arg === '-h') {
      out.push(arg);
      continue;
    }
    const [, letter, equals, rest] = short;
    if (unsupportedFlags[letter]) throw new FlagError(unsupported(unsupportedFlags[letter]));
    const name = shortFlags[letter];
    if (!name) throw new FlagError(`unknown flag -${letter}`);
    if (equals || rest) out.push(`--${name}=${rest}`);
    else out.push(`--${name}`);
  }
  return out;
}

function unsupported(name: string): string {
  return `--${name} is an istio-iptables option this capture does not implement (REDIRECT mode, TCP only)`;
}

/** Builds the capture config from parsed flag values; throws CaptureConfigError naming the flag. */
export function captureConfigFromFlags(flags: FlagValues<typeof captureFlags>): CaptureConfig {
  const mode = flags.interceptionMode.trim().toUpperCase();
  if (mode !== 'REDIRECT' && mode !== '') {
    throw new CaptureConfigError(
      `--istio-inbound-interception-mode: "${flags.interceptionMode}" is not supported; only REDIRECT is implemented`,
    );
  }
  const proxyUids = parseIdList(flags.proxyUid, '--proxy-uid');
  if (proxyUids.length === 0) throw new CaptureConfigError('--proxy-uid: at least one user id is needed');
  const proxyGids = flags.proxyGid === undefined ? proxyUids : parseIdList(flags.proxyGid, '--proxy-gid');
  if ((flags.outboundCidrsExclude ?? '').trim() === '*') {
    throw new CaptureConfigError('--istio-service-exclude-cidr: "*" would exclude everything; use -i "" instead');
  }
  const outboundCidrsExclude = parseCidrList(flags.outboundCidrsExclude ?? '', '--istio-service-exclude-cidr');
  return {
    proxyPort: parsePort(flags.proxyPort, '--envoy-port'),
    inboundCapturePort: parsePort(flags.inboundCapturePort, '--inbound-capture-port'),
    inboundTunnelPort: parsePort(flags.inboundTunnelPort, '--inbound-tunnel-port'),
    proxyUids,
    proxyGids,
    inboundPorts: parsePortSelection(flags.inboundPorts, '--istio-inbound-ports'),
    inboundPortsExclude: parsePortList(flags.inboundPortsExclude, '--istio-local-exclude-ports'),
    outboundCidrs: parseCidrSelection(flags.outboundCidrs, '--istio-service-cidr'),
    outboundCidrsExclude,
    outboundPortsInclude: parsePortList(flags.outboundPortsInclude ?? '', '--istio-outbound-ports'),
    outboundPortsExclude: parsePortList(flags.outboundPortsExclude ?? '', '--istio-local-outbound-ports-exclude'),
    excludeInterfaces: parseInterfaceList(flags.excludeInterfaces ?? '', '--istio-exclude-interfaces'),
    ipv6: flags.dualStack,
  };
}

export interface CaptureCommandIo {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Runs iptables-save/-restore (and nsenter); the real one by default. */
  readonly runner?: CommandRunner;
}

export const captureUsage = [
  'usage: proxy iptables [flags]        set up traffic capture (istio-iptables flags, long or short)',
  '       proxy iptables --cleanup      remove it',
  '',
  formatFlagHelp(captureFlags),
].join('\n');

/** Runs the command; resolves with the process exit code (0 done, 1 iptables failed, 2 bad usage). */
export async function runCaptureCommand(argv: readonly string[], io: CaptureCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => process.stdout.write(text + '\n'));
  const stderr = io.stderr ?? ((text: string) => process.stderr.write(text + '\n'));
  let flags: FlagValues<typeof captureFlags>;
  let config: CaptureConfig;
  try {
    const parsed = parseFlags(captureFlags, expandShortFlags(argv));
    if (parsed.help) {
      stdout(captureUsage);
      return 0;
    }
    if (parsed.positional.length > 0) throw new FlagError(`unexpected argument "${parsed.positional[0]}"`);
    flags = parsed.flags;
    config = captureConfigFromFlags(flags);
  } catch (error) {
    if (error instanceof FlagError || error instanceof CaptureConfigError) {
      stderr(`proxy iptables: ${error.message}\n\n${captureUsage}`);
      return 2;
    }
    throw error;
  }

  const options = { networkNamespace: flags.networkNamespace, runner: io.runner, log: stdout };
  try {
    if (flags.cleanup || flags.cleanupOnly) {
      if (flags.dryRun) stdout('dry run: would remove the ISTIO_* capture chains and the jumps into them');
      else await cleanupCapture(options);
      return 0;
    }
    if (flags.dryRun) {
      const rules = generateCaptureRules(config);
      stdout(`# iptables-restore --noflush\n${restoreScript(rules.ipv4)}`);
      if (rules.ipv6) stdout(`# ip6tables-restore --noflush\n${restoreScript(rules.ipv6)}`);
      return 0;
    }
    await applyCapture(config, options);
    return 0;
  } catch (error) {
    if (error instanceof IptablesError) {
      stderr(`proxy iptables: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
