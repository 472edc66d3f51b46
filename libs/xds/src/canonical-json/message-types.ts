/**
 * Resolving "which message" for canonical JSON: a generated ts-proto codec (for reading and
 * writing the objects the rest of the code uses) and the protobuf-es descriptor of the same
 * message (for the JSON mapping). Both sides meet on the binary wire format.
 */
import type { DescMessage } from '@bufbuild/protobuf';
import type { NamedCodec } from '../any';
import { messageTypeRegistry } from '../generated/typeRegistry';
import { messageNameOf } from '../type-urls';
import { messageDescriptor } from './descriptors';

/**
 * A generated codec (`Cluster`, `Bootstrap`, ...), or a full message name or type URL. A name
 * finds the codec only if its generated module has been loaded (ts-proto registers each message
 * when its module is imported); @mesh/xds loads the resources, filters and Bootstrap.
 */
export type MessageTypeRef<T> = NamedCodec<T> | string;

export interface ResolvedMessageType<T> {
  readonly typeName: string;
  readonly codec: NamedCodec<T>;
  readonly desc: DescMessage;
}

export class UnknownMessageTypeError extends Error {
  constructor(
    readonly typeName: string,
    reason: string,
  ) {
    super(`cannot convert ${typeName}: ${reason}`);
    this.name = 'UnknownMessageTypeError';
  }
}

export function resolveMessageType<T>(type: MessageTypeRef<T>): ResolvedMessageType<T> {
  const typeName = typeof type === 'string' ? messageNameOf(type) : type.$type;
  const codec = typeof type === 'string' ? (messageTypeRegistry.get(typeName) as NamedCodec<T> | undefined) : type;
  if (!codec) {
    throw new UnknownMessageTypeError(typeName, 'no generated codec is loaded (import its module or pass the codec)');
  }
  const desc = messageDescriptor(typeName);
  if (!desc) throw new UnknownMessageTypeError(typeName, 'not in the generated descriptor set');
  return { typeName, codec, desc };
}
