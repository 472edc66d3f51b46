import { configFromManifest } from './from-manifest';
import { formatIssue } from './issues';
import { configMapData } from './kube-objects';
import { parseManifests } from './manifest';
import { applyProxyConfig, defaultMeshConfig, extensionProviderKind, parseMeshConfig } from './mesh-config';

describe('defaultMeshConfig', () => {
  it("has Istio's defaults", () => {
    const mesh = defaultMeshConfig();
    expect(mesh).toMatchObject({
      trustDomain: 'cluster.local',
      rootNamespace: 'istio-system',
      outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
      enableAutoMtls: true,
      enableTracing: true,
      accessLogFile: '',
      accessLogEncoding: 'TEXT',
      defaultServiceExportTo: ['*'],
      defaultVirtualServiceExportTo: ['*'],
      defaultDestinationRuleExportTo: ['*'],
      ingressService: 'istio-ingressgateway',
      ingressSelector: 'ingressgateway',
      localityLbSetting: { enabled: true },
      connectTimeout: '10s',
      protocolDetectionTimeout: '0s',
      defaultConfig: {
        discoveryAddress: 'istiod.istio-system.svc:15012',
        drainDuration: '45s',
        proxyAdminPort: 15000,
        statusPort: 15020,
        concurrency: 2,
        tracing: { zipkin: { address: 'zipkin.istio-system:9411' } },
      },
    });
    expect(mesh.extensionProviders.map((p) => [p.name, extensionProviderKind(p)])).toEqual([
      ['prometheus', 'prometheus'],
      ['stackdriver', 'stackdriver'],
      ['envoy', 'envoyFileAccessLog'],
    ]);
  });

  it('returns a fresh object each time', () => {
    const first = defaultMeshConfig();
    first.defaultConfig.proxyMetadata.CHANGED = 'yes';
    first.defaultServiceExportTo.push('other');
    expect(defaultMeshConfig().defaultConfig.proxyMetadata).toEqual({});
    expect(defaultMeshConfig().defaultServiceExportTo).toEqual(['*']);
  });
});

describe('parseMeshConfig', () => {
  it('gives the defaults for empty input', () => {
    expect(parseMeshConfig('')).toEqual({ config: defaultMeshConfig(), issues: [] });
    expect(parseMeshConfig('# only a comment\n')).toEqual({ config: defaultMeshConfig(), issues: [] });
  });

  it('applies set fields and keeps the defaults of the others, merging the proxy config', () => {
    const { config, issues } = parseMeshConfig(
      [
        'accessLogFile: /dev/stdout',
        'accessLogEncoding: JSON',
        'enableAutoMtls: false',
        'outboundTrafficPolicy:',
        '  mode: REGISTRY_ONLY',
        'trustDomain: example.org',
        'defaultServiceExportTo: ["."]',
        'connectTimeout: 1.5s',
        'localityLbSetting:',
        '  failover: [{from: us-east, to: eu-west}]',
        'defaultConfig:',
        '  concurrency: 4',
        '  tracing: {sampling: 10}',
        '  proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true"}',
      ].join('\n'),
    );
    expect(issues).toEqual([]);
    const expected = defaultMeshConfig();
    expected.accessLogFile = '/dev/stdout';
    expected.accessLogEncoding = 'JSON';
    expected.enableAutoMtls = false;
    expected.outboundTrafficPolicy.mode = 'REGISTRY_ONLY';
    expected.trustDomain = 'example.org';
    expected.defaultServiceExportTo = ['.'];
    expected.connectTimeout = '1.5s';
    expected.localityLbSetting = { enabled: true, failover: [{ from: 'us-east', to: 'eu-west' }] };
    expected.defaultConfig.concurrency = 4;
    expected.defaultConfig.tracing = { zipkin: { address: 'zipkin.istio-system:9411' }, sampling: 10 };
    expected.defaultConfig.proxyMetadata = { ISTIO_META_DNS_CAPTURE: 'true' };
    expect(config).toEqual(expected);
  });

  it('rejects wrong types with the field path and keeps the default', () => {
    const { config, issues } = parseMeshConfig(
      [
        'outboundTrafficPolicy:',
        '  mode: DENY_ALL',
        'enableAutoMtls: "yes"',
        'connectTimeout: 10',
        'accessLogFile: [a]',
        'defaultConfig:',
        '  proxyAdminPort: 70000',
        '  drainDuration: soon',
        '  tracing: {sampling: 150}',
        'defaultServiceExportTo: ["*", 3]',
        'localityLbSetting: {distribute: [{from: "a/*", to: {"b/*": -1}}]}',
      ].join('\n'),
      'mesh.yaml',
    );
    expect(issues.map(formatIssue)).toEqual([
      'mesh.yaml:2: outboundTrafficPolicy.mode: must be one of ALLOW_ANY, REGISTRY_ONLY',
      'mesh.yaml:3: enableAutoMtls: must be true or false',
      'mesh.yaml:4: connectTimeout: must be a duration such as "10s", "1.5s" or "250ms"',
      'mesh.yaml:5: accessLogFile: must be a string',
      'mesh.yaml:7: defaultConfig.proxyAdminPort: must be an integer in 1..65535',
      'mesh.yaml:8: defaultConfig.drainDuration: must be a duration such as "10s", "1.5s" or "250ms"',
      'mesh.yaml:9: defaultConfig.tracing.sampling: must be a number in 0..100',
      'mesh.yaml:10: defaultServiceExportTo[1]: must be a string',
      'mesh.yaml:11: localityLbSetting.distribute[0].to["b/*"]: must be an integer in 0..4294967295',
    ]);
    expect(issues.every((issue) => issue.severity === 'error')).toBe(true);
    // Nothing that was wrong got in.
    expect(config).toEqual(defaultMeshConfig());
  });

  it('ignores unknown fields with a warning', () => {
    const { config, issues } = parseMeshConfig(
      'enablePrometheusMerge: true\ndefaultConfig:\n  image: {imageType: distroless}\naccessLogFile: /dev/stdout\n',
    );
    expect(issues.map((i) => [i.severity, formatIssue(i)])).toEqual([
      ['warning', 'warning: enablePrometheusMerge: unknown or unsupported field, ignored'],
      ['warning', 'warning: defaultConfig.image: unknown or unsupported field, ignored'],
    ]);
    expect(config.accessLogFile).toBe('/dev/stdout');
  });

  it('merges extension providers by name', () => {
    const { config, issues } = parseMeshConfig(
      [
        'extensionProviders:',
        '- name: ext-authz-grpc',
        '  envoyExtAuthzGrpc: {service: ext-authz.foo.svc.cluster.local, port: 9000}',
        '- name: envoy',
        '  envoyFileAccessLog: {path: /var/log/access.log}',
        '- name: broken',
        '  zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}',
        '  opentelemetry: {service: otel, port: 4317}',
        '- envoyOtelAls: {service: otel}',
        '- name: future',
        '  someNewProvider: {}',
      ].join('\n'),
    );
    expect(config.extensionProviders).toEqual([
      { name: 'prometheus', prometheus: {} },
      { name: 'stackdriver', stackdriver: {} },
      { name: 'envoy', envoyFileAccessLog: { path: '/var/log/access.log' } },
      { name: 'ext-authz-grpc', envoyExtAuthzGrpc: { service: 'ext-authz.foo.svc.cluster.local', port: 9000 } },
    ]);
    expect(issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^extensionProviders\[2\]: must set exactly one provider/),
      'extensionProviders[3].name: is required',
      'warning: extensionProviders[4].someNewProvider: unknown provider kind, ignored',
      expect.stringMatching(/^extensionProviders\[4\]: must set exactly one provider/),
    ]);
  });

  it('reports YAML errors and a non-mapping document', () => {
    const broken = parseMeshConfig('accessLogFile: /dev/stdout\naccessLogFile: /tmp/x\n', 'mesh.yaml');
    expect(broken.config).toEqual(defaultMeshConfig());
    expect(broken.issues).toHaveLength(1);
    expect(broken.issues[0]).toMatchObject({ severity: 'error', path: [], source: { file: 'mesh.yaml', line: 2 } });
    expect(broken.issues[0].message).toMatch(/unique/);

    const list = parseMeshConfig('- a\n- b\n');
    expect(list.issues.map(formatIssue)).toEqual(['must be a mapping']);
    expect(list.config).toEqual(defaultMeshConfig());
  });
});

describe('mesh config from the istio ConfigMap', () => {
  it('parses the `mesh` key', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: istio, namespace: istio-system}',
      'data:',
      '  mesh: |-',
      '    accessLogFile: /dev/stdout',
      '    outboundTrafficPolicy: {mode: REGISTRY_ONLY}',
    ].join('\n');
    const result = configFromManifest(parseManifests(text, 'istio.yaml').manifests[0]);
    if (!result.ok) throw new Error('ConfigMap rejected');
    const { config, issues } = parseMeshConfig(configMapData(result.config).value.mesh ?? '');
    expect(issues).toEqual([]);
    expect([config.accessLogFile, config.outboundTrafficPolicy.mode]).toEqual(['/dev/stdout', 'REGISTRY_ONLY']);
  });
});

describe('applyProxyConfig', () => {
  it('merges a per-pod proxy config onto the mesh default without changing it', () => {
    const mesh = defaultMeshConfig();
    mesh.defaultConfig.proxyMetadata = { FROM_MESH: '1' };
    const { config, issues } = applyProxyConfig(
      'concurrency: 0\nholdApplicationUntilProxyStarts: true\nproxyMetadata: {FROM_POD: "2"}\nstatusPort: http',
      mesh.defaultConfig,
      'proxy.istio.io/config',
    );
    expect(issues.map(formatIssue)).toEqual(['proxy.istio.io/config:4: statusPort: must be an integer in 1..65535']);
    expect(config).toEqual({
      ...mesh.defaultConfig,
      concurrency: 0,
      holdApplicationUntilProxyStarts: true,
      proxyMetadata: { FROM_MESH: '1', FROM_POD: '2' },
    });
    expect(mesh.defaultConfig.concurrency).toBe(2);
    expect(mesh.defaultConfig.proxyMetadata).toEqual({ FROM_MESH: '1' });
  });
});
