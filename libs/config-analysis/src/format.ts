/**
 * Printing messages the way `istioctl analyze` does, so output, scripts and habits carry over:
 *   Error [IST0101] (VirtualService default/reviews reviews.yaml:12) Referenced gateway not found: "bogus"
 * and, for `-o json`, an array of {code, level, origin, reference, message, documentationUrl}.
 */
import { formatLocation } from '@mesh/config-model';
import { originOf, type Message } from './message';

/** One line: `Level [CODE] (Kind namespace/name file:line) text`; the parenthesis is left out when unknown. */
export function formatMessage(message: Message): string {
  const origin = originOf(message);
  const reference = formatLocation(message.source);
  const where = origin ? ` (${[origin, reference].filter(Boolean).join(' ')})` : '';
  return `${message.level} [${message.code}]${where} ${message.message}`;
}

export interface JsonMessage {
  readonly code: string;
  readonly level: string;
  /** `VirtualService default/reviews`. */
  readonly origin?: string;
  /** `reviews.yaml:12`. */
  readonly reference?: string;
  readonly message: string;
  readonly documentationUrl: string;
}

export function messageToJson(message: Message): JsonMessage {
  const origin = originOf(message);
  const reference = formatLocation(message.source);
  return {
    code: message.code,
    level: message.level,
    ...(origin ? { origin } : {}),
    ...(reference ? { reference } : {}),
    message: message.message,
    documentationUrl: message.documentationUrl,
  };
}

/** The `-o json` document: a JSON array, pretty-printed. */
export function formatMessagesJson(messages: readonly Message[]): string {
  return JSON.stringify(messages.map(messageToJson), null, 2);
}
