import { fqdnProblem, hostIsSubsetOf, hostsOverlap, namespacedHostProblems, wildcardDomainProblem } from './hosts';

describe('host names', () => {
  it.each(['reviews', 'reviews.default.svc.cluster.local', 'istio.io.', 'Reviews.Example.COM', 'a-b.c1'])(
    'accepts the name %s',
    (name) => expect(fqdnProblem(name)).toBeUndefined(),
  );
  it.each([
    ['', 'must not be empty'],
    ['foo.123', 'the top-level domain "123" is all digits'],
    ['a..b', '"" is not a DNS-1123 label'],
    ['-a.com', '"-a" is not a DNS-1123 label'],
    ['*.a.com', '"*" is not a DNS-1123 label'],
    [`${'a'.repeat(64)}.com`, 'is not a DNS-1123 label'],
    [`${'a.'.repeat(128)}com`, 'too long'],
  ])('rejects %j', (name, problem) => expect(fqdnProblem(name)).toContain(problem));

  it.each(['*', '*.example.com', '*-svc.example.com', '*svc.example.com'])('accepts the wildcard %s', (name) =>
    expect(wildcardDomainProblem(name)).toBeUndefined(),
  );
  it.each(['a.*.com', '**.com', '*.', 'x*.com'])('rejects the wildcard %j', (name) =>
    expect(wildcardDomainProblem(name)).toBeDefined(),
  );
});

describe('host matching', () => {
  it.each([
    ['*.example.com', 'api.example.com', true],
    ['*.example.com', '*.api.example.com', true],
    ['*', 'anything.io', true],
    ['a.example.com', 'b.example.com', false],
    ['*.example.com', 'example.org', false],
  ])('%s overlaps %s: %s', (a, b, expected) => {
    expect(hostsOverlap(a, b)).toBe(expected);
    expect(hostsOverlap(b, a)).toBe(expected);
  });

  it.each([
    ['api.example.com', '*.example.com', true],
    ['*.api.example.com', '*.example.com', true],
    ['*.example.com', 'api.example.com', false],
    ['example.com', '*.example.com', false],
    ['anything', '*', true],
  ])('%s within %s: %s', (inner, outer, expected) => expect(hostIsSubsetOf(inner, outer)).toBe(expected));
});

describe('namespace/host', () => {
  it('allows the namespace forms each kind supports', () => {
    expect(namespacedHostProblems('./*', 'sidecar')).toEqual([]);
    expect(namespacedHostProblems('~/*', 'sidecar')).toEqual([]);
    expect(namespacedHostProblems('~/*', 'gateway')).toHaveLength(1);
    expect(namespacedHostProblems('*.example.com', 'gateway')).toEqual([]);
    expect(namespacedHostProblems('10.0.0.1', 'gateway')).toEqual([]);
    expect(namespacedHostProblems('*.example.com', 'sidecar')).toEqual([
      '"*.example.com" must be of the form namespace/host (e.g. "./*", "istio-system/*", "*/foo.example.com")',
    ]);
  });
});
