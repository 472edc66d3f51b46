import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromObject, type Config } from '@mesh/config-model';
import { validateConfig } from '@mesh/config-validation';
import {
  allAnalyzers,
  analysisInputFromFiles,
  analyze,
  analyzerInputs,
  formatMessage,
  formatMessagesJson,
  hasMessagesAtLeast,
  messageTypes,
  originOf,
  ReferencedResourceNotFound,
  withDefaultIngressGateway,
  type Analyzer,
} from './index';

const testdata = join(process.cwd(), 'libs', 'config-analysis', 'testdata');

function config(object: Record<string, unknown>): Config {
  const result = configFromObject(object);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const virtualService = (gateways: string[]): Config =>
  config({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { hosts: ['web.example.com'], gateways, http: [{ route: [{ destination: { host: 'web.example.com' } }] }] },
  });

describe('analyze', () => {
  it('hands an analyzer only the kinds it declares: reading another is reported as IST0001, the others still run', () => {
    const sneaky: Analyzer = {
      name: 'test.sneaky',
      description: 'reads a kind it did not declare',
      inputs: ['VirtualService'],
      reports: [],
      analyze(context) {
        context.list('Gateway');
      },
    };
    const messages = analyze({ configs: [virtualService(['bogus'])] }, { analyzers: [sneaky, ...allAnalyzers] });
    expect(messages.map((m) => [m.code, m.message])).toEqual([
      [
        'IST0001',
        'Internal error: analyzer test.sneaky failed: reads Gateway, which is not among its declared inputs (VirtualService)',
      ],
      ['IST0101', 'Referenced gateway not found: "bogus"'],
      ['IST0101', 'Referenced host not found: "web.example.com"'],
    ]);
    expect(formatMessage(messages[0])).toBe(
      'Error [IST0001] Internal error: analyzer test.sneaky failed: reads Gateway, which is not among its declared inputs (VirtualService)',
    );
  });

  it('every analyzer of the package keeps to its declared inputs on every scenario', () => {
    const scenarios = [
      'clean',
      'mtls-conflict',
      'subset-no-pods',
      'gateway-workload',
      'host-not-found',
      'mesh-host-conflict',
    ];
    for (const scenario of scenarios) {
      const input = analysisInputFromFiles([
        { file: scenario, text: readFileSync(join(testdata, `${scenario}.yaml`), 'utf8') },
      ]);
      expect(analyze(withDefaultIngressGateway(input)).filter((m) => m.code === 'IST0001')).toEqual([]);
    }
  });

  it('lists what a cluster reader has to fetch: the union of the analyzers’ inputs', () => {
    expect(analyzerInputs()).toEqual([
      'DestinationRule',
      'Gateway',
      'Namespace',
      'PeerAuthentication',
      'Pod',
      'Service',
      'ServiceEntry',
      'VirtualService',
      'WorkloadEntry',
    ]);
  });

  it('messages without a file have no reference; the order is most severe first', () => {
    const namespace = config({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plain' } });
    const messages = analyze({ configs: [namespace, virtualService(['bogus'])] });
    expect(messages.map(formatMessage)).toEqual([
      'Error [IST0101] (VirtualService shop/web) Referenced gateway not found: "bogus"',
      'Error [IST0101] (VirtualService shop/web) Referenced host not found: "web.example.com"',
      expect.stringMatching(/^Info \[IST0102\] \(Namespace plain\) The namespace is not enabled/),
    ]);
    expect(hasMessagesAtLeast(messages)).toBe(true);
    expect(hasMessagesAtLeast(messages.slice(2))).toBe(false);
    expect(hasMessagesAtLeast(messages.slice(2), 'Info')).toBe(true);
  });

  it('validation warnings become IST0133 on the field’s line', () => {
    const text = [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata:',
      '  name: web',
      'spec:',
      '  hosts: [web]',
      '  http:',
      '  - mirrorPercent: 50',
      '    mirror: {host: web}',
      '    route:',
      '    - destination: {host: web}',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: web}',
      'spec: {selector: {app: web}, ports: [{name: http, port: 80}]}',
    ].join('\n');
    const messages = analyze(analysisInputFromFiles([{ file: 'web.yaml', text }]));
    expect(messages.map(formatMessage)).toEqual([
      'Warning [IST0133] (VirtualService default/web web.yaml:8) Schema validation warning: spec.http[0].mirrorPercent: mirrorPercent is deprecated: use mirrorPercentage: {value: ...}',
    ]);
  });

  it('does not repeat as IST0133 what IST0130, IST0131 and IST0118 say (config-validation words them as expected)', () => {
    for (const [scenario, kind, count] of [
      ['unreachable-rules', 'VirtualService', 3],
      ['port-names', 'Service', 4],
    ] as const) {
      const input = analysisInputFromFiles([
        { file: scenario, text: readFileSync(join(testdata, `${scenario}.yaml`), 'utf8') },
      ]);
      // config-validation does warn about these...
      const warnings = input.configs.filter((c) => c.kind === kind).flatMap((c) => validateConfig(c).warnings);
      expect(warnings).toHaveLength(count);
      // ...and analysis reports them once, with the analyzers' codes.
      expect(analyze(input).filter((m) => m.code === 'IST0133')).toEqual([]);
    }
  });

  it('never crashes on odd Kubernetes objects (they are only lightly validated)', () => {
    const text = [
      'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: just text',
      'apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {selector: {app: b}, ports: [{name: web, port: 80, targetPort: missing}]}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: c, labels: {app: b}}\nspec: {containers: [{name: c, ports: [{}, {containerPort: http}]}]}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec: {containers: nothing}',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: e}\nspec: {template: [1, 2]}',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: f}\nspec: {jobTemplate: {spec: {template: {metadata: {labels: {app: b}}, spec: {}}}}}',
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {selector: {app: b}, servers: [{port: {number: 81, name: http, protocol: HTTP}, hosts: ["*"]}]}',
    ].join('\n---\n');
    const input = analysisInputFromFiles([{ file: 'odd.yaml', text }]);
    expect(input.podTemplates?.map((w) => `${w.kind}/${w.name}`)).toEqual(['CronJob/f']);
    const messages = analyze(input);
    expect(messages.filter((m) => m.code === 'IST0001')).toEqual([]);
    // The odd objects are reported by validation, not by a crash; the Gateway still gets its check.
    expect(messages.map((m) => `${m.code} ${originOf(m)}`)).toContain('IST0104 Gateway default/g');
  });

  it('never crashes on every scenario and every corpus sample read together', () => {
    const corpus = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples');
    const files = [
      ...[
        'bookinfo/platform/kube/bookinfo.yaml',
        'httpbin/httpbin.yaml',
        'helloworld/helloworld.yaml',
        'curl/curl.yaml',
      ].map((f) => join(corpus, f)),
      ...['httpbin/httpbin-gateway.yaml', 'helloworld/helloworld-gateway.yaml'].map((f) => join(corpus, f)),
      ...Object.keys({ clean: 1, 'mtls-conflict': 1, 'subset-no-pods': 1, 'port-names': 1, 'schema-errors': 1 }).map(
        (s) => join(testdata, `${s}.yaml`),
      ),
    ];
    const input = analysisInputFromFiles(files.map((file) => ({ file, text: readFileSync(file, 'utf8') })));
    const messages = analyze(withDefaultIngressGateway(input));
    expect(messages.filter((m) => m.code === 'IST0001')).toEqual([]);
    expect(messages.length).toBeGreaterThan(5);
  });

  it('reports the same finding once', () => {
    const vs = virtualService(['bogus', 'bogus']);
    const messages = analyze({ configs: [vs] }).filter((m) => m.code === ReferencedResourceNotFound.code);
    expect(messages.map((m) => m.message)).toEqual([
      'Referenced gateway not found: "bogus"',
      'Referenced host not found: "web.example.com"',
    ]);
  });
});

describe('analysisInputFromFiles', () => {
  it('keeps going after a YAML error and counts kinds the mesh does not read', () => {
    const input = analysisInputFromFiles([
      { file: 'bad.yaml', text: 'kind: [unclosed\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n' },
      {
        file: 'ok.yaml',
        text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n',
      },
    ]);
    expect(input.parseErrors.map((e) => e.source.file)).toEqual(['bad.yaml']);
    expect(input.ignored).toEqual({ ServiceAccount: 1 });
    expect(input.configs.map((c) => `${c.kind}/${c.name}`)).toEqual(['Namespace/shop']);
  });

  it('reports objects that cannot become configs as IST0106, unknown Istio kinds included', () => {
    const input = analysisInputFromFiles([
      {
        file: 'odd.yaml',
        text: 'apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: f, namespace: x}\nspec: {}\n',
      },
    ]);
    expect(analyze(input).map(formatMessage)).toEqual([
      'Error [IST0106] (EnvoyFilter x/f odd.yaml:2) Schema validation error: kind: unknown kind "EnvoyFilter" in API group "networking.istio.io"',
    ]);
  });

  it('a later definition of the same object replaces the earlier one', () => {
    const ns = (label: string): string =>
      `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {${label}}}\n`;
    const input = analysisInputFromFiles([
      { file: 'a.yaml', text: ns('team: a') },
      { file: 'b.yaml', text: ns('istio-injection: enabled') },
    ]);
    expect(input.configs).toHaveLength(1);
    expect(analyze(input)).toEqual([]);
  });
});

describe('formats', () => {
  it('-o json: code, level, origin, reference, message and documentationUrl, like istioctl', () => {
    const input = analysisInputFromFiles([
      { file: 'subset-not-found.yaml', text: readFileSync(join(testdata, 'subset-not-found.yaml'), 'utf8') },
    ]);
    expect(JSON.parse(formatMessagesJson(analyze(input)))).toEqual([
      {
        code: 'IST0101',
        level: 'Error',
        origin: 'VirtualService default/reviews',
        reference: 'subset-not-found.yaml:17',
        message: 'Referenced host+subset in destinationrule not found: "reviews+v9"',
        documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0101/',
      },
    ]);
    expect(formatMessagesJson([])).toBe('[]');
  });

  it('origin is the resource as Istio names it', () => {
    const [message] = analyze({ configs: [virtualService(['bogus'])] });
    expect(originOf(message)).toBe('VirtualService shop/web');
  });
});

describe('message types', () => {
  it('carry Istio’s codes, names and levels', () => {
    // prettier-ignore
    expect(messageTypes.map((t) => `${t.code} ${t.name} ${t.level}`)).toEqual([
      'IST0001 InternalError Error',
      'IST0101 ReferencedResourceNotFound Error',
      'IST0102 NamespaceNotInjected Info',
      'IST0104 GatewayPortNotOnWorkload Warning',
      'IST0106 SchemaValidationError Error',
      'IST0109 ConflictingMeshGatewayVirtualServiceHosts Error',
      'IST0113 MTLSPolicyConflict Error',
      'IST0118 PortNameIsNotUnderNamingConvention Info',
      'IST0128 NoServerCertificateVerificationDestinationLevel Warning',
      'IST0129 NoServerCertificateVerificationPortLevel Warning',
      'IST0130 VirtualServiceUnreachableRule Warning',
      'IST0131 VirtualServiceIneffectiveMatch Info',
      'IST0132 VirtualServiceHostNotFoundInGateway Warning',
      'IST0133 SchemaWarning Warning',
      'IST0145 ConflictingGateways Error',
      'IST0150 ExternalNameServiceTypeInvalidPortName Warning',
      'IST0173 DestinationRuleSubsetNotSelectPods Error',
      'IST0174 UnknownDestinationRuleHost Warning',
    ]);
  });

  it('every code an analyzer reports is listed, and every analyzer has a unique name', () => {
    const listed = new Set(messageTypes.map((t) => t.code));
    for (const analyzer of allAnalyzers) for (const type of analyzer.reports) expect(listed.has(type.code)).toBe(true);
    expect(new Set(allAnalyzers.map((a) => a.name)).size).toBe(allAnalyzers.length);
  });
});
