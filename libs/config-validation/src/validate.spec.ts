import { configFromObject, formatIssue, parseManifests, type Config } from '@mesh/config-model';
import { validateConfig, validateFileText, validateManifest } from './validate';

const text = [
  'apiVersion: networking.istio.io/v1', // 1
  'kind: VirtualService', // 2
  'metadata:', // 3
  '  name: reviews', // 4
  'spec:', // 5
  '  hosts: [reviews]', // 6
  '  http:', // 7
  '  - route:', // 8
  '    - destination: {host: reviews, subset: v1}', // 9
  '      weight: 80', // 10
  '    - destination: {host: reviews, subset: v2}', // 11
  '      weight: -20', // 12
  '---', // 13
  'apiVersion: networking.istio.io/v1', // 14
  'kind: DestinationRule', // 15
  'metadata: {name: reviews, namespace: shop}', // 16
  'spec:', // 17
  '  host: reviews', // 18
  '  subsets:', // 19
  '  - name: v1', // 20
  '    labels: {version: v1}', // 21
  '---', // 22
  'kind: A', // 23
  'kind: B', // 24: a duplicate key makes this document invalid YAML
  '---', // 25
  'apiVersion: apps/v1', // 26
  'kind: Deployment', // 27
  'metadata: {name: reviews-v1}', // 28
  '',
].join('\n');

describe('validateFileText', () => {
  const result = validateFileText(text, 'reviews.yaml', { defaultNamespace: 'bookinfo' });

  it('reports spec errors with the resource, the field path and the line of the field', () => {
    const weight = result.errors.find((e) => e.path.join('.') === 'spec.http.0.route.1.weight');
    expect(weight).toEqual({
      severity: 'error',
      path: ['spec', 'http', 0, 'route', 1, 'weight'],
      message: 'must not be negative (got -20)',
      resource: { kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' },
      source: { file: 'reviews.yaml', line: 12 },
    });
    expect(formatIssue(weight!)).toBe(
      'VirtualService bookinfo/reviews reviews.yaml:12: spec.http[0].route[1].weight: must not be negative (got -20)',
    );
  });

  it('turns parse errors into issues with their line and keeps validating the other documents', () => {
    const parseErrors = result.errors.filter((e) => e.resource === undefined);
    expect(parseErrors).toHaveLength(1);
    expect(parseErrors[0].source).toEqual({ file: 'reviews.yaml', line: 24 });
    expect(result.errors).toHaveLength(2);
  });

  it('returns the configs without errors, in the namespace they name or the default one', () => {
    expect(result.configs.map((c) => `${c.kind} ${c.namespace}/${c.name}`)).toEqual(['DestinationRule shop/reviews']);
  });

  it('skips kinds the mesh does not read with a warning, not an error', () => {
    expect(result.warnings.map(formatIssue)).toEqual([
      'warning: Deployment reviews-v1 reviews.yaml:27: kind: Deployment (apps/v1) is not a kind the mesh reads: not validated',
    ]);
  });
});

describe('validateManifest', () => {
  it('returns the config only when there are no errors, and keeps warnings either way', () => {
    const { manifests } = parseManifests(
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata: {name: split}',
        'spec:',
        '  hosts: [ratings]',
        '  http:',
        '  - route:',
        '    - {destination: {host: ratings, subset: v1}, weight: 1}',
        '    - {destination: {host: ratings, subset: v2}, weight: 1}',
      ].join('\n'),
      'split.yaml',
    );
    const result = validateManifest(manifests[0]);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => [w.message, w.source?.line])).toEqual([
      ['weights sum to 2, not 100: traffic is split in proportion to them', 7],
    ]);
    expect(result.config?.name).toBe('split');
  });

  it('reports envelope problems with their line', () => {
    const { manifests } = parseManifests(
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  labels: {}\n',
      'gw.yaml',
    );
    const result = validateManifest(manifests[0]);
    expect(result.config).toBeUndefined();
    expect(result.errors.map((e) => [e.path.join('.'), e.message, e.source?.line])).toEqual([
      ['metadata.name', 'metadata.name is required', 3],
    ]);
  });

  it('treats an unknown kind of an Istio API group as an error', () => {
    const { manifests } = parseManifests(
      'apiVersion: security.istio.io/v1\nkind: Policy\nmetadata: {name: p}\n',
      'p.yaml',
    );
    expect(validateManifest(manifests[0]).errors.map((e) => e.message)).toEqual([
      'unknown kind "Policy" in API group "security.istio.io"',
    ]);
  });
});

describe('validateConfig', () => {
  const configOf = (object: Record<string, unknown>): Config => {
    const result = configFromObject(object);
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    return result.config;
  };

  it('validates a spec without source lines', () => {
    const config = configOf({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'db', namespace: 'data' },
      spec: { hosts: ['db.example.com'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], resolution: 'DNS' },
    });
    expect(validateConfig(config)).toEqual({ errors: [], warnings: [] });

    const broken = { ...config, spec: { hosts: [], resolution: 'MAGIC' } };
    expect(validateConfig(broken).errors.map(formatIssue)).toEqual([
      'ServiceEntry data/db: spec.resolution: "MAGIC" is not one of NONE, STATIC, DNS, DNS_ROUND_ROBIN',
      'ServiceEntry data/db: spec.hosts: a ServiceEntry needs at least one host',
    ]);
  });

  it('survives specs of any shape (untrusted input never crashes the validator)', () => {
    const shapes: unknown[] = [
      null,
      42,
      'text',
      [],
      [1, 2],
      { http: 'x' },
      { http: [null, 1, 'a', []] },
      { hosts: [null, {}] },
    ];
    const kinds = [
      'VirtualService',
      'DestinationRule',
      'Gateway',
      'ServiceEntry',
      'Sidecar',
      'WorkloadEntry',
      'WorkloadGroup',
      'PeerAuthentication',
      'AuthorizationPolicy',
      'RequestAuthentication',
      'Telemetry',
      'Service',
      'EndpointSlice',
      'Pod',
      'Secret',
      'ConfigMap',
      'Namespace',
    ] as const;
    for (const kind of kinds) {
      for (const spec of shapes) {
        const config = { ...configOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }), kind, spec };
        expect(() => validateConfig(config)).not.toThrow();
      }
    }
  });
});

describe('hostile input', () => {
  it('handles YAML anchors that make cyclic values', () => {
    const text = [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata: {name: cyclic}',
      'spec:',
      '  hosts: [reviews]',
      '  http:',
      '  - &route',
      '    match: [{uri: {prefix: /a}, extra: *route}]',
      '    route: [{destination: {host: reviews}}]',
      '  - match: [{uri: {prefix: /a}, extra: *route}]',
      '    route: [{destination: {host: reviews}}]',
    ].join('\n');
    const result = validateFileText(text, 'cyclic.yaml');
    expect(result.errors.map((e) => e.message)).toEqual(['unknown field "extra"', 'unknown field "extra"']);
  });
});
