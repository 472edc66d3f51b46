/**
 * Test scenarios for the generators: Istio YAML in (Istio's own samples from the shared corpus,
 * read in place, plus files under libs/pilot/testdata), a PushContext and proxies out, built with
 * mesh-model's real builders. For specs only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  configFromManifest,
  defaultMeshConfig,
  formatIssue,
  parseManifests,
  schemas,
  type Config,
  type MeshConfig,
} from '@mesh/config-model';
import { ConfigSnapshot, proxyFromNode, PushContext, ServiceRegistry, type Proxy } from '@mesh/mesh-model';

/** Istio's samples, from the repository root (where Jest runs). */
export const CORPUS_SAMPLES = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples');
export const PILOT_TESTDATA = join(process.cwd(), 'libs', 'pilot', 'testdata');

const knownKinds = new Set<string>(schemas.map((schema) => schema.kind));

/** Every object of a kind the mesh reads (Deployments and ServiceAccounts are skipped); throws on envelope errors. */
export function configsFromYaml(text: string, file: string, defaultNamespace = 'default'): Config[] {
  const { manifests, errors } = parseManifests(text, file);
  if (errors.length > 0)
    throw new Error(errors.map((e) => `${e.source.file}:${e.source.line}: ${e.message}`).join('\n'));
  const out: Config[] = [];
  for (const manifest of manifests) {
    if (!knownKinds.has(String(manifest.object.kind))) continue;
    const result = configFromManifest(manifest, { defaultNamespace });
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    out.push(result.config);
  }
  return out;
}

export interface ScenarioSources {
  /** Paths under the corpus samples, e.g. `bookinfo/platform/kube/bookinfo.yaml`. */
  readonly corpus?: readonly string[];
  /** Files under libs/pilot/testdata. */
  readonly testdata?: readonly string[];
  /** YAML text written in the spec itself. */
  readonly inline?: readonly string[];
  readonly mesh?: Partial<MeshConfig>;
}

export interface Scenario {
  readonly configs: readonly Config[];
  readonly push: PushContext;
}

export function loadScenario(sources: ScenarioSources): Scenario {
  const configs = [
    ...(sources.corpus ?? []).flatMap((path) =>
      configsFromYaml(readFileSync(join(CORPUS_SAMPLES, path), 'utf8'), path),
    ),
    ...(sources.testdata ?? []).flatMap((path) =>
      configsFromYaml(readFileSync(join(PILOT_TESTDATA, path), 'utf8'), path),
    ),
    ...(sources.inline ?? []).flatMap((text, i) => configsFromYaml(text, `inline-${i}.yaml`)),
  ];
  const snapshot = new ConfigSnapshot(configs);
  const registry = ServiceRegistry.fromSnapshot(snapshot);
  const mesh: MeshConfig = { ...defaultMeshConfig(), ...sources.mesh };
  const push = PushContext.build({ config: snapshot, discovery: registry, mesh, version: 'test' });
  return { configs, push };
}

export interface ProxyOptions {
  readonly type?: 'sidecar' | 'router';
  readonly labels?: Record<string, string>;
  readonly generator?: 'grpc';
  readonly metadata?: Record<string, unknown>;
}

/** A proxy as its xDS node announces itself: `<type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`. */
export function proxyOf(namespace: string, pod: string, ip: string, options: ProxyOptions = {}): Proxy {
  const type = options.type ?? 'sidecar';
  return proxyFromNode(`${type}~${ip}~${pod}.${namespace}~${namespace}.svc.cluster.local`, {
    LABELS: options.labels ?? {},
    ...(options.generator ? { GENERATOR: options.generator } : {}),
    ...options.metadata,
  });
}
