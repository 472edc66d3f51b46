import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Config } from '../config';
import { configFromManifest, isRecord } from '../from-manifest';
import { resolveShortName } from '../hosts';
import { formatPath, type FieldPath } from '../issues';
import { parseManifests } from '../manifest';
import { isIstioKind, type IstioKind } from '../schema';
import { type AnyFieldTree, specFieldTrees } from './field-trees';
import { isConfigOfKind, type SpecOf } from './spec-of';

const corpus = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples');

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

function configsOf(text: string, file: string): Config[] {
  const { manifests, errors } = parseManifests(text, file);
  expect(errors).toEqual([]);
  return manifests.flatMap((m) => {
    const result = configFromManifest(m);
    return result.ok ? [result.config] : [];
  });
}

function load(file: string): Config[] {
  return configsOf(readFileSync(join(corpus, file), 'utf8'), file);
}

/** Paths of the fields in `value` that `tree` (the typed model) does not have. */
function unknownFields(tree: AnyFieldTree, value: unknown, path: FieldPath = ['spec']): string[] {
  if (tree === true) return [];
  if (Array.isArray(tree)) {
    return Array.isArray(value) ? value.flatMap((item, index) => unknownFields(tree[0], item, [...path, index])) : [];
  }
  if (!isRecord(value)) return [];
  const fields = tree as { readonly [key: string]: AnyFieldTree };
  return Object.entries(value).flatMap(([key, child]) => {
    const sub = '*' in fields ? fields['*'] : fields[key];
    return sub === undefined ? [formatPath([...path, key])] : unknownFields(sub, child, [...path, key]);
  });
}

function treeOf(kind: IstioKind): AnyFieldTree {
  return specFieldTrees[kind] as AnyFieldTree;
}

describe('typed models against Istio samples', () => {
  it('every field of every Istio object in the samples is in the typed models', () => {
    const seen = new Map<string, number>();
    const unknown: string[] = [];
    for (const file of yamlFilesUnder(corpus)) {
      for (const config of configsOf(readFileSync(file, 'utf8'), relative(corpus, file))) {
        if (!isIstioKind(config.kind)) continue;
        seen.set(config.kind, (seen.get(config.kind) ?? 0) + 1);
        for (const path of unknownFields(treeOf(config.kind), config.spec)) {
          unknown.push(`${relative(corpus, file)} ${config.kind}/${config.name}: ${path}`);
        }
      }
    }
    expect(unknown).toEqual([]);
    expect(Object.fromEntries(seen)).toEqual({ DestinationRule: 11, Gateway: 4, ServiceEntry: 1, VirtualService: 26 });
  });

  it('finds fields the models do not have (so the check above can fail)', () => {
    const [vs] = configsOf(
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata: {name: ratings}',
        'spec:',
        '  hosts: [ratings]',
        '  http:',
        '  - retry: {attempts: 3}', // the field is `retries`
        '    match: [{uri: {prefix: /v1}, headers: {end-user: {exact: jason, suffix: x}}}]',
        '    route: [{destination: {host: ratings, subset: v1, weight: 10}}]',
      ].join('\n'),
      'typo.yaml',
    );
    expect(unknownFields(treeOf('VirtualService'), vs.spec)).toEqual([
      'spec.http[0].retry',
      'spec.http[0].match[0].headers["end-user"].suffix',
      'spec.http[0].route[0].destination.weight',
    ]);
  });

  it('covers the fields of a full-featured configuration of each kind', () => {
    // Configuration in the style of Istio's reference examples, one field or more of every area.
    const text = readFileSync(join(process.cwd(), 'libs/config-model/testdata/all-kinds.yaml'), 'utf8');
    const configs = configsOf(text, 'all-kinds.yaml');
    expect(new Set(configs.map((c) => c.kind)).size).toBe(11);
    const unknown = configs.flatMap((config) =>
      isIstioKind(config.kind)
        ? unknownFields(treeOf(config.kind), config.spec).map((p) => `${config.kind}: ${p}`)
        : [],
    );
    expect(unknown).toEqual([]);
  });
});

describe('typed reads of Bookinfo', () => {
  it('reads DestinationRule subsets through DestinationRuleSpec', () => {
    const rules = load('bookinfo/networking/destination-rule-all.yaml').filter((c) =>
      isConfigOfKind(c, 'DestinationRule'),
    ) as Config<SpecOf<'DestinationRule'>>[];
    const reviews = rules.find((rule) => rule.name === 'reviews');
    expect(reviews?.spec.subsets?.map((subset) => [subset.name, subset.labels?.version])).toEqual([
      ['v1', 'v1'],
      ['v2', 'v2'],
      ['v3', 'v3'],
    ]);
    expect(rules.map((rule) => resolveShortName(rule.spec.host, rule.namespace))).toEqual([
      'productpage.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
      'ratings.default.svc.cluster.local',
      'details.default.svc.cluster.local',
    ]);
  });

  it('reads VirtualService route weights through VirtualServiceSpec', () => {
    const [vs] = load('bookinfo/networking/virtual-service-reviews-80-20.yaml');
    if (!isConfigOfKind(vs, 'VirtualService')) throw new Error(`expected a VirtualService, got ${vs.kind}`);
    const routes = vs.spec.http?.[0].route ?? [];
    expect(routes.map((r) => [r.destination.host, r.destination.subset, r.weight])).toEqual([
      ['reviews', 'v1', 80],
      ['reviews', 'v2', 20],
    ]);
    expect(routes.reduce((sum, r) => sum + (r.weight ?? 0), 0)).toBe(100);
  });

  it('reads the Gateway server and the bound VirtualService', () => {
    const [gateway, vs] = load('bookinfo/networking/bookinfo-gateway.yaml');
    if (!isConfigOfKind(gateway, 'Gateway') || !isConfigOfKind(vs, 'VirtualService')) throw new Error('kinds');
    const server = gateway.spec.servers?.[0];
    expect([server?.port.number, server?.port.protocol, server?.hosts]).toEqual([8080, 'HTTP', ['*']]);
    expect(gateway.spec.selector).toEqual({ istio: 'ingressgateway' });
    expect(vs.spec.gateways).toEqual(['bookinfo-gateway']);
    expect(vs.spec.http?.[0].match?.map((m) => m.uri?.exact ?? `${m.uri?.prefix}*`)).toEqual([
      '/productpage',
      '/static*',
      '/login',
      '/logout',
      '/api/v1/products*',
    ]);
    expect(vs.spec.http?.[0].route?.[0].destination.port?.number).toBe(9080);
  });

  it('reads fault injection and a Service spec', () => {
    const [vs] = load('bookinfo/networking/virtual-service-ratings-test-delay.yaml');
    if (!isConfigOfKind(vs, 'VirtualService')) throw new Error('kind');
    const delayed = vs.spec.http?.[0];
    expect(delayed?.fault?.delay?.fixedDelay).toBe('7s');
    expect(delayed?.fault?.delay?.percentage?.value).toBe(100);
    expect(delayed?.match?.[0].headers?.['end-user']).toEqual({ exact: 'jason' });

    const services = load('bookinfo/platform/kube/bookinfo.yaml').filter((c) => isConfigOfKind(c, 'Service'));
    const reviews = services.find((s) => s.name === 'reviews') as Config<SpecOf<'Service'>>;
    expect(reviews.spec.ports).toEqual([{ port: 9080, name: 'http' }]);
    expect(reviews.spec.selector).toEqual({ app: 'reviews' });
  });

  it('narrows by kind only', () => {
    const [dr] = load('bookinfo/networking/destination-rule-reviews.yaml');
    expect(isConfigOfKind(dr, 'DestinationRule')).toBe(true);
    expect(isConfigOfKind(dr, 'VirtualService')).toBe(false);
  });
});
