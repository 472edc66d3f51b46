import type { XdsHashPolicy } from '../../xds/model';
import { compileHashKey, hashString } from './hash-key';
import { RequestFacts } from './request-facts';

const facts = (path: string, headers: Record<string, string> = {}) =>
  new RequestFacts('GET', path, 'h', 'http', headers);

describe('compileHashKey', () => {
  it('hashes the first policy that finds a value, combining later ones unless terminal', () => {
    const header: XdsHashPolicy = { kind: 'header', name: 'x-user', terminal: false };
    const query: XdsHashPolicy = { kind: 'query_parameter', name: 'u', terminal: false };
    const key = compileHashKey([header, query]);
    expect(key(facts('/?u=1', { 'x-user': 'a' }), '10.0.0.1')?.hash).not.toBe(
      key(facts('/?u=2', { 'x-user': 'a' }), '10.0.0.1')?.hash,
    );
    expect(key(facts('/', { 'x-user': 'a' }), undefined)?.hash).toBe(hashString('a'));
    expect(key(facts('/'), undefined)).toBeUndefined();
    const terminal = compileHashKey([{ ...header, terminal: true }, query]);
    expect(terminal(facts('/?u=1', { 'x-user': 'a' }), undefined)?.hash).toBe(hashString('a'));
  });

  it('reads a cookie, or generates one when the policy has a TTL', () => {
    const cookie = compileHashKey([{ kind: 'cookie', name: 'sticky', ttlMs: 60_000, path: '/', terminal: false }]);
    expect(cookie(facts('/', { cookie: 'a=1; sticky=abc' }), '10.0.0.1')).toEqual({
      hash: hashString('abc'),
      setCookie: undefined,
    });
    const generated = cookie(facts('/'), '10.0.0.1');
    expect(generated?.setCookie).toMatch(/^sticky="[0-9a-f]+"; Max-Age=60; Path=\/; HttpOnly$/);
    const noTtl = compileHashKey([{ kind: 'cookie', name: 'sticky', terminal: false }]);
    expect(noTtl(facts('/'), '10.0.0.1')).toBeUndefined();
  });
});
