/**
 * Packing messages into `google.protobuf.Any` and reading them back by type URL.
 */
import type { Any } from './generated/google/protobuf/any';
import { codecForTypeUrl, type MessageCodec } from './registry';
import { messageNameOf, typeUrlOf } from './type-urls';

/** A generated message codec that knows its own full name (every ts-proto message const). */
export interface NamedCodec<T> {
  readonly $type: string;
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

export class UnknownTypeUrlError extends Error {
  constructor(readonly typeUrl: string) {
    super(`no codec registered for type URL "${typeUrl}"`);
    this.name = 'UnknownTypeUrlError';
  }
}

export class TypeUrlMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`expected an Any of type "${expected}", got "${actual}"`);
    this.name = 'TypeUrlMismatchError';
  }
}

/** Packs a message with the codec that describes it; the type URL comes from the codec. */
export function packAny<T>(codec: NamedCodec<T>, message: T): Any {
  const bytes = codec.encode(message).finish();
  // Any.value is a Buffer (ts-proto env=node); wrap the encoded bytes without copying them.
  return { typeUrl: typeUrlOf(codec.$type), value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** Reads an Any whose type is expected to be the codec's; throws TypeUrlMismatchError if not. */
export function unpackAnyAs<T>(codec: NamedCodec<T>, any: Any): T {
  const actual = messageNameOf(any.typeUrl ?? '');
  if (actual !== codec.$type) throw new TypeUrlMismatchError(codec.$type, actual);
  return codec.decode(any.value ?? new Uint8Array());
}

/** Reads an Any of any registered type; throws UnknownTypeUrlError for types without a codec. */
export function unpackAny(any: Any): { typeUrl: string; codec: MessageCodec; message: unknown } {
  const typeUrl = any.typeUrl ?? '';
  const codec = codecForTypeUrl(typeUrl);
  if (!codec) throw new UnknownTypeUrlError(typeUrl);
  return { typeUrl, codec, message: codec.decode(any.value ?? new Uint8Array()) };
}
