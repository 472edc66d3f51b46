/**
 * Decodes generated resources with an implementation we did not generate: protobufjs reading the
 * upstream Envoy .proto files shipped with @grpc/grpc-js-xds (as libs/xds/src/xds-codec.spec.ts
 * does). A resource passes when
 * - every field on the wire, at every depth, is a field the .proto declares, with the wire type
 *   its declared type needs (protobufjs alone would silently skip an unknown field);
 * - protobufjs decodes it, and re-encoding the decoded message gives as many bytes as were sent
 *   (nothing dropped; protobufjs writes fields in number order, so bytes are compared by length);
 * - every Any inside (at any depth) names a type protobufjs knows, and its payload passes too.
 * For specs only.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';

const protoDeps = join(process.cwd(), 'node_modules', '@grpc', 'grpc-js-xds', 'deps');
const protobufJsProtos = join(process.cwd(), 'node_modules', 'protobufjs');
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => join(protoDeps, dir));

/** The .proto files whose messages generated resources may contain (extend as generators grow). */
export const DECODE_PROTOS: readonly string[] = [
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/maglev/v3/maglev.proto',
];

let cachedRoot: protobuf.Root | undefined;

function loadRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (target.startsWith('google/protobuf/')) {
      return target.endsWith('descriptor.proto') ? join(protobufJsProtos, target) : target;
    }
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      try {
        protobuf.util.fs.accessSync(candidate);
        return candidate;
      } catch {
        // not under this include dir
      }
    }
    return target;
  };
  root.loadSync([...DECODE_PROTOS], { keepCase: false });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

export interface DecodeReport {
  /** protobufjs's plain-object view of the resource (enums as strings, Any left as bytes). */
  readonly object: Record<string, unknown>;
  /** Type URLs of every Any found inside, depth first. */
  readonly anyTypes: readonly string[];
}

export class IndependentDecodeError extends Error {}

function messageName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const FIXED64_TYPES = new Set(['fixed64', 'sfixed64', 'double']);
const FIXED32_TYPES = new Set(['fixed32', 'sfixed32', 'float']);

/** The wire type a (non-map) field's values are written with; packed repeated scalars use 2 too. */
function wireTypesOf(field: protobuf.Field): number[] {
  if (field.resolvedType instanceof protobuf.Enum || VARINT_TYPES.has(field.type)) return field.repeated ? [0, 2] : [0];
  if (FIXED64_TYPES.has(field.type)) return field.repeated ? [1, 2] : [1];
  if (FIXED32_TYPES.has(field.type)) return field.repeated ? [5, 2] : [5];
  return [2];
}

/** Walks the wire format: every tag must be a declared field with a fitting wire type, nested messages too. */
function checkWire(type: protobuf.Type, bytes: Uint8Array, where: string): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    const field = type.fieldsById[id];
    if (!field) throw new IndependentDecodeError(`${where}: ${type.fullName} has no field number ${id}`);
    const path = `${where}.${field.name}`;
    const expected = field.map ? [2] : wireTypesOf(field);
    if (!expected.includes(wireType)) {
      throw new IndependentDecodeError(`${path}: wire type ${wireType}, the .proto needs ${expected.join(' or ')}`);
    }
    if (wireType !== 2) {
      reader.skipType(wireType);
      continue;
    }
    const payload = reader.bytes();
    if (field.map) checkMapEntry(field, payload, path);
    else if (field.resolvedType instanceof protobuf.Type) checkWire(field.resolvedType, payload, path);
  }
}

function checkMapEntry(field: protobuf.Field, entry: Uint8Array, where: string): void {
  const reader = protobuf.Reader.create(entry);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    if (id === 2 && field.resolvedType instanceof protobuf.Type && (tag & 7) === 2) {
      checkWire(field.resolvedType, reader.bytes(), `${where}[value]`);
    } else if (id === 1 || id === 2) {
      reader.skipType(tag & 7);
    } else {
      throw new IndependentDecodeError(`${where}: map entry has field number ${id}`);
    }
  }
}

function decodeChecked(type: protobuf.Type, bytes: Uint8Array, where: string, anyTypes: string[]): protobuf.Message {
  checkWire(type, bytes, where);
  let decoded: protobuf.Message;
  try {
    decoded = type.decode(bytes);
  } catch (error) {
    throw new IndependentDecodeError(`${where}: protobufjs cannot decode ${type.fullName}: ${String(error)}`);
  }
  const again = type.encode(decoded).finish();
  if (again.length !== bytes.length) {
    throw new IndependentDecodeError(
      `${where}: ${type.fullName} re-encoded by protobufjs is ${again.length} bytes, ${bytes.length} were sent`,
    );
  }
  walk(type, decoded, where, anyTypes);
  return decoded;
}

function checkAny(any: Record<string, unknown>, where: string, anyTypes: string[]): void {
  const typeUrl = String(any.typeUrl ?? any.type_url ?? '');
  const value = (any.value as Uint8Array | undefined) ?? new Uint8Array();
  if (typeUrl === '') throw new IndependentDecodeError(`${where}: Any without a type URL`);
  const type = loadRoot().lookupType(messageName(typeUrl));
  anyTypes.push(typeUrl);
  decodeChecked(type, value, `${where}<${messageName(typeUrl)}>`, anyTypes);
}

function walkValue(field: protobuf.Field, value: unknown, where: string, anyTypes: string[]): void {
  const resolved = field.resolvedType;
  if (!(resolved instanceof protobuf.Type) || value === null || typeof value !== 'object') return;
  if (resolved.fullName === '.google.protobuf.Any') checkAny(value as Record<string, unknown>, where, anyTypes);
  else walk(resolved, value as protobuf.Message, where, anyTypes);
}

function walk(type: protobuf.Type, message: protobuf.Message, where: string, anyTypes: string[]): void {
  const record = message as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    const value = record[field.name];
    if (value === undefined || value === null) continue;
    const path = `${where}.${field.name}`;
    if (field.map) {
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        walkValue(field, entry, `${path}[${key}]`, anyTypes);
      }
    } else if (field.repeated) {
      (value as unknown[]).forEach((entry, index) => walkValue(field, entry, `${path}[${index}]`, anyTypes));
    } else {
      walkValue(field, value, path, anyTypes);
    }
  }
}

/**
 * Decodes an Any-packed resource (as the ADS server sends it) with protobufjs; throws an
 * IndependentDecodeError naming the place when anything does not decode back to the same bytes.
 */
export function decodeIndependently(typeUrl: string, bytes: Uint8Array): DecodeReport {
  const type = loadRoot().lookupType(messageName(typeUrl));
  const anyTypes: string[] = [];
  const decoded = decodeChecked(type, bytes, messageName(typeUrl), anyTypes);
  const object = type.toObject(decoded, { enums: String, longs: Number, defaults: false }) as Record<string, unknown>;
  return { object, anyTypes };
}
