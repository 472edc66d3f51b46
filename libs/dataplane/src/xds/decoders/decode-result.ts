/**
 * What a decoder returns, and how its errors name the resource and the field.
 *
 * Inside a decoder, checks throw FieldError (one line each, no result plumbing through every
 * nested message); `decodeResource` catches it at the resource boundary and turns it into a
 * DecodeResult, so nothing escapes as an exception.
 */
import { type Any, messageNameOf } from '@mesh/xds';

/** A field-level problem; `path` uses the proto field names, as Envoy prints them. */
export class FieldError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path || '(resource)'}: ${reason}`);
    this.name = 'FieldError';
  }
}

export function fail(path: string, reason: string): never {
  throw new FieldError(path, reason);
}

/** `parent.child`, `parent[3]`: field paths as Envoy writes them. */
export function field(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export interface XdsResourceError {
  /** The proto message kind, e.g. `Listener`. */
  readonly kind: string;
  /** The resource's name when it could be read. */
  readonly name?: string;
  /** Position in the response's resources. */
  readonly index: number;
  /** Field path inside the resource ('' for the resource as a whole). */
  readonly field: string;
  readonly reason: string;
  /** One line naming all of the above, sent as the NACK's error_detail message. */
  readonly message: string;
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly name: string; readonly value: T }
  | { readonly ok: false; readonly error: XdsResourceError };

/** A generated codec, as far as a decoder needs it. */
export interface MessageDecoder<M> {
  readonly $type: string;
  decode(input: Uint8Array): M;
}

/** How one resource type is read: its codec, where its name is, and its checks. */
export interface ResourceSpec<M, T> {
  readonly codec: MessageDecoder<M>;
  /** Proto name of the field holding the resource name (`name`, or `cluster_name` for EDS). */
  readonly nameField: string;
  nameOf(message: M): string | undefined;
  /** Validates the raw message and returns the checked form; throws FieldError. */
  check(message: M, name: string): T;
}

/**
 * Reads one resource: checks its Any type, decodes the bytes, reads its name, then runs the
 * type's checks. Any failure becomes an error naming the resource (or its position if the name
 * itself is what is missing) and the field.
 */
export function decodeResource<M, T>(
  spec: ResourceSpec<M, T>,
  any: Any,
  position: number,
  /** Delta responses name each resource outside it too: used when the resource's own name is missing. */
  wrapperName?: string,
): DecodeResult<T> {
  const kind = messageNameOf(spec.codec.$type).split('.').pop() ?? spec.codec.$type;
  const error = (reason: string, path = '', name?: string): DecodeResult<T> => ({
    ok: false,
    error: {
      kind,
      name,
      index: position,
      field: path,
      reason,
      message: `${kind} ${resourceLabel(position, name, wrapperName)}: ${path ? `${path}: ` : ''}${reason}`,
    },
  });

  if (messageNameOf(any.typeUrl ?? '') !== spec.codec.$type) {
    return error(`resource is packed as "${any.typeUrl ?? ''}", expected "${spec.codec.$type}"`);
  }
  let message: M;
  try {
    message = spec.codec.decode(any.value ?? new Uint8Array());
  } catch (e) {
    return error(`malformed protobuf: ${e instanceof Error ? e.message : String(e)}`);
  }
  const name = spec.nameOf(message);
  if (!name) return error('must not be empty', spec.nameField);
  try {
    return { ok: true, name, value: spec.check(message, name) };
  } catch (e) {
    if (e instanceof FieldError) return error(e.reason, e.path, name);
    return error(`cannot be read: ${e instanceof Error ? e.message : String(e)}`, '', name);
  }
}

/** `"name"`, or the position (and the delta wrapper's name) when the resource's own is missing. */
export function resourceLabel(position: number, name?: string, wrapperName?: string): string {
  if (name) return `"${name}"`;
  return `at resources[${position}]${wrapperName ? ` (named "${wrapperName}" in the response)` : ''}`;
}
