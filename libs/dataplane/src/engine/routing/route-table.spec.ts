import type { XdsHeaderMatcher, XdsRoute, XdsRouteConfiguration, XdsRouteMatch, XdsVirtualHost } from '../../xds/model';
import { RequestFacts } from './request-facts';
import { RouteTable } from './route-table';

const match = (overrides: Partial<XdsRouteMatch> = {}): XdsRouteMatch => ({
  path: { kind: 'prefix', value: '/' },
  caseSensitive: true,
  headers: [],
  queryParameters: [],
  grpc: false,
  ...overrides,
});
const route = (name: string, m: Partial<XdsRouteMatch> = {}): XdsRoute => ({
  name,
  match: match(m),
  action: { kind: 'route', destination: { cluster: name } },
});
const vh = (name: string, domains: string[], routes: XdsRoute[] = [route(name)]): XdsVirtualHost => ({
  name,
  domains,
  routes,
});
const table = (virtualHosts: XdsVirtualHost[], extra: Partial<XdsRouteConfiguration> = {}) =>
  new RouteTable({ name: 'rc', virtualHosts, ...extra });
const request = (path: string, headers: Record<string, string> = {}, method = 'GET', authority = 'host') =>
  new RequestFacts(method, path, authority, 'http', headers);

describe('RouteTable', () => {
  it('picks virtual hosts by Envoy precedence: exact, longest suffix wildcard, longest prefix wildcard, then *', () => {
    const t = table([
      vh('exact', ['www.example.com']),
      vh('suffix', ['*.example.com']),
      vh('longer-suffix', ['*.api.example.com']),
      vh('dash', ['*-dev.example.com']),
      vh('prefix', ['www.*']),
      vh('port', ['reviews:9080']),
      vh('any', ['*']),
    ]);
    const vhOf = (host: string) => t.virtualHost(host)?.name;
    expect(vhOf('www.example.com')).toBe('exact');
    expect(vhOf('WWW.Example.COM')).toBe('exact');
    expect(vhOf('v1.api.example.com')).toBe('longer-suffix');
    expect(vhOf('shop-dev.example.com')).toBe('dash');
    expect(vhOf('shop.example.com')).toBe('suffix');
    expect(vhOf('.example.com')).toBe('any'); // a wildcard stands for at least one character
    expect(vhOf('www.other.org')).toBe('prefix');
    expect(vhOf('reviews:9080')).toBe('port');
    expect(vhOf('reviews')).toBe('any');
    expect(vhOf('www.example.com:8080')).toBe('prefix'); // the port is part of the host unless told otherwise
    expect(
      table([vh('exact', ['www.example.com'])], { ignorePortInHostMatching: true }).virtualHost('www.example.com:8080')
        ?.name,
    ).toBe('exact');
    expect(table([vh('exact', ['a'])]).virtualHost('b')).toBeUndefined();
  });

  it('takes the first matching route, in order', () => {
    const t = table([vh('v', ['*'], [route('first', { path: { kind: 'prefix', value: '/api' } }), route('second')])]);
    expect(t.route(request('/api/x'))?.route.config.name).toBe('first');
    expect(t.route(request('/other'))?.route.config.name).toBe('second');
  });

  it('matches paths: prefix (query included), exact and regex (query excluded), path-separated prefix, case folding', () => {
    const only = (m: Partial<XdsRouteMatch>) => (path: string) =>
      table([vh('v', ['*'], [route('r', m)])]).route(request(path)) !== undefined;
    const prefix = only({ path: { kind: 'prefix', value: '/api' } });
    expect([prefix('/api'), prefix('/apis'), prefix('/api/x'), prefix('/ap')]).toEqual([true, true, true, false]);
    const exact = only({ path: { kind: 'path', value: '/exact' } });
    expect([exact('/exact'), exact('/exact?x=1'), exact('/exact/')]).toEqual([true, true, false]);
    const regex = only({ path: { kind: 'regex', value: '/v[0-9]+/.*' } });
    expect([regex('/v1/x'), regex('/v1/x?q'), regex('/x/v1/x'), regex('/vx/')]).toEqual([true, true, false, false]);
    const separated = only({ path: { kind: 'path_separated_prefix', value: '/api' } });
    expect([separated('/api'), separated('/api/x'), separated('/apis'), separated('/api?x')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    const folded = only({ path: { kind: 'prefix', value: '/API' }, caseSensitive: false });
    expect([folded('/api/x'), folded('/Api')]).toEqual([true, true]);
  });

  it('matches headers (pseudo-headers too) with Envoy’s rules for absent, inverted, present and range matchers', () => {
    const header =
      (name: string, m: XdsHeaderMatcher['match'], extra: Partial<XdsHeaderMatcher> = {}) =>
      (headers: Record<string, string>, method = 'GET') =>
        table([
          vh(
            'v',
            ['*'],
            [route('r', { headers: [{ name, match: m, invert: false, treatMissingAsEmpty: false, ...extra }] })],
          ),
        ]).route(request('/', headers, method)) !== undefined;
    const exact = header('x-user', { kind: 'exact', value: 'jason', ignoreCase: false });
    expect([exact({ 'x-user': 'jason' }), exact({ 'x-user': 'other' }), exact({})]).toEqual([true, false, false]);
    const inverted = header('x-user', { kind: 'exact', value: 'jason', ignoreCase: false }, { invert: true });
    expect([inverted({ 'x-user': 'jason' }), inverted({ 'x-user': 'other' }), inverted({})]).toEqual([
      false,
      true,
      false,
    ]);
    const empty = header('x-user', { kind: 'exact', value: '', ignoreCase: false }, { treatMissingAsEmpty: true });
    expect(empty({})).toBe(true);
    const absent = header('x-debug', { kind: 'present', present: false });
    expect([absent({}), absent({ 'x-debug': '1' })]).toEqual([true, false]);
    const range = header('x-n', { kind: 'range', start: 10, end: 20 });
    expect([range({ 'x-n': '10' }), range({ 'x-n': '19' }), range({ 'x-n': '20' }), range({ 'x-n': '1x' })]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    const method = header(':method', { kind: 'exact', value: 'POST', ignoreCase: false });
    expect([method({}, 'POST'), method({}, 'GET')]).toEqual([true, false]);
    const regex = header('x-v', { kind: 'regex', value: 'v[12]', ignoreCase: false });
    expect([regex({ 'x-v': 'v1' }), regex({ 'x-v': 'v12' })]).toEqual([true, false]);
  });

  it('matches query parameters (decoded) and gRPC requests', () => {
    const t = table([
      vh(
        'v',
        ['*'],
        [
          route('grpc', { grpc: true }),
          route('q', {
            queryParameters: [{ name: 'name', match: { kind: 'exact', value: 'a b', ignoreCase: false } }],
          }),
          route('flag', { queryParameters: [{ name: 'debug', match: { kind: 'present' } }] }),
          route('rest'),
        ],
      ),
    ]);
    const nameOf = (path: string, headers: Record<string, string> = {}) =>
      t.route(request(path, headers))?.route.config.name;
    expect(nameOf('/', { 'content-type': 'application/grpc+proto' })).toBe('grpc');
    expect(nameOf('/?name=a%20b')).toBe('q');
    expect(nameOf('/?x=1&debug')).toBe('flag');
    expect(nameOf('/?name=ab')).toBe('rest');
  });

  it('picks weighted clusters by weight with the given random source', () => {
    const t = table([
      vh(
        'v',
        ['*'],
        [
          {
            name: 'w',
            match: match(),
            action: {
              kind: 'route',
              destination: {
                weightedClusters: [
                  { name: 'a', weight: 3 },
                  { name: 'b', weight: 1 },
                ],
              },
            },
          },
        ],
      ),
    ]);
    const forward = t.route(request('/'))!.route.forward!;
    const pick = (x: number) => forward.chooseCluster(request('/'), () => x)?.name;
    expect([pick(0), pick(0.74), pick(0.75), pick(0.99)]).toEqual(['a', 'a', 'b', 'b']);
  });
});
