/**
 * Percentages. Istio writes them two ways: a `Percent` message (`{value: 12.5}`) for fault
 * injection and mirroring, and plain doubles elsewhere.
 */
import type { Field } from '../walker';

/** A plain percentage in [0, 100]. */
export function checkPercentValue(field: Field): number | undefined {
  const value = field.number();
  if (value === undefined) return undefined;
  if (value < 0 || value > 100) {
    field.error(`percentage must be between 0 and 100 (got ${value})`);
    return undefined;
  }
  return value;
}

/**
 * A `Percent` message used by fault injection: 0, or between 0.0001 and 100 (Envoy's fractional
 * percentage has a resolution of one in a million).
 */
export function checkFaultPercent(field: Field): number | undefined {
  const percent = field.struct(['value']);
  if (!percent) return undefined;
  const valueField = percent.field('value');
  const value = valueField.number();
  if (value === undefined) return undefined;
  if (value < 0 || value > 100 || (value > 0 && value < 0.0001)) {
    valueField.error(`percentage must be 0 or between 0.0001 and 100 (got ${value})`);
    return undefined;
  }
  return value;
}

/** A `Percent` message in [0, 100] (mirroring). */
export function checkPercentMessage(field: Field): number | undefined {
  const percent = field.struct(['value']);
  if (!percent) return undefined;
  return checkPercentValue(percent.field('value'));
}
