/**
 * Applies configured header changes to a header object in Node's shape (lower-case names, a
 * string or, for a repeated header, an array of strings). Per level, removals go first, then
 * additions; levels are applied in the order given (see CompiledRoute.headerLevels).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { XdsHeaderMutations, XdsHeaderToAdd } from '../../xds/model';

export type HeaderObject = OutgoingHttpHeaders;

export function applyRequestMutations(headers: HeaderObject, levels: readonly XdsHeaderMutations[]): void {
  for (const level of levels) {
    for (const name of level.requestHeadersToRemove) delete headers[name];
    for (const header of level.requestHeadersToAdd) addHeader(headers, header);
  }
}

export function applyResponseMutations(headers: HeaderObject, levels: readonly XdsHeaderMutations[]): void {
  for (const level of levels) {
    for (const name of level.responseHeadersToRemove) delete headers[name];
    for (const header of level.responseHeadersToAdd) addHeader(headers, header);
  }
}

function addHeader(headers: HeaderObject, header: XdsHeaderToAdd): void {
  if (header.value === '' && !header.keepEmptyValue) return;
  const existing = headers[header.name];
  switch (header.action) {
    case 'append':
      if (existing === undefined) headers[header.name] = header.value;
      else headers[header.name] = [...(Array.isArray(existing) ? existing : [String(existing)]), header.value];
      return;
    case 'add_if_absent':
      if (existing === undefined) headers[header.name] = header.value;
      return;
    case 'overwrite_or_add':
      headers[header.name] = header.value;
      return;
    case 'overwrite_if_exists':
      if (existing !== undefined) headers[header.name] = header.value;
      return;
  }
}
