import type { HTTPMatchRequest, HTTPRoute } from '@mesh/config-model';
import {
  matchesConflict,
  mergeDelegateRoute,
  mergeDelegateRoutes,
  mergeMatch,
  mergeMatchLists,
  stringMatchesConflict,
} from './delegation';

const to = (host: string) => [{ destination: { host } }];

describe('stringMatchesConflict (root, delegate)', () => {
  it.each([
    ['nothing on either side', undefined, { prefix: '/a' }, false],
    ['nothing in the delegate', { prefix: '/a' }, undefined, false],
    ['a prefix under the root prefix', { prefix: '/reviews' }, { prefix: '/reviews/v2' }, false],
    ['the same prefix', { prefix: '/reviews' }, { prefix: '/reviews' }, false],
    ['an exact path under the root prefix', { prefix: '/reviews' }, { exact: '/reviews/1' }, false],
    ['a prefix outside the root prefix', { prefix: '/reviews' }, { prefix: '/ratings' }, true],
    ['a shorter prefix than the root', { prefix: '/reviews/v2' }, { prefix: '/reviews' }, true],
    ['an exact path outside the root prefix', { prefix: '/reviews' }, { exact: '/ratings' }, true],
    ['the same exact value', { exact: 'GET' }, { exact: 'GET' }, false],
    ['another exact value', { exact: 'GET' }, { exact: 'POST' }, true],
    ['a prefix under an exact root', { exact: '/a' }, { prefix: '/a' }, true],
    ['a regex in the delegate', { prefix: '/a' }, { regex: '/a/.*' }, true],
    ['a regex in the root', { regex: '/a/.*' }, { prefix: '/a/b' }, true],
    ['regexes on both sides, even equal', { regex: '/a/.*' }, { regex: '/a/.*' }, true],
    ['an empty prefix in the root (Istio: unset is a conflict)', { prefix: '' }, { prefix: '/a' }, true],
  ])('%s', (_what, root, leaf, conflict) => {
    expect(stringMatchesConflict(root, leaf)).toBe(conflict);
  });
});

describe('matchesConflict', () => {
  it('compares headers, withoutHeaders and query parameters by name', () => {
    const root: HTTPMatchRequest = { headers: { 'x-team': { exact: 'a' } }, queryParams: { v: { exact: '1' } } };
    expect(matchesConflict(root, { headers: { 'x-team': { exact: 'a' }, 'x-user': { exact: 'jason' } } })).toBe(false);
    expect(matchesConflict(root, { headers: { 'x-team': { exact: 'b' } } })).toBe(true);
    expect(matchesConflict(root, { queryParams: { v: { exact: '2' } } })).toBe(true);
    expect(matchesConflict({ withoutHeaders: { x: { exact: '1' } } }, { withoutHeaders: { x: { exact: '2' } } })).toBe(
      true,
    );
  });

  it('takes the method, scheme and authority like the uri', () => {
    expect(matchesConflict({ method: { exact: 'GET' } }, { method: { exact: 'POST' } })).toBe(true);
    expect(matchesConflict({ authority: { prefix: 'shop' } }, { authority: { exact: 'shop.example.com' } })).toBe(
      false,
    );
  });

  it('requires the same ignoreUriCase, port, sourceNamespace, and no contradicting sourceLabels', () => {
    expect(matchesConflict({ ignoreUriCase: true }, {})).toBe(true);
    expect(matchesConflict({ port: 80 }, { port: 8080 })).toBe(true);
    expect(matchesConflict({ port: 80 }, {})).toBe(false);
    expect(matchesConflict({ sourceNamespace: 'a' }, { sourceNamespace: 'b' })).toBe(true);
    expect(matchesConflict({ sourceNamespace: 'a' }, {})).toBe(true);
    expect(matchesConflict({}, { sourceNamespace: 'b' })).toBe(false);
    expect(matchesConflict({ sourceLabels: { app: 'a' } }, { sourceLabels: { app: 'b' } })).toBe(true);
    expect(matchesConflict({ sourceLabels: { app: 'a' } }, { sourceLabels: { version: 'v1' } })).toBe(false);
  });

  it('requires the root gateways to include the delegate gateways', () => {
    expect(matchesConflict({ gateways: ['ns/a', 'ns/b'] }, { gateways: ['ns/a'] })).toBe(false);
    expect(matchesConflict({ gateways: ['ns/a'] }, { gateways: ['ns/b'] })).toBe(true);
    expect(matchesConflict({ gateways: ['ns/a'] }, { gateways: ['ns/a', 'ns/b'] })).toBe(true);
  });
});

describe('mergeMatch', () => {
  it('keeps the delegate conditions and adds those of the root it does not set', () => {
    const merged = mergeMatch(
      {
        name: 'api',
        uri: { prefix: '/api' },
        method: { exact: 'GET' },
        headers: { 'x-team': { exact: 'a' } },
        port: 80,
        gateways: ['edge/gw'],
        sourceLabels: { app: 'web' },
        statPrefix: 'root',
      },
      { name: 'v2', uri: { prefix: '/api/v2' }, headers: { 'x-user': { exact: 'jason' } } },
    );
    expect(merged).toEqual({
      name: 'api-v2',
      uri: { prefix: '/api/v2' },
      method: { exact: 'GET' },
      headers: { 'x-team': { exact: 'a' }, 'x-user': { exact: 'jason' } },
      port: 80,
      gateways: ['edge/gw'],
      sourceLabels: { app: 'web' },
      statPrefix: 'root',
    });
  });
});

describe('mergeMatchLists', () => {
  it('takes the other side as it is when one side has no matches', () => {
    expect(mergeMatchLists(undefined, [{ uri: { prefix: '/a' } }])).toEqual({
      conflict: false,
      matches: [{ uri: { prefix: '/a' } }],
    });
    expect(mergeMatchLists([{ uri: { prefix: '/a' } }], [])).toEqual({
      conflict: false,
      matches: [{ uri: { prefix: '/a' } }],
    });
    expect(mergeMatchLists([], undefined)).toEqual({ conflict: false });
  });

  it('pairs every delegate match with each root match it fits', () => {
    const root = [{ uri: { prefix: '/a' } }, { uri: { prefix: '/b' } }, { headers: { x: { exact: '1' } } }];
    expect(mergeMatchLists(root, [{ uri: { prefix: '/a/1' } }])).toEqual({
      conflict: false,
      matches: [{ uri: { prefix: '/a/1' } }, { uri: { prefix: '/a/1' }, headers: { x: { exact: '1' } } }],
    });
  });

  it('is a conflict as soon as one delegate match fits no root match', () => {
    const root = [{ uri: { prefix: '/a' } }];
    expect(mergeMatchLists(root, [{ uri: { prefix: '/a/1' } }, { uri: { prefix: '/c' } }])).toEqual({
      conflict: true,
    });
  });
});

describe('mergeDelegateRoute', () => {
  const root: HTTPRoute = {
    name: 'reviews',
    match: [{ uri: { prefix: '/reviews' } }],
    delegate: { name: 'reviews', namespace: 'team' },
    timeout: '5s',
    retries: { attempts: 3 },
    headers: { request: { set: { 'x-root': '1' } } },
    rewrite: { uri: '/' },
    corsPolicy: { allowOrigins: [{ exact: 'https://example.com' }] },
    fault: { abort: { httpStatus: 500, percentage: { value: 1 } } },
    mirrors: [{ destination: { host: 'shadow.team.svc.cluster.local' } }],
  };

  it('inherits what the delegate route does not set, keeps what it sets, and drops the delegate', () => {
    const merged = mergeDelegateRoute(root, {
      name: 'v2',
      match: [{ uri: { prefix: '/reviews/v2' } }],
      route: to('reviews-v2'),
      timeout: '1s',
      mirrors: [],
    });
    expect(merged).toEqual({
      name: 'reviews-v2',
      match: [{ uri: { prefix: '/reviews/v2' } }],
      route: to('reviews-v2'),
      timeout: '1s',
      retries: { attempts: 3 },
      headers: { request: { set: { 'x-root': '1' } } },
      rewrite: { uri: '/' },
      corsPolicy: { allowOrigins: [{ exact: 'https://example.com' }] },
      fault: { abort: { httpStatus: 500, percentage: { value: 1 } } },
      // an empty list is unset (protobuf cannot tell them apart)
      mirrors: [{ destination: { host: 'shadow.team.svc.cluster.local' } }],
    });
  });

  it('gives a delegate route without matches the root matches', () => {
    expect(
      mergeDelegateRoute({ match: [{ uri: { prefix: '/r' } }], delegate: { name: 'd' } }, { route: to('r') }),
    ).toEqual({ match: [{ uri: { prefix: '/r' } }], route: to('r') });
  });

  it('is undefined when the matches conflict', () => {
    expect(
      mergeDelegateRoute(root, { match: [{ uri: { prefix: '/ratings' } }], route: to('ratings') }),
    ).toBeUndefined();
  });

  it('leaves both inputs alone', () => {
    const leaf: HTTPRoute = { match: [{ uri: { prefix: '/reviews/1' } }], route: to('r') };
    const before = JSON.stringify([root, leaf]);
    mergeDelegateRoute(root, leaf);
    expect(JSON.stringify([root, leaf])).toBe(before);
  });
});

describe('mergeDelegateRoutes', () => {
  it('keeps the delegate order and reports the routes it drops (conflicts, a second level of delegation)', () => {
    const root: HTTPRoute = { match: [{ uri: { prefix: '/shop' } }], delegate: { name: 'shop' } };
    const result = mergeDelegateRoutes(root, [
      { match: [{ uri: { prefix: '/shop/cart' } }], route: to('cart') },
      { match: [{ uri: { prefix: '/admin' } }], route: to('admin') },
      { match: [{ uri: { prefix: '/shop/deeper' } }], delegate: { name: 'again' } },
      { route: to('shop') },
    ]);
    expect(result.routes.map((r) => r.route?.[0].destination.host)).toEqual(['cart', 'shop']);
    expect(result.routes[1].match).toEqual([{ uri: { prefix: '/shop' } }]);
    expect(result.dropped).toEqual([1, 2]);
  });
});
