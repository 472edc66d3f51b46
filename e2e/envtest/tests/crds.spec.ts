/**
 * The CRDs of deploy/crds against a real kube-apiserver: accepted, Established and served; every
 * Istio object of Istio's own samples stored under fieldValidation=Strict and read back unchanged
 * (so the schemas neither reject nor prune real-world config); unknown fields and wrong types
 * refused with the field named.
 */
import { CustomObjectsApi, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { lookupSchema, parseManifests, schemas, splitApiVersion, type Schema } from '@mesh/config-model';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { applyCrds, readCrds } from '../harness/crds';
import { Envtest, workspaceRoot } from '../harness/envtest';
import { createNamespace, expectApiError, isApiError, statusMessage, warningTexts } from '../harness/kube';

const samplesDir = join(workspaceRoot, '..', 'shared', 'istio-corpus', 'samples');

let envtest: Envtest;
let custom: CustomObjectsApi;
/** What the API server answered for each CRD once it was Established and served (applyCrds waits for both). */
let applied: V1CustomResourceDefinition[];

beforeAll(async () => {
  envtest = await Envtest.start();
  custom = envtest.kubeConfig.makeApiClient(CustomObjectsApi);
  applied = await applyCrds(envtest.kubeConfig);
});

afterAll(async () => {
  await envtest?.stop();
});

describe('deploy/crds', () => {
  it('are all accepted, Established, structural and served at every version', async () => {
    const files = readdirSync(join(workspaceRoot, 'deploy', 'crds')).filter((f) => f.endsWith('.yaml'));
    const crds = readCrds();
    expect(crds.map((c) => relative(join(workspaceRoot, 'deploy', 'crds'), c.file)).sort()).toEqual(files.sort());
    expect(applied.map((crd) => crd.metadata?.name)).toEqual(crds.map((c) => c.crd.metadata?.name));
    for (const crd of applied) {
      const conditions = Object.fromEntries((crd.status?.conditions ?? []).map((c) => [c.type, c.status]));
      expect({ name: crd.metadata?.name, ...conditions }).toEqual({
        name: crd.metadata?.name,
        NamesAccepted: 'True',
        Established: 'True',
      });
    }
  });

  it('cover every Istio kind of the schema registry, with its group, plural and versions', async () => {
    const served = new Map(
      readCrds().map(({ crd }) => [
        `${crd.spec.group}/${crd.spec.names.kind}`,
        {
          plural: crd.spec.names.plural,
          versions: crd.spec.versions.filter((v) => v.served).map((v) => v.name),
          storage: crd.spec.versions.find((v) => v.storage)?.name,
          scope: crd.spec.scope,
        },
      ]),
    );
    const istioSchemas = schemas.filter((s) => s.istio);
    expect(istioSchemas.length).toBeGreaterThan(0);
    for (const schema of istioSchemas) {
      expect({ kind: schema.kind, crd: served.get(`${schema.group}/${schema.kind}`) }).toEqual({
        kind: schema.kind,
        crd: {
          plural: schema.plural,
          versions: [...schema.versions],
          storage: schema.versions[0],
          scope: 'Namespaced',
        },
      });
    }
  });
});

interface SampleObject {
  readonly where: string;
  readonly schema: Schema;
  readonly version: string;
  readonly object: Record<string, unknown>;
}

/** The Istio objects of every YAML file under the samples (Deployments, Services... left out). */
function istioSamples(): Array<{ file: string; objects: SampleObject[] }> {
  const out: Array<{ file: string; objects: SampleObject[] }> = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) {
        const file = relative(samplesDir, path);
        const parsed = parseManifests(readFileSync(path, 'utf8'), file);
        if (parsed.errors.length > 0) throw new Error(`${file}: ${parsed.errors[0]!.message}`);
        const objects: SampleObject[] = [];
        for (const { object, source } of parsed.manifests) {
          const lookup = lookupSchema(String(object.apiVersion), String(object.kind));
          if (!lookup.ok || !lookup.schema.istio) continue;
          objects.push({
            where: `${source.file}:${source.line}`,
            schema: lookup.schema,
            version: lookup.version,
            object,
          });
        }
        if (objects.length > 0) out.push({ file, objects });
      }
    }
  };
  walk(samplesDir);
  return out;
}

/** JSON with object keys sorted: the API server stores maps with their keys in order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

describe('Istio samples', () => {
  it('every Istio object is accepted with fieldValidation=Strict and reads back with the same spec', async () => {
    const files = istioSamples();
    const objects = files.flatMap((f) => f.objects);
    // The corpus has 42 Istio objects; a walk that finds few means the path is wrong, not success.
    expect(objects.length).toBeGreaterThan(30);

    const failures: string[] = [];
    let stored = 0;
    for (const [index, { objects: fileObjects }] of files.entries()) {
      // One namespace per file: the samples reuse names (several files define VirtualService reviews).
      const namespace = `samples-${index}`;
      await createNamespace(envtest.kubeConfig, namespace);
      for (const { where, schema, version, object } of fileObjects) {
        const metadata = object.metadata as { name: string };
        const body = { ...object, metadata: { ...metadata, namespace } };
        const target = { group: schema.group, version, namespace, plural: schema.plural };
        try {
          await custom.createNamespacedCustomObject({ ...target, body, fieldValidation: 'Strict' });
          const back = (await custom.getNamespacedCustomObject({ ...target, name: metadata.name })) as {
            spec?: unknown;
          };
          stored++;
          if (canonicalJson(back.spec) !== canonicalJson(object.spec)) {
            failures.push(`${where}: spec changed on the way through the API server: ${JSON.stringify(back.spec)}`);
          }
        } catch (error) {
          failures.push(`${where}: ${isApiError(error) ? statusMessage(error) : String(error)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(stored).toBe(objects.length);
  });
});

describe('schema validation', () => {
  const target = { group: 'networking.istio.io', version: 'v1', namespace: 'schema', plural: 'virtualservices' };
  const virtualService = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'schema' },
    spec,
  });
  const route = { destination: { host: 'reviews' } };

  beforeAll(async () => {
    await createNamespace(envtest.kubeConfig, 'schema');
  });

  it('refuses unknown fields under fieldValidation=Strict, naming them', async () => {
    const body = virtualService('unknown-fields', {
      hosts: ['reviews'],
      colour: 'blue',
      http: [{ route: [{ destination: { host: 'reviews', subsett: 'v1' } }] }],
    });
    const error = await expectApiError(() =>
      custom.createNamespacedCustomObject({ ...target, body, fieldValidation: 'Strict' }),
    );
    expect(error.code).toBe(400);
    expect(error.message).toContain('unknown field "spec.colour"');
    expect(error.message).toContain('unknown field "spec.http[0].route[0].destination.subsett"');
  });

  it('without Strict, prunes the unknown field and says so in a Warning header', async () => {
    const body = virtualService('pruned', { hosts: ['reviews'], colour: 'blue', http: [{ route: [route] }] });
    const response = await custom.createNamespacedCustomObjectWithHttpInfo({
      ...target,
      body,
      fieldValidation: 'Warn',
    });
    expect(response.httpStatusCode).toBe(201);
    expect(warningTexts(response.headers['warning'])).toEqual(['unknown field "spec.colour"']);
    const back = (await custom.getNamespacedCustomObject({ ...target, name: 'pruned' })) as { spec: unknown };
    expect(back.spec).toEqual({ hosts: ['reviews'], http: [{ route: [route] }] });
  });

  it('refuses a value of the wrong type, naming the field', async () => {
    const body = virtualService('wrong-type', {
      hosts: ['reviews'],
      http: [{ route: [{ ...route, weight: 'half' }] }],
    });
    const error = await expectApiError(() =>
      custom.createNamespacedCustomObject({ ...target, body, fieldValidation: 'Strict' }),
    );
    expect(error.code).toBe(422);
    expect(error.message).toContain('spec.http[0].route[0].weight');
  });

  it('serves the same object at every version (v1, v1beta1, v1alpha3)', async () => {
    const body = virtualService('versions', { hosts: ['ratings'], http: [{ route: [route] }] });
    await custom.createNamespacedCustomObject({ ...target, body, fieldValidation: 'Strict' });
    for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
      const back = (await custom.getNamespacedCustomObject({ ...target, version, name: 'versions' })) as {
        apiVersion: string;
        spec: unknown;
      };
      expect({ version: splitApiVersion(back.apiVersion).version, spec: back.spec }).toEqual({
        version,
        spec: body.spec,
      });
    }
  });
});
