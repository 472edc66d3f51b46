/**
 * Finding where JSON that protobuf-es refused went wrong, as a field path.
 *
 * protobuf-es's fromJson is a complete, tested proto3 JSON parser, but its errors name a field of
 * some message type ("...SocketAddress.port_value"), not where in the document it is. Envoy
 * bootstrap files are large, so on failure (only then) we walk the document beside the
 * descriptors, asking the parser about one field at a time, and descend into the first field it
 * refuses until the smallest failing piece is found. The parser stays the judge of what is
 * valid; this walk only says where.
 */
import {
  fromJson,
  type DescEnum,
  type DescField,
  type DescMessage,
  type JsonValue,
  type Registry,
} from '@bufbuild/protobuf';
import { hasCustomJsonRepresentation } from '@bufbuild/protobuf/wkt';
import { messageNameOf } from '../type-urls';
import { fieldByJsonKey } from './field-keys';

export interface CanonicalJsonError {
  /** Where, as written in the document: `static_resources.listeners[0].address.socket_address.port_value`; '' is the root. */
  readonly path: string;
  readonly message: string;
}

export interface ParseContext {
  readonly registry: Registry;
  readonly ignoreUnknownFields: boolean;
}

type JsonObject = { [key: string]: JsonValue };

export function locateJsonError(desc: DescMessage, json: JsonValue, context: ParseContext): CanonicalJsonError {
  return inMessage(desc, json, '', context);
}

/** `path: message`, or the message alone at the root. */
export function formatCanonicalJsonError(error: CanonicalJsonError): string {
  return error.path === '' ? error.message : `${error.path}: ${error.message}`;
}

/** The parser's complaint about json as desc, or undefined when it parses. */
function problemOf(desc: DescMessage, json: JsonValue, context: ParseContext): string | undefined {
  try {
    fromJson(desc, json, { registry: context.registry, ignoreUnknownFields: context.ignoreUnknownFields });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function inMessage(desc: DescMessage, json: JsonValue, path: string, context: ParseContext): CanonicalJsonError {
  if (desc.typeName === 'google.protobuf.Any') return inAny(json, path, context);
  if (hasCustomJsonRepresentation(desc)) {
    return { path, message: wellKnownProblem(desc, json, problemOf(desc, json, context)) };
  }
  if (!isObject(json)) return { path, message: `expected an object (${desc.typeName}), got ${describe(json)}` };
  for (const [key, value] of Object.entries(json)) {
    const at = childPath(path, key);
    const field = fieldByJsonKey(desc, key);
    if (!field) {
      if (context.ignoreUnknownFields) continue;
      return { path: at, message: unknownFieldMessage(desc, key) };
    }
    if (problemOf(desc, { [key]: value }, context) === undefined) continue;
    return inField(desc, field, key, value, at, context);
  }
  // Each field parses alone, so two of them conflict: one oneof set twice, or one field given by
  // both its names.
  return { path, message: `${reason(problemOf(desc, json, context))} (in ${desc.typeName})` };
}

function inField(
  parent: DescMessage,
  field: DescField,
  key: string,
  value: JsonValue,
  path: string,
  context: ParseContext,
): CanonicalJsonError {
  const alone = (json: JsonValue) => problemOf(parent, { [key]: json }, context);
  switch (field.fieldKind) {
    case 'message':
      return inMessage(field.message, value, path, context);
    case 'enum':
      return { path, message: enumProblem(field.enum, value) };
    case 'scalar':
      return { path, message: reason(alone(value)) };
    case 'list': {
      if (!Array.isArray(value)) return { path, message: `expected a list, got ${describe(value)}` };
      for (const [index, item] of value.entries()) {
        const at = `${path}[${index}]`;
        if (item === null) return { path: at, message: 'a list item must not be null' };
        if (field.listKind === 'message') {
          if (problemOf(field.message, item, context) !== undefined) return inMessage(field.message, item, at, context);
        } else if (alone([item]) !== undefined) {
          return {
            path: at,
            message: field.listKind === 'enum' ? enumProblem(field.enum, item) : reason(alone([item])),
          };
        }
      }
      break;
    }
    case 'map': {
      if (!isObject(value)) return { path, message: `expected an object (a map), got ${describe(value)}` };
      for (const [mapKey, item] of Object.entries(value)) {
        const at = childPath(path, mapKey);
        if (item === null) return { path: at, message: 'a map value must not be null' };
        if (field.mapKind === 'message') {
          if (problemOf(field.message, item, context) !== undefined) return inMessage(field.message, item, at, context);
        } else if (alone({ [mapKey]: item }) !== undefined) {
          return {
            path: at,
            message: field.mapKind === 'enum' ? enumProblem(field.enum, item) : reason(alone({ [mapKey]: item })),
          };
        }
      }
      break;
    }
  }
  return { path, message: reason(alone(value)) };
}

/** An `Any` in JSON: {"@type": URL, ...fields of that message} or, for well-known types, {"@type", "value"}. */
function inAny(json: JsonValue, path: string, context: ParseContext): CanonicalJsonError {
  if (!isObject(json))
    return { path, message: `expected an object with "@type" (google.protobuf.Any), got ${describe(json)}` };
  const typeUrl = json['@type'];
  const typePath = `${path === '' ? '' : `${path}.`}@type`;
  if (typeUrl === undefined) return { path, message: 'missing "@type": an Any names the type of its fields' };
  if (typeof typeUrl !== 'string' || !typeUrl.includes('/')) {
    return {
      path: typePath,
      message: `expected a type URL like "type.googleapis.com/<message name>", got ${describe(typeUrl)}`,
    };
  }
  const inner = context.registry.getMessage(messageNameOf(typeUrl));
  if (!inner) return { path: typePath, message: `unknown type "${typeUrl}" (not among the generated Envoy types)` };
  const fields: JsonObject = {};
  for (const [key, value] of Object.entries(json)) if (key !== '@type') fields[key] = value;
  if (hasCustomJsonRepresentation(inner)) {
    const extra = Object.keys(fields).find((key) => key !== 'value');
    if (extra !== undefined)
      return {
        path: childPath(path, extra),
        message: `unknown field "${extra}": an Any of ${inner.typeName} holds only "value"`,
      };
    return inMessage(inner, fields.value ?? null, childPath(path, 'value'), context);
  }
  return inMessage(inner, fields, path, context);
}

function unknownFieldMessage(desc: DescMessage, key: string): string {
  const loose = (name: string) => name.replace(/_/g, '').toLowerCase();
  const near = desc.fields.find((field) => loose(field.name) === loose(key));
  const hint = near ? ` (did you mean "${near.name}"?)` : '';
  return `unknown field "${key}" in ${desc.typeName}${hint}`;
}

function enumProblem(desc: DescEnum, value: JsonValue): string {
  const names = desc.values.map((v) => v.name);
  const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ');
  return `${describe(value)} is not a value of ${desc.typeName} (${shown})`;
}

function wellKnownProblem(desc: DescMessage, json: JsonValue, problem: string | undefined): string {
  switch (desc.typeName) {
    case 'google.protobuf.Duration':
      return `invalid duration ${describe(json)}: expected seconds with an "s" suffix, like "0.250s" or "30s"`;
    case 'google.protobuf.Timestamp':
      return `invalid timestamp ${describe(json)}: expected RFC 3339, like "2026-01-01T00:00:00Z"`;
    case 'google.protobuf.Struct':
      return `expected an object (google.protobuf.Struct), got ${describe(json)}`;
    default:
      return `${reason(problem)} (${desc.typeName})`;
  }
}

/** The parser's reason without its "cannot decode X from JSON:" preamble. */
function reason(problem: string | undefined): string {
  if (problem === undefined) return 'invalid value';
  const match = /^cannot decode [^:]*? from JSON:? (.*)$/s.exec(problem);
  return match ? match[1] : problem;
}

function childPath(path: string, key: string): string {
  const segment = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return segment;
  return segment.startsWith('[') ? `${path}${segment}` : `${path}.${segment}`;
}

function isObject(json: JsonValue): json is JsonObject {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

function describe(json: JsonValue): string {
  if (Array.isArray(json)) return 'a list';
  if (isObject(json)) return 'an object';
  return JSON.stringify(json);
}
