/**
 * Proto3 JSON names a field by its JSON name (lowerCamel) or its proto name (snake_case); readers
 * accept both. One lookup table per message, built on first use.
 */
import type { DescField, DescMessage } from '@bufbuild/protobuf';

const fieldsByKey = new WeakMap<DescMessage, Map<string, DescField>>();

export function fieldByJsonKey(desc: DescMessage, key: string): DescField | undefined {
  let byKey = fieldsByKey.get(desc);
  if (!byKey) {
    byKey = new Map();
    for (const field of desc.fields) byKey.set(field.name, field).set(field.jsonName, field);
    fieldsByKey.set(desc, byKey);
  }
  return byKey.get(key);
}
