/**
 * One finding of the analysis: a code, the resource it is about, where in which file (the line of
 * the most relevant field when the input came from a file) and the text.
 */
import { describeConfig, type ResourceRef, type SourceLocation } from '@mesh/config-model';
import { levels, type Level } from './message-types';

export interface Message {
  /** `IST0101`. */
  readonly code: string;
  /** `ReferencedResourceNotFound`. */
  readonly name: string;
  readonly level: Level;
  /** The resource the message is about; absent only for internal errors. */
  readonly resource?: ResourceRef;
  /** File and line of the field the message is about (or of the resource), when it came from a file. */
  readonly source?: SourceLocation;
  /** `Referenced gateway not found: "bogus"`. */
  readonly message: string;
  readonly documentationUrl: string;
}

/** `VirtualService default/reviews`: how Istio names a message's resource (its "origin"). */
export function originOf(message: Message): string | undefined {
  return message.resource ? describeConfig(message.resource) : undefined;
}

const levelRank = new Map<Level, number>(levels.map((level, index) => [level, index]));

/**
 * Most severe first, then by code, resource, file and line, then text; duplicates (the same code,
 * resource, place and text, e.g. found through two routes) are reported once.
 */
export function sortMessages(messages: readonly Message[]): Message[] {
  const seen = new Set<string>();
  const unique: Message[] = [];
  for (const message of messages) {
    const key = JSON.stringify([
      message.code,
      originOf(message) ?? '',
      message.source?.file ?? '',
      message.source?.line ?? 0,
      message.message,
    ]);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(message);
    }
  }
  return unique.sort(
    (a, b) =>
      (levelRank.get(a.level) ?? 0) - (levelRank.get(b.level) ?? 0) ||
      compare(a.code, b.code) ||
      compare(originOf(a) ?? '', originOf(b) ?? '') ||
      compare(a.source?.file ?? '', b.source?.file ?? '') ||
      (a.source?.line ?? 0) - (b.source?.line ?? 0) ||
      compare(a.message, b.message),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when any message is at least as severe as `threshold` (Error by default: what fails a run). */
export function hasMessagesAtLeast(messages: readonly Message[], threshold: Level = 'Error'): boolean {
  const limit = levelRank.get(threshold) ?? 0;
  return messages.some((m) => (levelRank.get(m.level) ?? 0) <= limit);
}
