/**
 * Checks shared by the per-type decoders: presence of unsupported fields, addresses, durations,
 * string matchers, config sources, data sources and typed configs.
 */
import { isIP } from 'node:net';
import { type Any, type Duration, messageNameOf } from '@mesh/xds';
import type { Address, CidrRange } from '@mesh/xds/generated/envoy/config/core/v3/address';
import { SocketAddress_Protocol } from '@mesh/xds/generated/envoy/config/core/v3/address';
import type { DataSource } from '@mesh/xds/generated/envoy/config/core/v3/base';
import type { ConfigSource } from '@mesh/xds/generated/envoy/config/core/v3/config_source';
import type { StringMatcher } from '@mesh/xds/generated/envoy/type/matcher/v3/string';
import { RE2 } from 're2-wasm';
import type { XdsDataSource, XdsSocketAddress, XdsStringMatcher } from '../model';
import { fail, field, type MessageDecoder } from './decode-result';

/** True when a decoded proto field carries a value (present message, or a scalar other than its default). */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Uint8Array) return value.length > 0;
  if (typeof value === 'object') {
    // A decoded sub-message carries `$type` and is set by being present, even when empty
    // (`ads: {}`); a map or an unwrapped Struct is a plain object, set when it has entries.
    return '$type' in value || Object.keys(value).length > 0;
  }
  return true;
}

/**
 * Fails on the first set field that is not in `allowed`: the fields a decoder reads, or knows to
 * have no effect on traffic (stat names, metadata, logs). Anything else would change behaviour in
 * a way this proxy does not implement; serving the resource without it could send traffic where
 * the control plane did not mean it to go, so the resource is rejected instead. An allow-list,
 * so that a field nobody thought about is rejected rather than ignored.
 */
export function allowOnly<M extends object>(message: M, allowed: readonly (keyof M & string)[], path: string): void {
  for (const [key, value] of Object.entries(message)) {
    if (key === '$type' || (allowed as readonly string[]).includes(key)) continue;
    if (isSet(value)) fail(field(path, snakeCase(key)), 'is not supported by this proxy');
  }
}

/** ts-proto's camelCase field name back to the proto's snake_case, as users wrote it. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function nonEmpty(value: string | undefined, path: string): string {
  if (!value) fail(path, 'must not be empty');
  return value;
}

/** A protobuf Duration in milliseconds; undefined when unset. */
export function durationMs(duration: Duration | undefined, path: string): number | undefined {
  if (!duration) return undefined;
  const seconds = duration.seconds ?? 0;
  const nanos = duration.nanos ?? 0;
  if (seconds < 0 || nanos < 0 || nanos > 999_999_999) fail(path, 'must be a non-negative duration');
  return seconds * 1000 + Math.floor(nanos / 1_000_000);
}

export interface SocketAddressOptions {
  /** DNS cluster endpoints name hosts; listeners and static endpoints need IPs. */
  allowHostname?: boolean;
  /** Port 0 is allowed for listeners (the system picks one). */
  allowPortZero?: boolean;
}

export function socketAddress(
  address: Address | undefined,
  path: string,
  options: SocketAddressOptions = {},
): XdsSocketAddress {
  if (!address) fail(path, 'is required');
  if (address.pipe) fail(field(path, 'pipe'), 'is not supported by this proxy (only socket_address)');
  if (address.envoyInternalAddress) {
    fail(field(path, 'envoy_internal_address'), 'is not supported by this proxy (only socket_address)');
  }
  const socket = address.socketAddress;
  const at = field(path, 'socket_address');
  if (!socket) fail(at, 'is required');
  if (socket.protocol === SocketAddress_Protocol.UDP) fail(field(at, 'protocol'), 'UDP is not supported');
  allowOnly(socket, ['protocol', 'address', 'portValue'], at);
  const host = nonEmpty(socket.address, field(at, 'address'));
  if (!options.allowHostname && isIP(host) === 0) fail(field(at, 'address'), `"${host}" is not an IP address`);
  const port = socket.portValue ?? 0;
  if (port > 65535 || (port === 0 && !options.allowPortZero)) {
    fail(field(at, 'port_value'), `${port} is not a valid port`);
  }
  return { address: host, port };
}

/** `10.0.0.0/8`; checks the address and the prefix length. */
export function cidr(range: CidrRange, path: string): string {
  const address = nonEmpty(range.addressPrefix, field(path, 'address_prefix'));
  const family = isIP(address);
  if (family === 0) fail(field(path, 'address_prefix'), `"${address}" is not an IP address`);
  const length = range.prefixLen ?? (family === 4 ? 32 : 128);
  if (length > (family === 4 ? 32 : 128)) fail(field(path, 'prefix_len'), `${length} is too long for ${address}`);
  return `${address}/${length}`;
}

/** Checks that a pattern is valid RE2 (the syntax Envoy accepts), so the engine can compile it. */
export function re2Pattern(pattern: string | undefined, path: string): string {
  const value = nonEmpty(pattern, path);
  try {
    new RE2(value, 'u');
  } catch (e) {
    fail(path, `invalid RE2 regex: ${e instanceof Error ? e.message : String(e)}`);
  }
  return value;
}

export function stringMatcher(matcher: StringMatcher | undefined, path: string): XdsStringMatcher {
  if (!matcher) fail(path, 'is required');
  const ignoreCase = matcher.ignoreCase ?? false;
  if (matcher.exact !== undefined) return { kind: 'exact', value: matcher.exact, ignoreCase };
  if (matcher.prefix !== undefined)
    return { kind: 'prefix', value: nonEmpty(matcher.prefix, field(path, 'prefix')), ignoreCase };
  if (matcher.suffix !== undefined)
    return { kind: 'suffix', value: nonEmpty(matcher.suffix, field(path, 'suffix')), ignoreCase };
  if (matcher.contains !== undefined) {
    return { kind: 'contains', value: nonEmpty(matcher.contains, field(path, 'contains')), ignoreCase };
  }
  if (matcher.safeRegex !== undefined) {
    if (ignoreCase) fail(field(path, 'ignore_case'), 'cannot be combined with safe_regex');
    return { kind: 'regex', value: re2Pattern(matcher.safeRegex.regex, field(path, 'safe_regex.regex')), ignoreCase };
  }
  return fail(path, 'must set one of exact, prefix, suffix, contains or safe_regex');
}

/** Only ADS config sources are implemented: resources come over this client's one stream. */
export function requireAds(source: ConfigSource | undefined, path: string): void {
  if (!source) fail(path, 'is required');
  if (!source.ads) fail(path, 'only ADS config sources ({ads: {}}) are supported by this proxy');
}

export function dataSource(source: DataSource | undefined, path: string): XdsDataSource {
  if (!source) fail(path, 'is required');
  if (source.inlineBytes !== undefined) return { inline: Buffer.from(source.inlineBytes) };
  if (source.inlineString !== undefined) return { inline: Buffer.from(source.inlineString, 'utf8') };
  if (source.filename !== undefined) return { filename: nonEmpty(source.filename, field(path, 'filename')) };
  allowOnly(source, [], path);
  return fail(path, 'must set one of inline_bytes, inline_string or filename');
}

/** Unpacks a typed config whose type is already known to be the codec's. */
export function unpackTyped<M>(codec: MessageDecoder<M>, any: Any, path: string): M {
  if (messageNameOf(any.typeUrl ?? '') !== codec.$type) {
    fail(path, `is "${any.typeUrl ?? ''}", expected "${codec.$type}"`);
  }
  try {
    return codec.decode(any.value ?? new Uint8Array());
  } catch (e) {
    return fail(path, `malformed ${codec.$type}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
