/**
 * IP addresses and CIDR blocks, parsed the strict way Istio's validation does (dotted decimal
 * without leading zeros, IPv6 with at most one "::", an optional IPv6 zone on plain addresses).
 * Written here because domain libs may not import `node:net`.
 */
import type { Field } from '../walker';

export type IpFamily = 'v4' | 'v6';

function isIPv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  return parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}

function isIPv6(text: string): boolean {
  if (text.length === 0) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string): string[] | undefined => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return false;
  const groups = [...head, ...tail];
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i];
    const last = i === groups.length - 1;
    if (last && group.includes('.')) {
      // An embedded IPv4 address fills the last two groups.
      if (!isIPv4(group)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) count += 1;
    else return false;
  }
  // "::" must stand for at least one group of zeros.
  return halves.length === 2 ? count < 8 : count === 8;
}

/** The family of an IP address (IPv6 may carry a zone, `fe80::1%eth0`), or undefined. */
export function ipFamily(text: string): IpFamily | undefined {
  if (isIPv4(text)) return 'v4';
  const zone = text.indexOf('%');
  const address = zone === -1 ? text : text.slice(0, zone);
  if (zone !== -1 && zone === text.length - 1) return undefined;
  return isIPv6(address) ? 'v6' : undefined;
}

export function isIPAddress(text: string): boolean {
  return ipFamily(text) !== undefined;
}

/** A CIDR block `address/bits` (no zone); host bits need not be zero. */
export function isCIDR(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash === -1) return false;
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (address.includes('%') || !/^(0|[1-9]\d{0,2})$/.test(bits)) return false;
  const family = ipFamily(address);
  if (family === undefined) return false;
  return Number(bits) <= (family === 'v4' ? 32 : 128);
}

/** An address or a CIDR block, as Istio accepts in addresses, destinationSubnets and ipBlocks. */
export function checkIPOrCIDR(field: Field, text: string): boolean {
  if (text.includes('/')) {
    if (isCIDR(text)) return true;
    field.error(`"${text}" is not a valid CIDR block`);
    return false;
  }
  if (isIPAddress(text)) return true;
  field.error(`"${text}" is not a valid IP address`);
  return false;
}

export function checkIPAddress(field: Field, text: string): boolean {
  if (isIPAddress(text)) return true;
  field.error(`"${text}" is not a valid IP address`);
  return false;
}

export const UNIX_PREFIX = 'unix://';

/**
 * The path of a Unix domain socket (`unix://` already stripped): an absolute file path, or an
 * abstract socket name starting with "@".
 */
export function checkUnixAddress(field: Field, path: string): boolean {
  if (path === '') {
    field.error('unix socket address must not be empty');
    return false;
  }
  if (path.startsWith('@')) return true;
  if (!path.startsWith('/') || path.endsWith('/')) {
    field.error(`unix socket address "${path}" must be an absolute path to a file`);
    return false;
  }
  return true;
}
