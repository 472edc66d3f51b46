/**
 * The nat-table rules that send a workload's TCP traffic through its sidecar, as istio-iptables
 * writes them in REDIRECT mode: the same chains, the same order, the same exemptions, so what an
 * operator knows about reading a pod's `iptables-save` applies here.
 *
 *   PREROUTING ─► ISTIO_INBOUND ─► ISTIO_IN_REDIRECT (REDIRECT to the inbound capture port, 15006)
 *   OUTPUT     ─► ISTIO_OUTPUT  ─► ISTIO_REDIRECT    (REDIRECT to the proxy port, 15001)
 *                               └► ISTIO_IN_REDIRECT (the proxy calling its own pod through lo)
 *
 * Pure: lines in iptables-restore syntax (`-N`/`-A`), one list per IP family, no I/O.
 */
import { type CaptureConfig, type Cidr } from './capture-config';

export const CAPTURE_TABLE = 'nat';
export const INBOUND_CHAIN = 'ISTIO_INBOUND';
export const REDIRECT_CHAIN = 'ISTIO_REDIRECT';
export const IN_REDIRECT_CHAIN = 'ISTIO_IN_REDIRECT';
export const OUTPUT_CHAIN = 'ISTIO_OUTPUT';
/** Every chain capture creates, in creation order; clean-up removes exactly these. */
export const CAPTURE_CHAINS: readonly string[] = [INBOUND_CHAIN, REDIRECT_CHAIN, IN_REDIRECT_CHAIN, OUTPUT_CHAIN];

/** Rule lines for the nat table of each family; `ipv6` only when the config asks for it. */
export interface CaptureRuleSet {
  readonly ipv4: readonly string[];
  readonly ipv6?: readonly string[];
}

/** The addresses that differ between the IPv4 and the IPv6 rule sets. */
interface FamilyAddresses {
  readonly family: 4 | 6;
  /** Where the proxy's inbound passthrough connects from (127.0.0.6 / ::6), never captured. */
  readonly inboundPassthroughSource: string;
  /** The loopback destination that is never captured (127.0.0.1/32 / ::1/128). */
  readonly loopback: string;
}

const IPV4: FamilyAddresses = { family: 4, inboundPassthroughSource: '127.0.0.6/32', loopback: '127.0.0.1/32' };
const IPV6: FamilyAddresses = { family: 6, inboundPassthroughSource: '::6/128', loopback: '::1/128' };

export function generateCaptureRules(config: CaptureConfig): CaptureRuleSet {
  const ipv4 = familyRules(config, IPV4);
  return config.ipv6 ? { ipv4, ipv6: familyRules(config, IPV6) } : { ipv4 };
}

/** One table's iptables-restore input: header, lines, COMMIT. */
export function restoreScript(lines: readonly string[], table = CAPTURE_TABLE): string {
  return [`*${table}`, ...lines, 'COMMIT', ''].join('\n');
}

function familyRules(config: CaptureConfig, addresses: FamilyAddresses): string[] {
  const rules: string[] = CAPTURE_CHAINS.map((chain) => `-N ${chain}`);
  const add = (rule: string) => rules.push(`-A ${rule}`);

  // Excluded interfaces bypass capture, in and out. istio-iptables puts these RETURNs in PREROUTING
  // and OUTPUT themselves; heading our own chains has the same effect on what is captured and
  // keeps the built-in chains free of anything but our jumps, so clean-up never has to guess.
  for (const name of config.excludeInterfaces) {
    add(`${INBOUND_CHAIN} -i ${name} -j RETURN`);
    add(`${OUTPUT_CHAIN} -o ${name} -j RETURN`);
  }

  add(`${INBOUND_CHAIN} -p tcp --dport ${config.inboundTunnelPort} -j RETURN`);
  add(`${REDIRECT_CHAIN} -p tcp -j REDIRECT --to-ports ${config.proxyPort}`);
  add(`${IN_REDIRECT_CHAIN} -p tcp -j REDIRECT --to-ports ${config.inboundCapturePort}`);

  addInboundRules(config, add);
  addOutboundRules(config, addresses, add);
  return rules;
}

function addInboundRules(config: CaptureConfig, add: (rule: string) => void): void {
  const { inboundPorts } = config;
  // No inbound port selected: PREROUTING is left untouched.
  if (inboundPorts !== '*' && inboundPorts.length === 0) return;
  add(`PREROUTING -p tcp -j ${INBOUND_CHAIN}`);
  if (inboundPorts === '*') {
    // Exclusions only mean something when every port is captured (istio-iptables' `-d`).
    for (const port of config.inboundPortsExclude) add(`${INBOUND_CHAIN} -p tcp --dport ${port} -j RETURN`);
    add(`${INBOUND_CHAIN} -p tcp -j ${IN_REDIRECT_CHAIN}`);
  } else {
    for (const port of inboundPorts) add(`${INBOUND_CHAIN} -p tcp --dport ${port} -j ${IN_REDIRECT_CHAIN}`);
  }
}

function addOutboundRules(config: CaptureConfig, addresses: FamilyAddresses, add: (rule: string) => void): void {
  add(`OUTPUT -p tcp -j ${OUTPUT_CHAIN}`);

  // Port exclusions come first: they must win even over the loop-back-to-self redirect below.
  for (const port of config.outboundPortsExclude) add(`${OUTPUT_CHAIN} -p tcp --dport ${port} -j RETURN`);

  // The proxy's inbound passthrough connects to the app from this source: never capture it.
  add(`${OUTPUT_CHAIN} -o lo -s ${addresses.inboundPassthroughSource} -j RETURN`);

  const loopbackIncluded = includesLoopback(config);
  const owners = [
    ...config.proxyUids.map((id) => ({ match: '--uid-owner', id })),
    ...config.proxyGids.map((id) => ({ match: '--gid-owner', id })),
  ];
  for (const { match, id } of owners) {
    // The proxy calling its own pod's IP (a service VIP whose endpoint is this pod) leaves through
    // lo: send it to the inbound side, so the server-side policy applies as for any other caller.
    add(
      `${OUTPUT_CHAIN} -o lo ! -d ${addresses.loopback} -p tcp ! --dport ${config.inboundTunnelPort} ` +
        `-m owner ${match} ${id} -j ${IN_REDIRECT_CHAIN}`,
    );
    // The app calling itself through lo (by its pod IP) talks to itself directly, unless the user
    // asked for loopback capture by including a loopback range.
    if (!loopbackIncluded) add(`${OUTPUT_CHAIN} -o lo -m owner ! ${match} ${id} -j RETURN`);
    // Everything else the proxy sends goes out as is: capturing it would loop.
    add(`${OUTPUT_CHAIN} -m owner ${match} ${id} -j RETURN`);
  }

  // Explicit localhost (sidecar-aware apps, container-to-container) is never captured.
  add(`${OUTPUT_CHAIN} -d ${addresses.loopback} -j RETURN`);

  for (const cidr of ofFamily(config.outboundCidrsExclude, addresses.family)) {
    add(`${OUTPUT_CHAIN} -d ${cidr.text} -j RETURN`);
  }
  for (const port of config.outboundPortsInclude) add(`${OUTPUT_CHAIN} -p tcp --dport ${port} -j ${REDIRECT_CHAIN}`);
  if (config.outboundCidrs === '*') {
    add(`${OUTPUT_CHAIN} -j ${REDIRECT_CHAIN}`);
  } else {
    for (const cidr of ofFamily(config.outboundCidrs, addresses.family)) {
      add(`${OUTPUT_CHAIN} -d ${cidr.text} -j ${REDIRECT_CHAIN}`);
    }
  }
}

function ofFamily(cidrs: readonly Cidr[], family: 4 | 6): Cidr[] {
  return cidrs.filter((cidr) => cidr.family === family);
}

function includesLoopback(config: CaptureConfig): boolean {
  if (config.outboundCidrs === '*') return false;
  return config.outboundCidrs.some((cidr) => {
    const address = cidr.text.slice(0, cidr.text.indexOf('/'));
    return cidr.family === 4 ? address.split('.')[0] === '127' : /^(0{0,4}:){2,7}0{0,3}1$/.test(address);
  });
}
