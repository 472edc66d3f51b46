/**
 * Istio percentages as Envoy fractions: a `Percent` (0.0–100.0, fractional) becomes parts per
 * million, so 0.1% stays exact; the deprecated integer percents become parts per hundred.
 */
import type { Percent } from '@mesh/config-model';
import type { RuntimeFractionalPercent } from '@mesh/xds/generated/envoy/config/core/v3/base';
import { FractionalPercent_DenominatorType, type FractionalPercent } from '@mesh/xds/generated/envoy/type/v3/percent';

export function fractionFromPercent(percent: Percent): FractionalPercent {
  return {
    numerator: Math.round((percent.value ?? 0) * 10000),
    denominator: FractionalPercent_DenominatorType.MILLION,
  };
}

export function fractionFromInteger(percent: number): FractionalPercent {
  return { numerator: Math.trunc(percent), denominator: FractionalPercent_DenominatorType.HUNDRED };
}

export function runtimeFraction(fraction: FractionalPercent): RuntimeFractionalPercent {
  return { defaultValue: fraction };
}

/** 100%: what a mirror without a percentage gets. */
export const ALL_REQUESTS: FractionalPercent = Object.freeze(fractionFromInteger(100));
