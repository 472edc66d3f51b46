/**
 * IP addresses and CIDR ranges as numbers, for filter chain matching (destination and source
 * prefix ranges). IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack socket
 * reports) count as the IPv4 address they carry.
 */
import { isIP } from 'node:net';

export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

export interface CidrRange {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefixLength: number;
}

const MAPPED_PREFIX = '::ffff:';

/** Undefined when `text` is not an IP address. */
export function parseIp(text: string): IpAddress | undefined {
  let address = text;
  if (address.toLowerCase().startsWith(MAPPED_PREFIX) && isIP(address.slice(MAPPED_PREFIX.length)) === 4) {
    address = address.slice(MAPPED_PREFIX.length);
  }
  const family = isIP(address);
  if (family === 4) return { family: 4, value: ipv4Value(address) };
  if (family === 6) return { family: 6, value: ipv6Value(address) };
  return undefined;
}

/** `10.0.0.0/8` (as the decoders write ranges); throws on anything else. */
export function parseCidr(text: string): CidrRange {
  const slash = text.lastIndexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) throw new Error(`"${text}" is not a CIDR range`);
  const bits = ip.family === 4 ? 32 : 128;
  const prefixLength = slash < 0 ? bits : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > bits) {
    throw new Error(`"${text}" has an invalid prefix length`);
  }
  return { family: ip.family, base: ip.value & mask(bits, prefixLength), prefixLength };
}

export function cidrContains(range: CidrRange, ip: IpAddress): boolean {
  if (range.family !== ip.family) return false;
  const bits = ip.family === 4 ? 32 : 128;
  return (ip.value & mask(bits, range.prefixLength)) === range.base;
}

export function isLoopback(ip: IpAddress): boolean {
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}

function mask(bits: number, prefixLength: number): bigint {
  if (prefixLength === 0) return 0n;
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefixLength)) - 1n);
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Value(address: string): bigint {
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted quad (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) is two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = ipv4Value(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}
