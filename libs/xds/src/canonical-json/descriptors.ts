/**
 * The descriptors of every generated message, for proto3 canonical JSON.
 *
 * ts-proto's generated code carries no descriptors, so the generator also writes the
 * FileDescriptorSet of the same .proto files (generated/file-descriptor-set.ts). It is decoded
 * once, on first use (about 50 ms), into a protobuf-es registry that knows every message, enum
 * and extension, which is what canonical JSON needs (field names, enum names, `Any` by type URL).
 */
import {
  createFileRegistry,
  fromBinary,
  type DescExtension,
  type DescMessage,
  type FileRegistry,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { fileDescriptorSetBase64 } from '../generated/file-descriptor-set';
import { messageNameOf } from '../type-urls';

let registry: FileRegistry | undefined;

export function descriptorRegistry(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, Buffer.from(fileDescriptorSetBase64, 'base64')));
  return registry;
}

/** The descriptor of a message by full name or type URL, or undefined when it was not generated. */
export function messageDescriptor(typeNameOrUrl: string): DescMessage | undefined {
  return descriptorRegistry().getMessage(messageNameOf(typeNameOrUrl));
}

/** `(udpa.annotations.sensitive)`: Envoy's mark on fields holding secrets (keys, passwords). */
export function sensitiveOption(): DescExtension | undefined {
  return descriptorRegistry().getExtension('udpa.annotations.sensitive');
}
