import type { XdsForwardAction, XdsPathMatch, XdsRedirectAction } from '../../xds/model';
import { compilePathRewrite, redirectLocation } from './rewrite';

const forward = (extra: Partial<XdsForwardAction>): XdsForwardAction => ({
  kind: 'route',
  destination: { cluster: 'c' },
  ...extra,
});
const prefix = (value: string): XdsPathMatch => ({ kind: 'prefix', value });
const redirect = (extra: Partial<XdsRedirectAction>): XdsRedirectAction => ({
  kind: 'redirect',
  responseCode: 301,
  stripQuery: false,
  ...extra,
});
const req = (authority: string, path: string, scheme = 'http') => ({ authority, path, scheme });

describe('path rewrites and redirect locations', () => {
  it('replaces the matched prefix, or the whole path for exact and regex matches, keeping the query', () => {
    expect(compilePathRewrite(forward({ prefixRewrite: '/v2/' }), prefix('/v1/'))!('/v1/users?id=1')).toBe(
      '/v2/users?id=1',
    );
    expect(compilePathRewrite(forward({ prefixRewrite: '/' }), prefix('/api'))!('/api/x')).toBe('//x');
    expect(compilePathRewrite(forward({ prefixRewrite: '/new' }), { kind: 'path', value: '/old' })!('/old?a')).toBe(
      '/new?a',
    );
    expect(compilePathRewrite(forward({ prefixRewrite: '/r' }), { kind: 'regex', value: '/x.*' })!('/xyz')).toBe('/r');
    expect(compilePathRewrite(forward({}), prefix('/'))).toBeUndefined();
  });

  it('substitutes every regex match with RE2 group syntax', () => {
    const rewrite = compilePathRewrite(forward({ regexRewrite: { pattern: 'o', substitution: '0' } }), prefix('/'))!;
    expect(rewrite('/foo/boo?o=o')).toBe('/f00/b00?o=o');
    const groups = compilePathRewrite(
      forward({ regexRewrite: { pattern: '^/service/([^/]+)(/.*)$', substitution: '\\2/instance/\\1' } }),
      prefix('/'),
    )!;
    expect(groups('/service/foo/v1/api')).toBe('/v1/api/instance/foo');
    const escaped = compilePathRewrite(forward({ regexRewrite: { pattern: 'a', substitution: '\\\\' } }), prefix('/'))!;
    expect(escaped('/a')).toBe('/\\');
  });

  it('builds redirect locations, keeping what the redirect does not replace', () => {
    expect(redirectLocation(redirect({ scheme: 'https' }), prefix('/'), req('shop.example.com:80', '/cart?x=1'))).toBe(
      'https://shop.example.com/cart?x=1',
    );
    expect(redirectLocation(redirect({ scheme: 'https' }), prefix('/'), req('shop.example.com:8080', '/'))).toBe(
      'https://shop.example.com:8080/',
    );
    expect(redirectLocation(redirect({ host: 'new.example.com' }), prefix('/'), req('old:8080', '/p'))).toBe(
      'http://new.example.com/p',
    );
    expect(redirectLocation(redirect({ port: 8443 }), prefix('/'), req('h', '/p'))).toBe('http://h:8443/p');
    expect(redirectLocation(redirect({ path: '/landing' }), prefix('/'), req('h', '/p?q=1'))).toBe(
      'http://h/landing?q=1',
    );
    expect(redirectLocation(redirect({ path: '/landing?fixed=1' }), prefix('/'), req('h', '/p?q=1'))).toBe(
      'http://h/landing?fixed=1',
    );
    expect(
      redirectLocation(redirect({ prefixRewrite: '/new/', stripQuery: true }), prefix('/old/'), req('h', '/old/a?q')),
    ).toBe('http://h/new/a');
  });
});
