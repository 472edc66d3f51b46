/**
 * Proto3 canonical JSON for the generated xDS messages, both directions (see the README).
 */
export type { JsonValue } from '@bufbuild/protobuf';
export { anyToCanonicalJson, toCanonicalJson, type ToCanonicalJsonOptions } from './to-json';
export { fromCanonicalJson, type CanonicalJsonResult, type FromCanonicalJsonOptions } from './from-json';
export { formatCanonicalJsonError, type CanonicalJsonError } from './json-errors';
export { UnknownMessageTypeError, type MessageTypeRef } from './message-types';
export { messageDescriptor } from './descriptors';
export { REDACTED } from './redact';
