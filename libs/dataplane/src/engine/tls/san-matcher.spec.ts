import type { XdsSanMatcher } from '../../xds/model';
import { compileSanCheck, parseSubjectAltNames, type SubjectAltName } from './san-matcher';

const matcher = (kind: XdsSanMatcher['kind'], value: string, sanType?: XdsSanMatcher['sanType']): XdsSanMatcher => ({
  kind,
  value,
  ignoreCase: false,
  sanType,
});

describe('subject alternative names', () => {
  it("parses Node's subjectaltname text, quoted values included", () => {
    expect(
      parseSubjectAltNames(
        'DNS:a.example.com, URI:spiffe://cluster.local/ns/default/sa/x, IP Address:10.0.0.1, email:a@b.c',
      ),
    ).toEqual([
      { type: 'dns', value: 'a.example.com' },
      { type: 'uri', value: 'spiffe://cluster.local/ns/default/sa/x' },
      { type: 'ip_address', value: '10.0.0.1' },
      { type: 'email', value: 'a@b.c' },
    ]);
    expect(parseSubjectAltNames('URI:"spiffe://x/a,b", DNS:c')).toEqual([
      { type: 'uri', value: 'spiffe://x/a,b' },
      { type: 'dns', value: 'c' },
    ]);
    expect(parseSubjectAltNames(undefined)).toEqual([]);
  });

  const sans: SubjectAltName[] = [
    { type: 'dns', value: '*.example.com' },
    { type: 'uri', value: 'spiffe://cluster.local/ns/default/sa/reviews' },
  ];

  it('has nothing to check without matchers', () => {
    expect(compileSanCheck([])).toBeUndefined();
  });

  it('matches exact, prefix, suffix, contains and regex against any SAN type when untyped', () => {
    const passes = (m: XdsSanMatcher) => compileSanCheck([m])?.(sans);
    expect(passes(matcher('exact', 'spiffe://cluster.local/ns/default/sa/reviews'))).toBe(true);
    expect(passes(matcher('prefix', 'spiffe://cluster.local/ns/default/'))).toBe(true);
    expect(passes(matcher('suffix', '/sa/reviews'))).toBe(true);
    expect(passes(matcher('contains', 'ns/default'))).toBe(true);
    expect(passes(matcher('regex', 'spiffe://cluster\\.local/ns/[a-z]+/sa/reviews'))).toBe(true);
    expect(passes(matcher('exact', 'spiffe://cluster.local/ns/default/sa/ratings'))).toBe(false);
  });

  it('restricts typed matchers to their SAN type', () => {
    expect(compileSanCheck([matcher('prefix', 'spiffe://', 'dns')])?.(sans)).toBe(false);
    expect(compileSanCheck([matcher('prefix', 'spiffe://', 'uri')])?.(sans)).toBe(true);
  });

  it('lets a wildcard DNS SAN cover one label for an exact matcher, as Envoy does', () => {
    expect(compileSanCheck([matcher('exact', 'api.example.com', 'dns')])?.(sans)).toBe(true);
    expect(compileSanCheck([matcher('exact', 'a.b.example.com', 'dns')])?.(sans)).toBe(false);
    expect(compileSanCheck([matcher('exact', 'api.example.com', 'uri')])?.(sans)).toBe(false);
  });
});
