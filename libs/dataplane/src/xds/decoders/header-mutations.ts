/**
 * Header additions and removals, as route configurations, virtual hosts, routes and weighted
 * clusters carry them (`request_headers_to_add`, `response_headers_to_remove`, ...). Values are
 * literals only: Envoy reads `%COMMAND%` sequences in them as substitutions (the client's
 * address, a request header...), which this proxy does not implement, so such a value is
 * rejected rather than sent verbatim.
 */
import {
  type HeaderValueOption,
  HeaderValueOption_HeaderAppendAction,
} from '@mesh/xds/generated/envoy/config/core/v3/base';
import type { XdsHeaderAppendAction, XdsHeaderMutations, XdsHeaderToAdd } from '../model';
import { allowOnly, nonEmpty } from './common';
import { fail, field, index } from './decode-result';

/** The header fields a message may carry, as ts-proto names them. */
export interface HeaderMutationFields {
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
}

/** The allow-list entries for messages that carry header mutations. */
export const HEADER_MUTATION_FIELDS = [
  'requestHeadersToAdd',
  'requestHeadersToRemove',
  'responseHeadersToAdd',
  'responseHeadersToRemove',
] as const;

const APPEND_ACTIONS: Record<number, XdsHeaderAppendAction> = {
  [HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD]: 'append',
  [HeaderValueOption_HeaderAppendAction.ADD_IF_ABSENT]: 'add_if_absent',
  [HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD]: 'overwrite_or_add',
  [HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS]: 'overwrite_if_exists',
};

/** RFC 9110 token characters: what a header name may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** Undefined when the message changes no header, so that resources without any stay as they were. */
export function headerMutations(message: HeaderMutationFields, path: string): XdsHeaderMutations | undefined {
  const mutations: XdsHeaderMutations = {
    requestHeadersToAdd: (message.requestHeadersToAdd ?? []).map((h, i) =>
      headerToAdd(h, index(field(path, 'request_headers_to_add'), i)),
    ),
    requestHeadersToRemove: (message.requestHeadersToRemove ?? []).map((h, i) =>
      headerToRemove(h, index(field(path, 'request_headers_to_remove'), i)),
    ),
    responseHeadersToAdd: (message.responseHeadersToAdd ?? []).map((h, i) =>
      headerToAdd(h, index(field(path, 'response_headers_to_add'), i)),
    ),
    responseHeadersToRemove: (message.responseHeadersToRemove ?? []).map((h, i) =>
      headerToRemove(h, index(field(path, 'response_headers_to_remove'), i)),
    ),
  };
  const empty =
    mutations.requestHeadersToAdd.length === 0 &&
    mutations.requestHeadersToRemove.length === 0 &&
    mutations.responseHeadersToAdd.length === 0 &&
    mutations.responseHeadersToRemove.length === 0;
  return empty ? undefined : mutations;
}

function headerToAdd(option: HeaderValueOption, path: string): XdsHeaderToAdd {
  allowOnly(option, ['header', 'append', 'appendAction', 'keepEmptyValue'], path);
  const header = option.header;
  if (!header) fail(field(path, 'header'), 'is required');
  const at = field(path, 'header');
  allowOnly(header, ['key', 'value'], at);
  const name = headerName(header.key, field(at, 'key'));
  if (option.append !== undefined && option.appendAction !== undefined && option.appendAction !== 0) {
    fail(path, 'append and append_action are exclusive');
  }
  let action: XdsHeaderAppendAction;
  if (option.append !== undefined) action = option.append ? 'append' : 'overwrite_or_add';
  else {
    const known = APPEND_ACTIONS[option.appendAction ?? 0];
    if (!known) fail(field(path, 'append_action'), `unknown action ${option.appendAction}`);
    action = known;
  }
  return {
    name,
    value: literalValue(header.value ?? '', field(at, 'value')),
    action,
    keepEmptyValue: option.keepEmptyValue ?? false,
  };
}

function headerToRemove(name: string, path: string): string {
  return headerName(name, path);
}

/** Lower-cased; pseudo-headers and Host cannot be changed this way (Envoy's rule). */
function headerName(key: string | undefined, path: string): string {
  const name = nonEmpty(key, path).toLowerCase();
  if (name.startsWith(':') || name === 'host') fail(path, `"${key}" cannot be modified`);
  if (!TOKEN.test(name)) fail(path, `"${key}" is not a valid header name`);
  return name;
}

/** `%%` is an escaped percent sign; any other `%` starts a substitution this proxy does not do. */
function literalValue(value: string, path: string): string {
  if (/[\r\n\0]/.test(value)) fail(path, 'must not contain CR, LF or NUL');
  const withoutEscapes = value.replaceAll('%%', '');
  if (withoutEscapes.includes('%')) {
    fail(path, `"${value}" uses a %COMMAND% substitution, not supported by this proxy (write %% for a literal %)`);
  }
  return value.replaceAll('%%', '%');
}
