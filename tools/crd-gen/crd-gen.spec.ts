/**
 * The committed CRDs and webhook configuration in deploy/ are what the generator writes, agree
 * with the schema registry of @mesh/config-model, are structural, and accept every Istio object
 * of the sample corpus and of the documentation-shaped examples in testdata/.
 */
import { isIstioKind, lookupSchema, parseManifests, schemas, type Manifest } from '@mesh/config-model';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { check, resolveConfig } from 'prettier';
import { parse } from 'yaml';
import { staleFiles } from './generate.ts';
import type { SchemaNode } from './openapi.ts';
import { renderDeployFiles } from './render.ts';
import { structuralProblems, valueProblems } from './structural.ts';

const root = process.cwd();
const corpus = join(root, '..', 'shared', 'istio-corpus', 'samples');
const examples = join(root, 'tools', 'crd-gen', 'testdata', 'istio-doc-examples.yaml');

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: object };
  schema: { openAPIV3Schema: SchemaNode };
}

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames?: string[]; categories: string[] };
    versions: CrdVersion[];
  };
}

/** The committed CRDs, read as the API server would read them. */
function committedCrds(): Crd[] {
  const dir = join(root, 'deploy', 'crds');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => parse(readFileSync(join(dir, name), 'utf8')) as Crd);
}

const istioSchemas = schemas.filter((s) => s.istio);

function crdOf(crds: Crd[], group: string, kind: string): Crd | undefined {
  return crds.find((c) => c.spec.group === group && c.spec.names.kind === kind);
}

/** Problems the API server would report for one manifest, or a note that no CRD serves it. */
function admissionProblems(crds: Crd[], object: Record<string, unknown>): string[] {
  const lookup = lookupSchema(String(object.apiVersion), String(object.kind));
  if (!lookup.ok) return [lookup.message];
  const crd = crdOf(crds, lookup.schema.group, lookup.schema.kind);
  const version = crd?.spec.versions.find((v) => v.name === lookup.version && v.served);
  if (!version) return [`no CRD serves ${String(object.apiVersion)} ${String(object.kind)}`];
  return valueProblems(object, version.schema.openAPIV3Schema);
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

function istioManifests(files: string[]): Manifest[] {
  return files.flatMap((file) => {
    const { manifests, errors } = parseManifests(readFileSync(file, 'utf8'), file);
    expect(errors).toEqual([]);
    return manifests.filter((m) => typeof m.object.kind === 'string' && isIstioKind(m.object.kind));
  });
}

describe('generated deploy manifests', () => {
  it('are committed exactly as the generator writes them', () => {
    expect(staleFiles(root, renderDeployFiles())).toEqual([]);
  });

  it('are left unchanged by prettier (npm run format)', async () => {
    for (const [path, text] of renderDeployFiles()) {
      const filepath = join(root, path);
      expect([path, await check(text, { ...(await resolveConfig(filepath)), filepath })]).toEqual([path, true]);
    }
  });

  it('report a changed or extra file as stale', () => {
    const files = renderDeployFiles();
    const [first] = files.keys();
    files.set(first, `${files.get(first)}# edited\n`);
    files.delete('deploy/validating-webhook.yaml');
    const removed = [...renderDeployFiles().keys()].find((p) => p.startsWith('deploy/crds/') && p !== first)!;
    files.delete(removed);
    expect(staleFiles(root, files).sort()).toEqual([first, removed].sort());
  });
});

describe('CRDs', () => {
  const crds = committedCrds();

  it('exist for exactly the Istio kinds of the registry, with its group, plural and versions', () => {
    const fromCrds = crds.map((c) => [
      c.spec.names.kind,
      c.spec.group,
      c.spec.names.plural,
      c.spec.versions.map((v) => v.name),
    ]);
    const fromRegistry = istioSchemas.map((s) => [s.kind, s.group, s.plural, [...s.versions]]);
    expect(fromCrds.sort()).toEqual(fromRegistry.sort());
    for (const crd of crds) expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.${crd.spec.group}`);
  });

  it('serve every version, store the first and have the status subresource', () => {
    for (const crd of crds) {
      const registry = istioSchemas.find((s) => s.kind === crd.spec.names.kind)!;
      expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual(
        registry.versions.map((name, index) => [name, true, index === 0]),
      );
      for (const version of crd.spec.versions) expect(version.subresources).toEqual({ status: {} });
      expect(crd.spec.scope).toBe('Namespaced');
    }
  });

  it('use the names Istio uses', () => {
    const names = Object.fromEntries(crds.map((c) => [c.spec.names.kind, c.spec.names]));
    expect(names.VirtualService.shortNames).toEqual(['vs']);
    expect(names.DestinationRule.shortNames).toEqual(['dr']);
    expect(names.Gateway.shortNames).toEqual(['gw']);
    expect(names.ServiceEntry.shortNames).toEqual(['se']);
    expect(names.Sidecar.shortNames).toBeUndefined();
    expect(names.AuthorizationPolicy.shortNames).toEqual(['ap']);
    expect(names.VirtualService.categories).toEqual(['istio-io', 'networking-istio-io']);
    expect(names.PeerAuthentication.categories).toEqual(['istio-io', 'security-istio-io']);
    expect(names.Telemetry.categories).toEqual(['istio-io', 'telemetry-istio-io']);
    for (const crd of crds) expect(crd.spec.names.singular).toBe(crd.spec.names.kind.toLowerCase());
  });

  it('have structural schemas', () => {
    for (const crd of crds) {
      for (const version of crd.spec.versions) {
        expect([crd.metadata.name, version.name, structuralProblems(version.schema.openAPIV3Schema)]).toEqual([
          crd.metadata.name,
          version.name,
          [],
        ]);
      }
    }
  });

  it('mark int-or-string fields and keep status open to other controllers', () => {
    const status = crds[0].spec.versions[0].schema.openAPIV3Schema.properties!.status;
    expect(status['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(status.properties!.observedGeneration).toEqual({
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
  });

  it('accept every Istio object of the sample corpus', () => {
    const manifests = istioManifests(yamlFilesUnder(corpus));
    expect(manifests.length).toBeGreaterThanOrEqual(40);
    const problems = manifests.flatMap((m) =>
      admissionProblems(crds, m.object).map((p) => `${m.source.file}:${m.source.line}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('accept the documentation-shaped examples of every kind', () => {
    const manifests = istioManifests([examples]);
    expect(new Set(manifests.map((m) => m.object.kind)).size).toBe(istioSchemas.length);
    const problems = manifests.flatMap((m) =>
      admissionProblems(crds, m.object).map((p) => `${m.source.file}:${m.source.line}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('refuse what the API server refuses, naming the field', () => {
    const vs = (spec: Record<string, unknown>) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews' },
      spec,
    });
    const route = (destination: unknown, weight: unknown) => ({ http: [{ route: [{ destination, weight }] }] });
    expect(admissionProblems(crds, vs(route({ host: 'reviews' }, '80')))).toEqual([
      'spec.http[0].route[0].weight: must be an integer (got string "80")',
    ]);
    expect(admissionProblems(crds, vs(route({ subset: 'v1' }, 80)))).toEqual([
      'spec.http[0].route[0].destination.host: required field is missing',
    ]);
    expect(admissionProblems(crds, vs({ hosts: 'reviews', htp: [] }))).toEqual([
      'spec.hosts: must be a list (got string "reviews")',
      'spec.htp: unknown field',
    ]);
    const dr = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: 'r' },
      spec: { host: 'r', trafficPolicy: { tls: { mode: 'STRICT' } }, subsets: [{ labels: { version: 'v1' } }] },
    };
    expect(admissionProblems(crds, dr).sort()).toEqual([
      'spec.subsets[0].name: required field is missing',
      'spec.trafficPolicy.tls.mode: unsupported value "STRICT": supported values are "DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"',
    ]);
    const se = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 's' } };
    expect(admissionProblems(crds, se)).toEqual(['spec: required field is missing']);
    // Nulls of non-nullable fields are pruned before validation: a null weight is no weight.
    expect(admissionProblems(crds, { ...se, spec: null })).toEqual(['spec: required field is missing']);
    expect(admissionProblems(crds, vs(route({ host: 'reviews' }, null)))).toEqual([]);
    const status = { ...vs({}), status: { observedGeneration: '3', custom: { anything: [1] } } };
    expect(admissionProblems(crds, status)).toEqual([]);
    expect(admissionProblems(crds, { ...status, status: { observedGeneration: true } })).toEqual([
      'status.observedGeneration: must be an integer or a string',
    ]);
  });
});

describe('structuralProblems', () => {
  it('finds what makes a schema non-structural', () => {
    const schema = {
      type: 'object',
      properties: {
        untyped: { properties: {} },
        both: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
        list: { type: 'array' },
        empty: { type: 'object' },
        typedIntOrString: { type: 'string', 'x-kubernetes-int-or-string': true },
        ref: { $ref: '#/definitions/x', type: 'string' },
        missing: { type: 'object', properties: { a: { type: 'string' } }, required: ['b'] },
      },
    };
    expect(structuralProblems(schema)).toEqual([
      'openAPIV3Schema.properties.untyped: every node needs a type (got undefined)',
      'openAPIV3Schema.properties.both: properties and additionalProperties are mutually exclusive',
      'openAPIV3Schema.properties.list: an array needs one items schema',
      'openAPIV3Schema.properties.empty: an object must declare properties, additionalProperties or preserve unknown fields',
      'openAPIV3Schema.properties.typedIntOrString: an int-or-string node must not have a type',
      'openAPIV3Schema.properties.ref: unsupported keyword "$ref"',
      'openAPIV3Schema.properties.missing: required field "b" is not a property',
    ]);
  });
});

describe('validating webhook configuration', () => {
  const config = parse(readFileSync(join(root, 'deploy', 'validating-webhook.yaml'), 'utf8')) as {
    metadata: { name: string };
    webhooks: Array<{
      name: string;
      clientConfig: { service: Record<string, unknown>; caBundle?: string };
      rules: Array<{ operations: string[]; apiGroups: string[]; apiVersions: string[]; resources: string[] }>;
      failurePolicy: string;
      sideEffects: string;
      admissionReviewVersions: string[];
    }>;
  };

  it('sends creates and updates of every Istio kind to istiod /validate', () => {
    expect(config.metadata.name).toBe('istio-validator-istio-system');
    const [webhook] = config.webhooks;
    expect(webhook.clientConfig).toEqual({
      service: { name: 'istiod', namespace: 'istio-system', path: '/validate', port: 443 },
    });
    expect(webhook).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'] });
    const covered = webhook.rules.flatMap((rule) => {
      expect(rule.operations).toEqual(['CREATE', 'UPDATE']);
      return rule.apiGroups.flatMap((group) =>
        rule.resources.flatMap((resource) => rule.apiVersions.map((version) => `${group}/${version}/${resource}`)),
      );
    });
    const expected = istioSchemas.flatMap((s) => s.versions.map((v) => `${s.group}/${v}/${s.plural}`));
    expect(covered.sort()).toEqual(expected.sort());
  });
});
