/**
 * Decodes every resource of one response with its type's decoder. One bad resource rejects the
 * whole response: the client keeps its last good version of the type and NACKs with every error
 * found (a partial update could leave listeners pointing at half of a change).
 */
import type { Any } from '@mesh/xds';
import { resourceLabel, type XdsResourceError } from './decoders/decode-result';
import type { CachedResource } from './resource-cache';
import { resourceTypeOf } from './resource-types';

export interface ResponseEntry {
  readonly any: Any | undefined;
  /** Delta's Resource.name, which must agree with the resource's own name. */
  readonly wrapperName?: string;
  readonly version: string;
}

export type DecodedResponse =
  | { readonly ok: true; readonly resources: CachedResource[] }
  | { readonly ok: false; readonly message: string; readonly errors: readonly XdsResourceError[] };

/** How many errors a NACK message spells out before summarising the rest. */
const ERRORS_IN_MESSAGE = 5;

export function decodeResponse(typeUrl: string, entries: readonly ResponseEntry[]): DecodedResponse {
  const type = resourceTypeOf(typeUrl);
  if (!type) {
    return { ok: false, message: `resource type "${typeUrl}" is not supported by this proxy`, errors: [] };
  }
  const errors: XdsResourceError[] = [];
  const resources: CachedResource[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, position) => {
    const kind = type.typeUrl.split('.').pop() ?? typeUrl;
    const entryError = (reason: string, name?: string): XdsResourceError => ({
      kind,
      name,
      index: position,
      field: '',
      reason,
      message: `${kind} ${resourceLabel(position, name, entry.wrapperName)}: ${reason}`,
    });
    if (!entry.any) {
      errors.push(entryError('the resource has no body'));
      return;
    }
    const result = type.decode(entry.any, position, entry.wrapperName);
    if (!result.ok) {
      errors.push(result.error);
      return;
    }
    if (entry.wrapperName && entry.wrapperName !== result.name) {
      errors.push(entryError(`is wrapped under the different name "${entry.wrapperName}"`, result.name));
    } else if (seen.has(result.name)) {
      errors.push(entryError('appears twice in the response', result.name));
    } else {
      seen.add(result.name);
      resources.push({ name: result.name, version: entry.version, value: result.value });
    }
  });
  if (errors.length === 0) return { ok: true, resources };
  const shown = errors.slice(0, ERRORS_IN_MESSAGE).map((e) => e.message);
  if (errors.length > ERRORS_IN_MESSAGE) shown.push(`and ${errors.length - ERRORS_IN_MESSAGE} more errors`);
  return { ok: false, message: shown.join('; '), errors };
}
