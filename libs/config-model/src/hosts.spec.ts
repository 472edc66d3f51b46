import {
  hostMatches,
  hostsIntersect,
  isIpAddress,
  isSubsetOf,
  namespacedHostSelects,
  narrowerHost,
  parseNamespacedHost,
  resolveShortName,
  serviceFqdn,
} from './hosts';

describe('serviceFqdn', () => {
  it('is name.namespace.svc.<domain suffix>', () => {
    expect(serviceFqdn('reviews', 'default')).toBe('reviews.default.svc.cluster.local');
    expect(serviceFqdn('reviews', 'prod', 'corp.internal')).toBe('reviews.prod.svc.corp.internal');
  });
});

describe('resolveShortName', () => {
  it.each([
    // Istio's documented example: a short name is interpreted in the namespace of the rule.
    ['reviews', 'default', 'reviews.default.svc.cluster.local'],
    ['reviews', 'foo', 'reviews.foo.svc.cluster.local'],
    // Any name with a dot is kept: Istio does not expand `name.namespace`.
    ['reviews.prod', 'default', 'reviews.prod'],
    ['reviews.prod.svc.cluster.local', 'default', 'reviews.prod.svc.cluster.local'],
    ['www.googleapis.com', 'default', 'www.googleapis.com'],
    ['*', 'default', '*'],
    ['*.example.com', 'default', '*.example.com'],
    ['10.0.0.1', 'default', '10.0.0.1'],
    ['2001:db8::1', 'default', '2001:db8::1'],
    ['::1', 'default', '::1'],
    ['', 'default', ''],
  ])('%s in namespace %s → %s', (host, namespace, expected) => {
    expect(resolveShortName(host, namespace)).toBe(expected);
  });

  it('uses the given domain suffix', () => {
    expect(resolveShortName('ratings', 'prod', 'corp.internal')).toBe('ratings.prod.svc.corp.internal');
  });
});

describe('isIpAddress', () => {
  it.each([
    ['10.0.0.1', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['10.0.0', false],
    ['::', true],
    ['fe80::1', true],
    ['2001:db8:0:0:0:0:2:1', true],
    ['2001:db8::2::1', false],
    ['::ffff:10.0.0.1', true],
    ['1:2:3:4:5:6:7:8:9', false],
    ['reviews', false],
    ['10.0.0.0/8', false],
  ])('%s → %s', (text, expected) => {
    expect(isIpAddress(text)).toBe(expected);
  });
});

describe('hostMatches (pattern, name)', () => {
  it.each([
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'b.a.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'newexample.com', false],
    ['*', 'anything.at.all', true],
    ['*', '*.example.com', true],
    ['reviews.default.svc.cluster.local', 'reviews.default.svc.cluster.local', true],
    ['reviews.default.svc.cluster.local', 'reviews.prod.svc.cluster.local', false],
    ['Reviews.Default.svc.cluster.local', 'reviews.default.svc.cluster.local', true],
    // A concrete pattern never covers a wildcard name.
    ['a.example.com', '*.example.com', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(hostMatches(pattern, name)).toBe(expected);
  });
});

describe('isSubsetOf and hostsIntersect', () => {
  it.each([
    // [a, b, a ⊆ b, a ∩ b ≠ ∅]
    ['foo.com', 'foo.com', true, true],
    ['foo.com', 'bar.com', false, false],
    ['foo.com', '*.com', true, true],
    ['*.com', 'foo.com', false, true],
    ['*.foo.com', 'foo.com', false, false],
    ['*.foo.com', '*.com', true, true],
    ['*.com', '*.foo.com', false, true],
    ['*.foo.com', '*.bar.com', false, false],
    ['*.com', '*', true, true],
    ['*', '*.com', false, true],
    ['*', '*', true, true],
  ])('%s vs %s', (a, b, subset, intersect) => {
    expect(isSubsetOf(a, b)).toBe(subset);
    expect(hostsIntersect(a, b)).toBe(intersect);
    expect(hostsIntersect(b, a)).toBe(intersect);
  });

  it('binds VirtualService hosts to a Gateway server host the way Istio documents it', () => {
    // Server host *.example.com: VirtualServices for dev.example.com or prod.example.com bind,
    // ones for example.com or newexample.com do not.
    const bound = ['dev.example.com', 'prod.example.com', 'example.com', 'newexample.com'].filter((h) =>
      hostsIntersect('*.example.com', h),
    );
    expect(bound).toEqual(['dev.example.com', 'prod.example.com']);
  });
});

describe('narrowerHost', () => {
  it('gives the host a VirtualService serves on a Gateway server', () => {
    expect(narrowerHost('*', 'bookinfo.example.com')).toBe('bookinfo.example.com');
    expect(narrowerHost('*.example.com', 'a.example.com')).toBe('a.example.com');
    expect(narrowerHost('*.example.com', '*.com')).toBe('*.example.com');
    expect(narrowerHost('a.example.com', 'b.example.com')).toBeUndefined();
  });
});

describe('namespace/host entries', () => {
  it('parses Gateway and Sidecar forms', () => {
    expect(parseNamespacedHost('prod/*.example.com', 'istio-system')).toEqual({
      namespace: 'prod',
      host: '*.example.com',
    });
    expect(parseNamespacedHost('./reviews.prod.svc.cluster.local', 'prod')).toEqual({
      namespace: 'prod',
      host: 'reviews.prod.svc.cluster.local',
    });
    expect(parseNamespacedHost('*/*', 'prod')).toEqual({ namespace: '*', host: '*' });
    expect(parseNamespacedHost('~/*', 'prod')).toEqual({ namespace: '~', host: '*' });
    // Gateways allow a bare host: any namespace.
    expect(parseNamespacedHost('uk.bookinfo.com', 'istio-system')).toEqual({ namespace: '*', host: 'uk.bookinfo.com' });
  });

  const registry = [
    { namespace: 'prod', host: 'reviews.prod.svc.cluster.local' },
    { namespace: 'prod', host: 'api.example.com' },
    { namespace: 'istio-system', host: 'istiod.istio-system.svc.cluster.local' },
    { namespace: 'dev', host: '*.example.com' },
  ];
  const selected = (entry: string, sidecarNamespace: string) =>
    registry
      .filter((candidate) => namespacedHostSelects(parseNamespacedHost(entry, sidecarNamespace), candidate))
      .map((c) => `${c.namespace}/${c.host}`);

  it('selects hosts for Sidecar egress entries', () => {
    expect(selected('*/*', 'prod')).toHaveLength(4);
    expect(selected('./*', 'prod')).toEqual(['prod/reviews.prod.svc.cluster.local', 'prod/api.example.com']);
    expect(selected('~/*', 'prod')).toEqual([]);
    expect(selected('istio-system/*', 'prod')).toEqual(['istio-system/istiod.istio-system.svc.cluster.local']);
    expect(selected('*/api.example.com', 'prod')).toEqual(['prod/api.example.com', 'dev/*.example.com']);
    expect(selected('dev/*.example.com', 'prod')).toEqual(['dev/*.example.com']);
    expect(selected('prod/*.svc.cluster.local', 'other')).toEqual(['prod/reviews.prod.svc.cluster.local']);
  });
});
