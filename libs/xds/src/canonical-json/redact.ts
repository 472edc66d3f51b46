/**
 * Envoy's redaction for dumps: fields marked `(udpa.annotations.sensitive)` (private keys,
 * passwords, session ticket keys, generic secrets) lose their content before they are shown.
 * Every string in a sensitive field, however deep, becomes "[redacted]" and every bytes value the
 * bytes of "[redacted]", so the shape stays visible (a `private_key` with an `inline_string`)
 * while the secret does not. Anys are opened, so a DownstreamTlsContext inside a listener's
 * transport socket is redacted too.
 *
 * It works on the canonical JSON (in place), beside the descriptors, and only descends into
 * messages that can hold a sensitive field: a dump of thousands of clusters is mostly skipped.
 */
import {
  getOption,
  hasOption,
  ScalarType,
  type DescExtension,
  type DescField,
  type DescMessage,
  type JsonValue,
  type Registry,
} from '@bufbuild/protobuf';
import { hasCustomJsonRepresentation } from '@bufbuild/protobuf/wkt';
import { messageNameOf } from '../type-urls';
import { fieldByJsonKey } from './field-keys';

export const REDACTED = '[redacted]';
const REDACTED_BASE64 = Buffer.from(REDACTED).toString('base64');

type JsonObject = { [key: string]: JsonValue };

export class Redactor {
  private readonly mayHold: ReadonlySet<DescMessage>;

  constructor(
    private readonly registry: Registry,
    private readonly sensitive: DescExtension,
  ) {
    this.mayHold = messagesThatMayHoldSecrets(registry, sensitive);
  }

  /** Redacts json (canonical JSON of desc) in place and returns it (a redacted scalar is replaced). */
  redact(desc: DescMessage, json: JsonValue, hidden = false): JsonValue {
    if (desc.typeName === 'google.protobuf.Any') return isObject(json) ? this.redactAny(json, hidden) : json;
    if (!hidden && !this.mayHold.has(desc)) return json;
    if (!isObject(json)) return hidden ? this.redactWellKnown(json) : json;
    if (hasCustomJsonRepresentation(desc)) return hidden ? this.redactWellKnown(json) : json;
    for (const [key, value] of Object.entries(json)) {
      const field = fieldByJsonKey(desc, key);
      if (field) json[key] = this.redactField(field, value, hidden || isSensitive(field, this.sensitive));
    }
    return json;
  }

  private redactField(field: DescField, value: JsonValue, hidden: boolean): JsonValue {
    switch (field.fieldKind) {
      case 'message':
        return this.redact(field.message, value, hidden);
      case 'scalar':
        return hidden ? redactedScalar(field.scalar, value) : value;
      case 'enum':
        return value;
      case 'list':
        if (!Array.isArray(value)) return value;
        if (field.listKind === 'message') return value.map((item) => this.redact(field.message, item, hidden));
        return field.listKind === 'scalar' && hidden ? value.map((item) => redactedScalar(field.scalar, item)) : value;
      case 'map':
        if (!isObject(value)) return value;
        for (const [key, item] of Object.entries(value)) {
          if (field.mapKind === 'message') value[key] = this.redact(field.message, item, hidden);
          else if (field.mapKind === 'scalar' && hidden) value[key] = redactedScalar(field.scalar, item);
        }
        return value;
    }
  }

  private redactAny(json: JsonObject, hidden: boolean): JsonValue {
    const typeUrl = json['@type'];
    const inner = typeof typeUrl === 'string' ? this.registry.getMessage(messageNameOf(typeUrl)) : undefined;
    if (!inner) return json;
    if (hasCustomJsonRepresentation(inner)) {
      if ('value' in json) json.value = this.redact(inner, json.value, hidden);
      return json;
    }
    // The "@type" key is not a field of inner, so redact() passes over it.
    return this.redact(inner, json, hidden);
  }

  /** Inside a sensitive field: strings of wrappers, Struct and Value go; numbers and booleans stay. */
  private redactWellKnown(json: JsonValue): JsonValue {
    if (typeof json === 'string') return REDACTED;
    if (Array.isArray(json)) return json.map((item) => this.redactWellKnown(item));
    if (isObject(json)) {
      for (const [key, value] of Object.entries(json)) json[key] = this.redactWellKnown(value);
    }
    return json;
  }
}

function redactedScalar(scalar: ScalarType, value: JsonValue): JsonValue {
  if (scalar === ScalarType.STRING) return REDACTED;
  if (scalar === ScalarType.BYTES) return REDACTED_BASE64;
  return value;
}

function isSensitive(field: DescField, sensitive: DescExtension): boolean {
  return hasOption(field, sensitive) && getOption(field, sensitive) === true;
}

/**
 * Messages with a sensitive field somewhere inside, Any counting as "maybe" (its content is
 * known only from the data). A fixed point over every message, so recursive types are right.
 */
function messagesThatMayHoldSecrets(registry: Registry, sensitive: DescExtension): Set<DescMessage> {
  const messages: DescMessage[] = [];
  for (const item of registry) if (isDescMessage(item)) messages.push(item);
  const holding = new Set<DescMessage>(messages.filter((m) => m.typeName === 'google.protobuf.Any'));
  let changed = true;
  while (changed) {
    changed = false;
    for (const message of messages) {
      if (holding.has(message)) continue;
      const holds = message.fields.some(
        (field) => isSensitive(field, sensitive) || (field.message !== undefined && holding.has(field.message)),
      );
      if (holds) {
        holding.add(message);
        changed = true;
      }
    }
  }
  return holding;
}

function isDescMessage(item: unknown): item is DescMessage {
  return typeof item === 'object' && item !== null && (item as { kind?: unknown }).kind === 'message';
}

function isObject(json: JsonValue): json is JsonObject {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}
