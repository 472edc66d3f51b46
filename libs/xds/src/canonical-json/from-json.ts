/**
 * Proto3 JSON (canonical or not: snake_case or lowerCamel names, enums by name or number,
 * 64-bit integers as strings or numbers) → generated message. This is how Envoy reads bootstrap
 * and other config files, YAML included once parsed: unknown fields and `Any`s of unknown types
 * are errors, as Envoy rejects them, and every error names the field path.
 *
 * How: protobuf-es parses the JSON with the message's descriptor and writes the binary encoding,
 * which ts-proto decodes into the generated type.
 */
import { fromJson, toBinary, type JsonValue } from '@bufbuild/protobuf';
import { descriptorRegistry } from './descriptors';
import { locateJsonError, type CanonicalJsonError } from './json-errors';
import { resolveMessageType, UnknownMessageTypeError, type MessageTypeRef } from './message-types';

export interface FromCanonicalJsonOptions {
  /** Skip fields the message does not have instead of failing (Envoy fails; so does the default). */
  readonly ignoreUnknownFields?: boolean;
}

export type CanonicalJsonResult<T> =
  { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: CanonicalJsonError };

/**
 * Reads `json` (any parsed JSON or YAML value) as the given message type. Never throws for bad
 * input; a type that was not generated is reported as an error at the root.
 */
export function fromCanonicalJson<T>(
  type: MessageTypeRef<T>,
  json: unknown,
  options: FromCanonicalJsonOptions = {},
): CanonicalJsonResult<T> {
  let resolved;
  try {
    resolved = resolveMessageType(type);
  } catch (error) {
    if (error instanceof UnknownMessageTypeError) return { ok: false, error: { path: '', message: error.message } };
    throw error;
  }
  const notJson = findNonJson(json);
  if (notJson) return { ok: false, error: notJson };
  const context = { registry: descriptorRegistry(), ignoreUnknownFields: options.ignoreUnknownFields ?? false };
  let bytes: Uint8Array;
  try {
    bytes = toBinary(resolved.desc, fromJson(resolved.desc, json as JsonValue, context));
  } catch {
    return { ok: false, error: locateJsonError(resolved.desc, json as JsonValue, context) };
  }
  return { ok: true, message: resolved.codec.decode(bytes) };
}

/**
 * The first value that JSON cannot hold (YAML can: dates with some schemas, .inf, binary), so
 * the parser only ever sees JSON. A fast check first; the path is worked out only on failure.
 */
function findNonJson(value: unknown): CanonicalJsonError | undefined {
  return isJson(value) ? undefined : locateNonJson(value, '');
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value !== 'object' || !isPlainObject(value)) return false;
  for (const key in value) if (!isJson((value as Record<string, unknown>)[key])) return false;
  return true;
}

function locateNonJson(value: unknown, path: string): CanonicalJsonError | undefined {
  if (isJson(value)) return undefined;
  if (typeof value === 'number') {
    return { path, message: `${value} is not a JSON number (write "${value}" as a string)` };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = locateNonJson(item, `${path}[${index}]`);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null && isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const found = locateNonJson(item, path === '' ? key : `${path}.${key}`);
      if (found) return found;
    }
  }
  const kind = typeof value === 'object' && value !== null ? (value.constructor?.name ?? 'object') : typeof value;
  return { path, message: `not a JSON value (${kind})` };
}

function isPlainObject(value: object): boolean {
  // Any realm's Object.prototype (structuredClone and test sandboxes make objects in another one).
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}
