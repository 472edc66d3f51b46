/**
 * An independent check of generated resources: the bytes our generated (ts-proto) codecs write
 * are decoded by protobufjs from the upstream Envoy .proto files, and every field is compared
 * with what our own codec decodes, recursively through Any payloads (typed_config and friends).
 * (./protobufjs-decode.ts checks the same bytes differently: protobufjs must re-encode them
 * identically. The two together catch a field protobufjs drops and a value read differently.)
 *
 * It fails on a field protobufjs does not know (a proxy built on the real protos would drop or
 * reject it), on an Any whose type the protos do not define, and on any value the two decoders
 * read differently. proto3 semantics: an unset scalar equals its default, an unset message null.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { messageTypeRegistry } from '@mesh/xds/generated/typeRegistry';
import { DECODE_PROTOS } from './protobufjs-decode';

const protoDeps = join(process.cwd(), 'node_modules', '@grpc', 'grpc-js-xds', 'deps');
const protobufJsProtos = join(process.cwd(), 'node_modules', 'protobufjs');
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(protoDeps, d));

let root: protobuf.Root | undefined;

/** The upstream protos (the same files ./protobufjs-decode.ts loads), read once by protobufjs. */
function upstreamProtoRoot(): protobuf.Root {
  if (root) return root;
  const loaded = new protobuf.Root();
  loaded.resolvePath = (_origin, target) => {
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
  loaded.loadSync([...DECODE_PROTOS], { keepCase: false });
  loaded.resolveAll();
  root = loaded;
  return loaded;
}

type Plain = Record<string, unknown>;

const WRAPPERS = new Set([
  'google.protobuf.BoolValue',
  'google.protobuf.UInt32Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int64Value',
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

function fullName(type: protobuf.Type): string {
  return type.fullName.replace(/^\./, '');
}

/** Compact key for matching field names across the two decoders (`use_original_dst` ≈ `useOriginalDst`). */
function normalizeName(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

function scalarDefault(type: string): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return new Uint8Array();
    default:
      return 0;
  }
}

function toNumber(value: unknown): unknown {
  if (value && typeof value === 'object' && 'toNumber' in value && typeof value.toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  return value;
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    const x = a instanceof Uint8Array ? a : new Uint8Array();
    const y = b instanceof Uint8Array ? b : new Uint8Array();
    return Buffer.from(x).equals(Buffer.from(y));
  }
  return toNumber(a) === toNumber(b);
}

/** A protobufjs Struct / Value / ListValue as plain JSON, to compare with ts-proto's unwrapped form. */
function structToPlain(message: Plain | null | undefined): Plain {
  const out: Plain = {};
  const fields = (message?.fields ?? {}) as Record<string, Plain>;
  for (const [key, value] of Object.entries(fields)) out[key] = valueToPlain(value);
  return out;
}

function valueToPlain(value: Plain): unknown {
  if (value.kind === 'numberValue') return value.numberValue;
  if (value.kind === 'stringValue') return value.stringValue;
  if (value.kind === 'boolValue') return value.boolValue;
  if (value.kind === 'structValue') return structToPlain(value.structValue as Plain);
  if (value.kind === 'listValue') return ((value.listValue as Plain).values as Plain[]).map(valueToPlain);
  return null;
}

export class DecodeMismatch extends Error {
  constructor(readonly differences: readonly string[]) {
    super(`protobufjs reads the message differently:\n  ${differences.join('\n  ')}`);
    this.name = 'DecodeMismatch';
  }
}

class Comparer {
  readonly differences: string[] = [];
  constructor(private readonly protos: protobuf.Root) {}

  message(type: protobuf.Type, pb: Plain | null | undefined, ts: Plain | null | undefined, path: string): void {
    const name = fullName(type);
    if (WRAPPERS.has(name)) {
      if (pb == null && ts == null) return;
      const valueType = type.fields.value.type;
      const pbValue = pb?.value ?? scalarDefault(valueType);
      if (!sameScalar(pbValue, ts ?? scalarDefault(valueType))) {
        this.differences.push(`${path}: wrapper ${String(toNumber(pbValue))} vs ${String(ts)}`);
      }
      return;
    }
    if (name === 'google.protobuf.Struct') {
      const plain = structToPlain(pb);
      if (JSON.stringify(plain) !== JSON.stringify(ts ?? {})) {
        this.differences.push(`${path}: struct ${JSON.stringify(plain)} vs ${JSON.stringify(ts)}`);
      }
      return;
    }
    if (name === 'google.protobuf.Any') {
      this.any(pb, ts, path);
      return;
    }
    if (pb == null || ts == null) {
      if ((pb == null) !== (ts == null)) this.differences.push(`${path}: present on one side only`);
      return;
    }
    const byNorm = new Map(type.fieldsArray.map((f) => [normalizeName(f.name), f]));
    for (const key of Object.keys(ts)) {
      if (key === '$type' || ts[key] === undefined) continue;
      if (!byNorm.has(normalizeName(key))) this.differences.push(`${path}.${key}: not a field of ${name}`);
    }
    const tsByNorm = new Map(Object.keys(ts).map((k) => [normalizeName(k), k]));
    for (const field of type.fieldsArray) {
      const tsKey = tsByNorm.get(normalizeName(field.name));
      const tsValue = tsKey === undefined ? undefined : ts[tsKey];
      const pbValue = Object.prototype.hasOwnProperty.call(pb, field.name) ? pb[field.name] : undefined;
      this.field(field, pbValue, tsValue, `${path}.${field.name}`);
    }
  }

  private field(field: protobuf.Field, pb: unknown, ts: unknown, path: string): void {
    field.resolve();
    if (field.map) {
      const pbMap = (pb ?? {}) as Plain;
      const tsMap = (ts ?? {}) as Plain;
      const keys = new Set([...Object.keys(pbMap), ...Object.keys(tsMap)]);
      for (const key of keys) this.single(field, pbMap[key], tsMap[key], `${path}[${key}]`);
      return;
    }
    if (field.repeated) {
      const pbList = (pb ?? []) as unknown[];
      const tsList = (ts ?? []) as unknown[];
      if (pbList.length !== tsList.length) {
        this.differences.push(`${path}: ${pbList.length} vs ${tsList.length} elements`);
        return;
      }
      pbList.forEach((value, i) => this.single(field, value, tsList[i], `${path}[${i}]`));
      return;
    }
    this.single(field, pb, ts, path);
  }

  private single(field: protobuf.Field, pb: unknown, ts: unknown, path: string): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      this.message(resolved, pb as Plain | null | undefined, ts as Plain | null | undefined, path);
      return;
    }
    const fallback = resolved instanceof protobuf.Enum ? 0 : scalarDefault(field.type);
    if (!sameScalar(pb ?? fallback, ts ?? fallback)) {
      this.differences.push(`${path}: ${String(toNumber(pb))} vs ${String(ts)}`);
    }
  }

  private any(pb: Plain | null | undefined, ts: Plain | null | undefined, path: string): void {
    if (pb == null && ts == null) return;
    const pbUrl = String(pb?.type_url ?? pb?.typeUrl ?? '');
    const tsUrl = String(ts?.typeUrl ?? '');
    if (pbUrl !== tsUrl) {
      this.differences.push(`${path}: Any type ${pbUrl} vs ${tsUrl}`);
      return;
    }
    const typeName = tsUrl.slice(tsUrl.lastIndexOf('/') + 1);
    let inner: protobuf.Type;
    try {
      inner = this.protos.lookupType(typeName);
    } catch {
      this.differences.push(`${path}: the upstream protos define no ${typeName}`);
      return;
    }
    const codec = messageTypeRegistry.get(typeName);
    if (!codec) {
      this.differences.push(`${path}: no generated codec for ${typeName}`);
      return;
    }
    const bytes = (ts?.value ?? new Uint8Array()) as Uint8Array;
    this.message(inner, inner.decode(bytes) as unknown as Plain, codec.decode(bytes) as Plain, `${path}<${typeName}>`);
  }
}

/**
 * Decodes `bytes` of message `typeName` with protobufjs and with our codec and compares them;
 * throws DecodeMismatch listing every difference (or protobufjs's own error when it cannot decode).
 */
export function checkIndependentDecode(typeName: string, bytes: Uint8Array): void {
  const protos = upstreamProtoRoot();
  const type = protos.lookupType(typeName);
  const codec = messageTypeRegistry.get(typeName);
  if (!codec) throw new Error(`no generated codec for ${typeName}`);
  const comparer = new Comparer(protos);
  comparer.message(type, type.decode(bytes) as unknown as Plain, codec.decode(bytes) as Plain, typeName);
  if (comparer.differences.length > 0) throw new DecodeMismatch(comparer.differences);
}
