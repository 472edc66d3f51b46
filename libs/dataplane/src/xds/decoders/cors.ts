/**
 * A route's CORS policy: the CORS filter's per-route config in `typed_per_filter_config` (what
 * Istio writes for a VirtualService `corsPolicy`). The runtime key of `filter_enabled` is ignored
 * (this proxy has no runtime); its default value is the share of requests the policy applies to.
 * Shadow mode and private network access are rejected.
 */
import type { Any } from '@mesh/xds';
import { CorsPolicy } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import type { XdsCorsPolicy } from '../model';
import { allowOnly, stringMatcher, unpackTyped } from './common';
import { field, index } from './decode-result';
import { fraction } from './fault';

export function routeCorsPolicy(any: Any, path: string): XdsCorsPolicy {
  const policy = unpackTyped(CorsPolicy, any, path);
  allowOnly(
    policy,
    [
      'allowOriginStringMatch',
      'allowMethods',
      'allowHeaders',
      'exposeHeaders',
      'maxAge',
      'allowCredentials',
      'filterEnabled',
      'forwardNotMatchingPreflights',
    ],
    path,
  );
  let enabledFraction = 1;
  if (policy.filterEnabled) {
    const at = field(path, 'filter_enabled');
    allowOnly(policy.filterEnabled, ['defaultValue', 'runtimeKey'], at);
    enabledFraction = fraction(policy.filterEnabled.defaultValue, field(at, 'default_value'));
  }
  return {
    allowOrigins: (policy.allowOriginStringMatch ?? []).map((m, i) =>
      stringMatcher(m, index(field(path, 'allow_origin_string_match'), i)),
    ),
    allowMethods: policy.allowMethods || undefined,
    allowHeaders: policy.allowHeaders || undefined,
    exposeHeaders: policy.exposeHeaders || undefined,
    maxAge: policy.maxAge || undefined,
    allowCredentials: policy.allowCredentials ?? false,
    enabledFraction,
    // BoolValue, true when unset.
    forwardNotMatchingPreflights: policy.forwardNotMatchingPreflights ?? true,
  };
}
