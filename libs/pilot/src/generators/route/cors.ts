/**
 * A VirtualService CORS policy as the per-route config of Envoy's CORS filter. The filter is
 * enabled for 100% of requests; preflights that match no policy are forwarded unless the policy
 * says `unmatchedPreflights: IGNORE` (Istio's default, matching Envoy before 1.30).
 */
import type { CorsPolicy as IstioCorsPolicy } from '@mesh/config-model';
import type { CorsPolicy } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import { durationSeconds } from '../common/duration';
import { exactMatchers, stringMatcher } from '../common/string-match';
import { fractionFromInteger } from './percent';

export function translateCors(policy: IstioCorsPolicy, where: string): CorsPolicy {
  const origins = policy.allowOrigins
    ? policy.allowOrigins.flatMap((match) => {
        const matcher = stringMatcher(match);
        return matcher ? [matcher] : [];
      })
    : exactMatchers(policy.allowOrigin ?? []);
  const out: CorsPolicy = {
    allowOriginStringMatch: origins,
    filterEnabled: { defaultValue: fractionFromInteger(100) },
    forwardNotMatchingPreflights: policy.unmatchedPreflights !== 'IGNORE',
  };
  if (policy.allowMethods?.length) out.allowMethods = policy.allowMethods.join(',');
  if (policy.allowHeaders?.length) out.allowHeaders = policy.allowHeaders.join(',');
  if (policy.exposeHeaders?.length) out.exposeHeaders = policy.exposeHeaders.join(',');
  if (policy.maxAge) out.maxAge = String(durationSeconds(policy.maxAge, `${where}.maxAge`));
  if (policy.allowCredentials !== undefined) out.allowCredentials = policy.allowCredentials;
  return out;
}
