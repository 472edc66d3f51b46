/**
 * Generated message → proto3 canonical JSON, the JSON Envoy and Istio print: durations as
 * "0.250s", enums by name, 64-bit integers as strings, wrappers unwrapped, Struct as plain JSON,
 * `Any` as {"@type": ..., <fields of the packed message>}, default values left out.
 *
 * How: ts-proto encodes the message, protobuf-es reads the bytes with the message's descriptor
 * and writes JSON. Meant for dumps and debug output, not the push path (cost in the README).
 */
import { create, fromBinary, toJson, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import type { Any } from '../generated/google/protobuf/any';
import { descriptorRegistry, messageDescriptor, sensitiveOption } from './descriptors';
import { resolveMessageType, type MessageTypeRef } from './message-types';
import { Redactor } from './redact';

export interface ToCanonicalJsonOptions {
  /** Proto field names (`connect_timeout`, as Envoy's admin and istioctl print) instead of lowerCamelCase. */
  readonly protoFieldNames?: boolean;
  /** Replace the content of fields marked sensitive (private keys, passwords) by "[redacted]", as Envoy's dumps do. */
  readonly redactSensitive?: boolean;
}

/**
 * The message as canonical JSON. Throws UnknownMessageTypeError for a type that was not
 * generated, and an Error naming the type URL when an `Any` inside holds a type that was not.
 */
export function toCanonicalJson<T>(
  type: MessageTypeRef<T>,
  message: T,
  options: ToCanonicalJsonOptions = {},
): JsonValue {
  const { codec, desc } = resolveMessageType(type);
  return render(desc, fromBinary(desc, codec.encode(message).finish()), options);
}

/**
 * A packed resource as canonical JSON ({"@type": ..., fields}), straight from its bytes: how
 * pilot holds what it sends, and cheaper than decoding it first.
 */
export function anyToCanonicalJson(any: Any, options: ToCanonicalJsonOptions = {}): JsonValue {
  // The registry's own Any descriptor: the redactor knows messages by descriptor identity.
  const anyDesc = messageDescriptor('google.protobuf.Any') ?? AnySchema;
  const message = create(anyDesc, { typeUrl: any.typeUrl ?? '', value: any.value ?? new Uint8Array() });
  return render(anyDesc, message, options);
}

let redactor: Redactor | undefined;

function render(desc: DescMessage, message: Parameters<typeof toJson>[1], options: ToCanonicalJsonOptions): JsonValue {
  const registry = descriptorRegistry();
  const json = typeUrlsFirst(toJson(desc, message, { registry, useProtoFieldName: options.protoFieldNames ?? false }));
  if (!options.redactSensitive) return json;
  if (!redactor) {
    const sensitive = sensitiveOption();
    if (!sensitive) throw new Error('the descriptor set lacks udpa.annotations.sensitive; cannot redact');
    redactor = new Redactor(registry, sensitive);
  }
  return redactor.redact(desc, json);
}

/**
 * protobuf-es writes an Any's "@type" after its fields; Envoy, protojson and every example put
 * it first, where a reader looks for it. Key order carries no meaning, only readability.
 */
function typeUrlsFirst(json: JsonValue): JsonValue {
  if (typeof json !== 'object' || json === null) return json;
  if (Array.isArray(json)) {
    for (let i = 0; i < json.length; i++) json[i] = typeUrlsFirst(json[i]);
    return json;
  }
  let first = true;
  let typeUrlLater = false;
  for (const key in json) {
    const value = json[key];
    if (typeof value === 'object' && value !== null) json[key] = typeUrlsFirst(value);
    if (key === '@type' && !first) typeUrlLater = true;
    first = false;
  }
  return typeUrlLater ? { '@type': json['@type'], ...json } : json;
}
