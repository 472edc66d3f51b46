import { packAny, RouteConfiguration } from '@mesh/xds';
import {
  RedirectAction_RedirectResponseCode,
  type RouteAction,
} from '@mesh/xds/generated/envoy/config/route/v3/route_components';
import { HeaderValueOption_HeaderAppendAction } from '@mesh/xds/generated/envoy/config/core/v3/base';
import { CorsPolicy } from '@mesh/xds/generated/envoy/extensions/filters/http/cors/v3/cors';
import { HTTPFault } from '@mesh/xds/generated/envoy/extensions/filters/http/fault/v3/fault';
import { RBACPerRoute } from '@mesh/xds/generated/envoy/extensions/filters/http/rbac/v3/rbac';
import { routeConfiguration } from '../../../testdata/envoy-fixtures';
import { RouteConfigurationType } from '../resource-types';

const decode = (config: RouteConfiguration) => RouteConfigurationType.decode(packAny(RouteConfiguration, config), 0);
const errorOf = (config: RouteConfiguration) => {
  const result = decode(config);
  if (result.ok) throw new Error('expected a decode error');
  return result.error;
};

describe('RouteConfiguration decoder', () => {
  it('reads virtual hosts, matches and the three kinds of action', () => {
    const result = decode({
      name: '9080',
      virtualHosts: [
        {
          name: 'reviews.default.svc.cluster.local:9080',
          domains: ['reviews', 'reviews.default.svc.cluster.local', '*.example.com'],
          routes: [
            {
              name: 'v2-for-jason',
              match: {
                prefix: '/',
                headers: [{ name: 'end-user', stringMatch: { exact: 'jason' } }],
                queryParameters: [{ name: 'debug', presentMatch: true }],
              },
              route: {
                weightedClusters: {
                  clusters: [
                    { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 80 },
                    { name: 'outbound|9080|v3|reviews.default.svc.cluster.local', weight: 20 },
                  ],
                },
                timeout: { seconds: 2, nanos: 500_000_000 },
                prefixRewrite: '/v2/',
              },
            },
            {
              match: { safeRegex: { regex: '^/old/.*' }, caseSensitive: false },
              redirect: { pathRedirect: '/new', responseCode: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT },
            },
            { match: { path: '/health' }, directResponse: { status: 200, body: { inlineString: 'ok' } } },
          ],
        },
      ],
    });
    expect(result.ok && result.value).toEqual({
      name: '9080',
      virtualHosts: [
        {
          name: 'reviews.default.svc.cluster.local:9080',
          domains: ['reviews', 'reviews.default.svc.cluster.local', '*.example.com'],
          routes: [
            {
              name: 'v2-for-jason',
              match: {
                path: { kind: 'prefix', value: '/' },
                caseSensitive: true,
                headers: [
                  {
                    name: 'end-user',
                    match: { kind: 'exact', value: 'jason', ignoreCase: false },
                    invert: false,
                    treatMissingAsEmpty: false,
                  },
                ],
                queryParameters: [{ name: 'debug', match: { kind: 'present' } }],
                grpc: false,
              },
              action: {
                kind: 'route',
                destination: {
                  weightedClusters: [
                    { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 80 },
                    { name: 'outbound|9080|v3|reviews.default.svc.cluster.local', weight: 20 },
                  ],
                },
                timeoutMs: 2500,
                prefixRewrite: '/v2/',
                hostRewriteLiteral: undefined,
              },
            },
            {
              name: '',
              match: expect.objectContaining({ path: { kind: 'regex', value: '^/old/.*' }, caseSensitive: false }),
              action: {
                kind: 'redirect',
                scheme: undefined,
                host: undefined,
                port: undefined,
                path: '/new',
                prefixRewrite: undefined,
                responseCode: 308,
                stripQuery: false,
              },
            },
            {
              name: '',
              match: expect.objectContaining({ path: { kind: 'path', value: '/health' } }),
              action: { kind: 'direct_response', status: 200, body: 'ok' },
            },
          ],
        },
      ],
    });
  });

  it('rejects a route without an action, or with two', () => {
    const base = routeConfiguration('r', 'c');
    const noAction = { ...base, virtualHosts: [{ ...base.virtualHosts![0], routes: [{ match: { prefix: '/' } }] }] };
    expect(errorOf(noAction).message).toBe(
      'RouteConfiguration "r": virtual_hosts[0].routes[0]: must set exactly one of route, redirect or direct_response',
    );
    const twoActions = {
      ...base,
      virtualHosts: [
        {
          ...base.virtualHosts![0],
          routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, directResponse: { status: 200 } }],
        },
      ],
    };
    expect(errorOf(twoActions).field).toBe('virtual_hosts[0].routes[0]');
  });

  it('rejects a route without a match, and an invalid RE2 regex naming its field', () => {
    const base = routeConfiguration('r', 'c');
    expect(
      errorOf({ ...base, virtualHosts: [{ ...base.virtualHosts![0], routes: [{ route: { cluster: 'c' } }] }] }).field,
    ).toBe('virtual_hosts[0].routes[0].match');
    const badRegex = {
      ...base,
      virtualHosts: [
        { ...base.virtualHosts![0], routes: [{ match: { safeRegex: { regex: '(?<=a)b' } }, route: { cluster: 'c' } }] },
      ],
    };
    const error = errorOf(badRegex);
    expect(error.field).toBe('virtual_hosts[0].routes[0].match.safe_regex.regex');
    expect(error.reason).toMatch(/^invalid RE2 regex/);
  });

  const withAction = (action: RouteAction): RouteConfiguration => {
    const base = routeConfiguration('r', 'c');
    return {
      ...base,
      virtualHosts: [{ ...base.virtualHosts![0], routes: [{ match: { prefix: '/' }, route: action }] }],
    };
  };
  const forwardOf = (config: RouteConfiguration) => {
    const result = decode(config);
    if (!result.ok) throw new Error(result.error.message);
    return result.value.virtualHosts[0].routes[0].action;
  };

  it("reads Istio's default retry policy and gRPC timeout settings", () => {
    const action = forwardOf(
      withAction({
        cluster: 'c',
        maxGrpcTimeout: { seconds: 0 },
        retryPolicy: {
          retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
          numRetries: 2,
          hostSelectionRetryMaxAttempts: 5,
          retriableStatusCodes: [503],
          retryHostPredicate: [
            {
              name: 'envoy.retry_host_predicates.previous_hosts',
              typedConfig: {
                typeUrl: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
                value: Buffer.alloc(0),
              },
            },
          ],
        },
      }),
    );
    expect(action).toMatchObject({
      grpcTimeoutHeaderMaxMs: 0,
      retryPolicy: {
        retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
        numRetries: 2,
        retriableStatusCodes: [503],
        backOffBaseMs: 25,
        backOffMaxMs: 250,
        avoidPreviousHosts: true,
        hostSelectionRetryMaxAttempts: 5,
      },
    });
  });

  it('defaults to one retry, and reads per-try timeout and back-off', () => {
    const action = forwardOf(
      withAction({
        cluster: 'c',
        retryPolicy: {
          retryOn: '5xx',
          perTryTimeout: { nanos: 200_000_000 },
          retryBackOff: { baseInterval: { nanos: 10_000_000 } },
        },
      }),
    );
    expect(action).toMatchObject({
      retryPolicy: {
        numRetries: 1,
        perTryTimeoutMs: 200,
        backOffBaseMs: 10,
        backOffMaxMs: 100,
        avoidPreviousHosts: false,
      },
    });
  });

  it("reads hash policies (Istio's consistentHash keys)", () => {
    expect(
      forwardOf(
        withAction({
          cluster: 'c',
          hashPolicy: [
            { header: { headerName: 'X-User' }, terminal: true },
            { cookie: { name: 'sticky', ttl: { seconds: 10 }, path: '/' } },
            { connectionProperties: { sourceIp: true } },
            { queryParameter: { name: 'u' } },
          ],
        }),
      ),
    ).toMatchObject({
      hashPolicies: [
        { kind: 'header', name: 'x-user', terminal: true },
        { kind: 'cookie', name: 'sticky', ttlMs: 10_000, path: '/', terminal: false },
        { kind: 'source_ip', terminal: false },
        { kind: 'query_parameter', name: 'u', terminal: false },
      ],
    });
  });

  it('reads request mirror policies, rejecting mirrors chosen by header', () => {
    expect(
      forwardOf(
        withAction({
          cluster: 'c',
          requestMirrorPolicies: [
            { cluster: 'm', runtimeFraction: { defaultValue: { numerator: 25 } }, traceSampled: false },
            { cluster: 'n', disableShadowHostSuffixAppend: true },
          ],
        }),
      ),
    ).toMatchObject({
      mirrors: [
        { cluster: 'm', fraction: 0.25, appendShadowHostSuffix: true },
        { cluster: 'n', fraction: 1, appendShadowHostSuffix: false },
      ],
    });
    expect(errorOf(withAction({ cluster: 'c', requestMirrorPolicies: [{ clusterHeader: 'x-mirror' }] })).field).toBe(
      'virtual_hosts[0].routes[0].route.request_mirror_policies[0].cluster_header',
    );
  });

  it('rejects retry behaviour it does not implement rather than retrying differently', () => {
    expect(errorOf(withAction({ cluster: 'c', retryPolicy: { retryOn: '5xx,retriable-headers' } })).message).toBe(
      'RouteConfiguration "r": virtual_hosts[0].routes[0].route.retry_policy.retry_on: condition "retriable-headers" is not supported by this proxy',
    );
    expect(
      errorOf(
        withAction({ cluster: 'c', retryPolicy: { retryOn: '5xx', retryPriority: { name: 'previous_priorities' } } }),
      ).field,
    ).toBe('virtual_hosts[0].routes[0].route.retry_policy.retry_priority');
    expect(errorOf(withAction({ cluster: 'c', maxStreamDuration: { maxStreamDuration: { seconds: 5 } } })).reason).toBe(
      'a non-zero stream duration is not supported by this proxy',
    );
    expect(errorOf(withAction({ cluster: 'c', hashPolicy: [{ filterState: { key: 'x' } }] })).field).toBe(
      'virtual_hosts[0].routes[0].route.hash_policy[0].filter_state',
    );
  });

  it('reads per-route fault and CORS configs; rejects header-controlled faults and other per-filter configs', () => {
    const base = routeConfiguration('r', 'c');
    const withPerFilter = (config: Record<string, ReturnType<typeof packAny>>): RouteConfiguration => ({
      ...base,
      virtualHosts: [
        {
          ...base.virtualHosts![0],
          routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, typedPerFilterConfig: config }],
        },
      ],
    });
    const result = decode(
      withPerFilter({
        'envoy.filters.http.fault': packAny(HTTPFault, {
          delay: { fixedDelay: { seconds: 7 }, percentage: { numerator: 10, denominator: 1 } },
          abort: { httpStatus: 503, percentage: { numerator: 50 } },
        }),
      }),
    );
    expect(result.ok && result.value.virtualHosts[0].routes[0].faults).toEqual({
      'envoy.filters.http.fault': { delay: { ms: 7000, fraction: 0.001 }, abort: { httpStatus: 503, fraction: 0.5 } },
    });
    expect(
      errorOf(withPerFilter({ 'envoy.filters.http.fault': packAny(HTTPFault, { abort: { headerAbort: {} } }) })).field,
    ).toBe('virtual_hosts[0].routes[0].typed_per_filter_config["envoy.filters.http.fault"].abort.header_abort');
    const cors = decode(
      withPerFilter({
        'envoy.filters.http.cors': packAny(CorsPolicy, {
          allowOriginStringMatch: [{ exact: 'https://a.example' }],
          allowMethods: 'GET,POST',
          maxAge: '60',
          filterEnabled: { defaultValue: { numerator: 100 } },
          forwardNotMatchingPreflights: false,
        }),
      }),
    );
    expect(cors.ok && cors.value.virtualHosts[0].routes[0].corsPolicies).toEqual({
      'envoy.filters.http.cors': {
        allowOrigins: [{ kind: 'exact', value: 'https://a.example', ignoreCase: false }],
        allowMethods: 'GET,POST',
        allowHeaders: undefined,
        exposeHeaders: undefined,
        maxAge: '60',
        allowCredentials: false,
        enabledFraction: 1,
        forwardNotMatchingPreflights: false,
      },
    });
    expect(
      errorOf(withPerFilter({ 'envoy.filters.http.cors': packAny(CorsPolicy, { shadowEnabled: {} }) })).field,
    ).toBe('virtual_hosts[0].routes[0].typed_per_filter_config["envoy.filters.http.cors"].shadow_enabled');
    expect(errorOf(withPerFilter({ 'envoy.filters.http.rbac': packAny(RBACPerRoute, {}) })).reason).toBe(
      'per-route config "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute" is not supported by this proxy',
    );
  });

  it('checks domains: present, one wildcard at an end, not shared by two virtual hosts', () => {
    const vh = (name: string, domains: string[]) => ({ name, domains, routes: [] });
    expect(errorOf({ name: 'r', virtualHosts: [vh('a', [])] }).field).toBe('virtual_hosts[0].domains');
    expect(errorOf({ name: 'r', virtualHosts: [vh('a', ['a.*.com'])] }).field).toBe('virtual_hosts[0].domains[0]');
    expect(errorOf({ name: 'r', virtualHosts: [vh('a', ['x.com']), vh('b', ['X.com'])] }).reason).toBe(
      'domain "X.com" is in both "a" and "b"',
    );
  });

  it('checks weighted clusters add up', () => {
    const base = routeConfiguration('r', 'c');
    const weighted = {
      ...base,
      virtualHosts: [
        {
          ...base.virtualHosts![0],
          routes: [
            {
              match: { prefix: '/' },
              route: { weightedClusters: { clusters: [{ name: 'a', weight: 50 }], totalWeight: 100 } },
            },
          ],
        },
      ],
    };
    expect(errorOf(weighted).reason).toBe('is 100 but the weights add up to 50');
  });

  describe('header changes and regex rewrites (carried since the engine applies them)', () => {
    const withRoute = (route: Record<string, unknown>, vhExtra: Record<string, unknown> = {}, configExtra = {}) => {
      const base = routeConfiguration('r', 'c');
      return {
        ...base,
        ...configExtra,
        virtualHosts: [{ ...base.virtualHosts![0], ...vhExtra, routes: [{ match: { prefix: '/' }, ...route }] }],
      } as RouteConfiguration;
    };

    it('reads header additions and removals at every level, with their append actions', () => {
      const result = decode(
        withRoute(
          {
            route: {
              weightedClusters: {
                clusters: [
                  {
                    name: 'a',
                    weight: 1,
                    requestHeadersToAdd: [{ header: { key: 'X-Subset', value: 'a' } }],
                    hostRewriteLiteral: 'a.internal',
                  },
                ],
              },
              regexRewrite: { pattern: { regex: '^/v1/(.*)$' }, substitution: '/v2/\\1' },
            },
            requestHeadersToAdd: [
              {
                header: { key: 'x-a', value: '1' },
                appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
              },
              { header: { key: 'x-b', value: '' }, append: false, keepEmptyValue: true },
            ],
            requestHeadersToRemove: ['X-Secret'],
            responseHeadersToAdd: [{ header: { key: 'x-c', value: '50%%' } }],
          },
          { responseHeadersToRemove: ['server'] },
          {
            requestHeadersToAdd: [{ header: { key: 'x-global', value: 'g' }, append: true }],
            mostSpecificHeaderMutationsWins: true,
          },
        ),
      );
      if (!result.ok) throw new Error(result.error.message);
      const config = result.value;
      expect(config.mostSpecificHeaderMutationsWins).toBe(true);
      expect(config.headers?.requestHeadersToAdd).toEqual([
        { name: 'x-global', value: 'g', action: 'append', keepEmptyValue: false },
      ]);
      expect(config.virtualHosts[0].headers?.responseHeadersToRemove).toEqual(['server']);
      const route = config.virtualHosts[0].routes[0];
      expect(route.headers).toEqual({
        requestHeadersToAdd: [
          { name: 'x-a', value: '1', action: 'overwrite_or_add', keepEmptyValue: false },
          { name: 'x-b', value: '', action: 'overwrite_or_add', keepEmptyValue: true },
        ],
        requestHeadersToRemove: ['x-secret'],
        responseHeadersToAdd: [{ name: 'x-c', value: '50%', action: 'append', keepEmptyValue: false }],
        responseHeadersToRemove: [],
      });
      expect(route.action).toMatchObject({
        regexRewrite: { pattern: '^/v1/(.*)$', substitution: '/v2/\\1' },
        destination: {
          weightedClusters: [
            {
              name: 'a',
              weight: 1,
              hostRewriteLiteral: 'a.internal',
              headers: { requestHeadersToAdd: [{ name: 'x-subset', value: 'a' }] },
            },
          ],
        },
      });
    });

    it('rejects what would be sent differently from what was meant', () => {
      const addHeader = (header: Record<string, unknown>) =>
        withRoute({ route: { cluster: 'c' }, requestHeadersToAdd: [header] });
      expect(errorOf(addHeader({ header: { key: 'x-client', value: '%DOWNSTREAM_REMOTE_ADDRESS%' } })).message).toBe(
        'RouteConfiguration "r": virtual_hosts[0].routes[0].request_headers_to_add[0].header.value: ' +
          '"%DOWNSTREAM_REMOTE_ADDRESS%" uses a %COMMAND% substitution, not supported by this proxy (write %% for a literal %)',
      );
      expect(errorOf(addHeader({ header: { key: ':authority', value: 'x' } })).reason).toBe(
        '":authority" cannot be modified',
      );
      expect(errorOf(addHeader({ header: { key: 'host', value: 'x' } })).reason).toBe('"host" cannot be modified');
      expect(
        errorOf(
          addHeader({
            header: { key: 'x', value: 'y' },
            append: true,
            appendAction: HeaderValueOption_HeaderAppendAction.ADD_IF_ABSENT,
          }),
        ).reason,
      ).toBe('append and append_action are exclusive');
      expect(errorOf(withRoute({ route: { cluster: 'c' }, requestHeadersToRemove: [':path'] })).field).toBe(
        'virtual_hosts[0].routes[0].request_headers_to_remove[0]',
      );
      expect(
        errorOf(
          withRoute({
            route: { cluster: 'c', prefixRewrite: '/a', regexRewrite: { pattern: { regex: 'x' }, substitution: 'y' } },
          }),
        ).reason,
      ).toBe('prefix_rewrite and regex_rewrite are exclusive');
      expect(
        errorOf(withRoute({ route: { cluster: 'c', regexRewrite: { pattern: { regex: '(' }, substitution: 'y' } } }))
          .field,
      ).toBe('virtual_hosts[0].routes[0].route.regex_rewrite.pattern.regex');
    });
  });
});
