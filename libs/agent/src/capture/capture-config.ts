/**
 * What traffic capture redirects, with istio-iptables' meaning for every setting. Values are
 * parsed and checked here once, so the rule generator only ever sees valid ports and CIDRs.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** `'*'` captures every port; a list captures those ports; an empty list captures none. */
export type PortSelection = '*' | readonly number[];
/** `'*'` captures every destination; a list captures those ranges; an empty list captures none. */
export type CidrSelection = '*' | readonly Cidr[];

export interface Cidr {
  readonly family: 4 | 6;
  /** As written by the user (`10.0.0.0/8`, `fd00::/8`); iptables accepts it unchanged. */
  readonly text: string;
}

export interface CaptureConfig {
  /** Outbound traffic is redirected here (`--envoy-port`, Istio's virtualOutbound 15001). */
  readonly proxyPort: number;
  /** Inbound traffic is redirected here (`--inbound-capture-port`, virtualInbound 15006). */
  readonly inboundCapturePort: number;
  /** Never captured inbound, and never looped back by the proxy (`--inbound-tunnel-port`, HBONE 15008). */
  readonly inboundTunnelPort: number;
  /** Traffic of these users is never captured: the proxy's own (`--proxy-uid`). */
  readonly proxyUids: readonly number[];
  /** Same, by group (`--proxy-gid`; Istio defaults it to the UIDs). */
  readonly proxyGids: readonly number[];
  /** Inbound ports to capture (`--istio-inbound-ports`). */
  readonly inboundPorts: PortSelection;
  /** Inbound ports left alone when every port is captured (`--istio-local-exclude-ports`). */
  readonly inboundPortsExclude: readonly number[];
  /** Outbound destinations to capture (`--istio-service-cidr`). */
  readonly outboundCidrs: CidrSelection;
  /** Outbound destinations never captured; checked before the inclusions (`--istio-service-exclude-cidr`). */
  readonly outboundCidrsExclude: readonly Cidr[];
  /** Outbound ports captured whatever the destination (`--istio-outbound-ports`). */
  readonly outboundPortsInclude: readonly number[];
  /** Outbound ports never captured (`--istio-local-outbound-ports-exclude`). */
  readonly outboundPortsExclude: readonly number[];
  /** Interfaces whose traffic is never captured, in or out (`--istio-exclude-interfaces`). */
  readonly excludeInterfaces: readonly string[];
  /** Also write the IPv6 rules (ip6tables) (`--dual-stack`). */
  readonly ipv6: boolean;
}

/**
 * What Istio's sidecar injector passes to istio-iptables for a default pod
 * (`-p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020`): every
 * outbound destination and every inbound port captured, except the agent's and proxy's own ports.
 */
export const defaultCaptureConfig: CaptureConfig = {
  proxyPort: 15001,
  inboundCapturePort: 15006,
  inboundTunnelPort: 15008,
  proxyUids: [1337],
  proxyGids: [1337],
  inboundPorts: '*',
  inboundPortsExclude: [15090, 15021, 15020],
  outboundCidrs: '*',
  outboundCidrsExclude: [],
  outboundPortsInclude: [],
  outboundPortsExclude: [],
  excludeInterfaces: [],
  ipv6: false,
};

export class CaptureConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureConfigError';
  }
}

/** Splits a comma-separated flag value, ignoring blanks (`-x ""` means an empty list). */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function parsePort(text: string, setting: string): number {
  if (!/^\d+$/.test(text)) throw new CaptureConfigError(`${setting}: "${text}" is not a port number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new CaptureConfigError(`${setting}: port ${port} is outside 1-65535`);
  return port;
}

export function parsePortList(text: string, setting: string): number[] {
  return splitList(text).map((item) => parsePort(item, setting));
}

export function parsePortSelection(text: string, setting: string): PortSelection {
  return text.trim() === '*' ? '*' : parsePortList(text, setting);
}

export function parseId(text: string, setting: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) {
    throw new CaptureConfigError(`${setting}: "${text}" is not a numeric user or group id`);
  }
  return Number(text);
}

export function parseIdList(text: string, setting: string): number[] {
  return splitList(text).map((item) => parseId(item, setting));
}

export function parseCidr(text: string, setting: string): Cidr {
  const slash = text.indexOf('/');
  if (slash === -1) throw new CaptureConfigError(`${setting}: "${text}" is not a CIDR (address/prefix-length)`);
  const address = text.slice(0, slash);
  const prefix = text.slice(slash + 1);
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined) throw new CaptureConfigError(`${setting}: "${address}" in "${text}" is not an IP address`);
  const maxPrefix = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(prefix) || Number(prefix) > maxPrefix) {
    throw new CaptureConfigError(`${setting}: prefix length "${prefix}" in "${text}" is not within 0-${maxPrefix}`);
  }
  return { family, text };
}

export function parseCidrList(text: string, setting: string): Cidr[] {
  return splitList(text).map((item) => parseCidr(item, setting));
}

export function parseCidrSelection(text: string, setting: string): CidrSelection {
  return text.trim() === '*' ? '*' : parseCidrList(text, setting);
}

/** Interface names as the kernel allows them (at most 15 bytes, no '/', blanks or ':'). */
export function parseInterfaceList(text: string, setting: string): string[] {
  return splitList(text).map((name) => {
    if (!/^[A-Za-z0-9_.@+-]{1,15}$/.test(name)) {
      throw new CaptureConfigError(`${setting}: "${name}" is not a valid interface name`);
    }
    return name;
  });
}
