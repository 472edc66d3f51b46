/**
 * Test helpers: configs from YAML (Istio's samples in ../shared/istio-corpus, or inline text) and
 * small builders for the objects specs need.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  configFromManifest,
  formatIssue,
  parseManifests,
  schemas,
  type Config,
  type ConfigOfKind,
  type Kind,
  type SpecOf,
} from '@mesh/config-model';

/** Istio's samples, from the repository root (where Jest runs). */
export const corpus = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples');

const knownKinds = new Set<string>(schemas.map((schema) => schema.kind));

/**
 * Every object of a known kind in the YAML text (Deployments, ServiceAccounts and other kinds the
 * mesh does not read are skipped); throws on any envelope error so a broken fixture is loud.
 */
export function configsFromYaml(text: string, file = 'inline.yaml', defaultNamespace = 'default'): Config[] {
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

/** Configs from a file under the corpus samples, e.g. `bookinfo/platform/kube/bookinfo.yaml`. */
export function corpusConfigs(relativePath: string, defaultNamespace = 'default'): Config[] {
  return configsFromYaml(readFileSync(join(corpus, relativePath), 'utf8'), relativePath, defaultNamespace);
}

let version = 0;

export interface MetaOverrides {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly creationTimestamp?: string;
  readonly extra?: Record<string, unknown>;
}

/** A typed config of a kind; groups and versions are not looked at by the mesh model. */
export function make<K extends Kind>(
  kind: K,
  namespace: string,
  name: string,
  spec: SpecOf<K>,
  meta: MetaOverrides = {},
): ConfigOfKind<K> {
  const schema = schemas.find((s) => s.kind === kind)!;
  return {
    kind,
    group: schema.group,
    version: schema.versions[0],
    name,
    namespace: schema.namespaced ? namespace : '',
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    resourceVersion: String(++version),
    ...(meta.creationTimestamp ? { creationTimestamp: meta.creationTimestamp } : {}),
    ...(meta.extra ? { extra: meta.extra } : {}),
    spec,
  };
}

/** A running, Ready pod with an IP. */
export function pod(
  namespace: string,
  name: string,
  ip: string,
  labels: Record<string, string>,
  options: { serviceAccount?: string; ready?: boolean; nodeName?: string } = {},
): ConfigOfKind<'Pod'> {
  const ready = options.ready ?? true;
  return make(
    'Pod',
    namespace,
    name,
    {
      serviceAccountName: options.serviceAccount,
      containers: [{ name: 'app' }],
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
    },
    {
      labels,
      extra: {
        status: {
          podIP: ip,
          phase: 'Running',
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        },
      },
    },
  );
}

export interface SliceEndpointInput {
  readonly ip: string;
  readonly pod?: string;
  readonly zone?: string;
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
}

/** A Node with its labels (the only part of a Node the mesh keeps). */
export function node(name: string, labels: Record<string, string>): ConfigOfKind<'Node'> {
  return make('Node', '', name, {}, { labels });
}

/** An EndpointSlice of a Service with named ports. */
export function endpointSlice(
  namespace: string,
  name: string,
  serviceName: string,
  ports: { name: string; port: number }[],
  endpoints: SliceEndpointInput[],
  addressType: 'IPv4' | 'IPv6' | 'FQDN' = 'IPv4',
): Config {
  return make(
    'EndpointSlice',
    namespace,
    name,
    {},
    {
      labels: { 'kubernetes.io/service-name': serviceName },
      extra: {
        addressType,
        ports,
        endpoints: endpoints.map((e) => ({
          addresses: [e.ip],
          conditions: {
            ...(e.ready === undefined ? {} : { ready: e.ready }),
            ...(e.serving === undefined ? {} : { serving: e.serving }),
            ...(e.terminating === undefined ? {} : { terminating: e.terminating }),
          },
          ...(e.zone ? { zone: e.zone } : {}),
          ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace } } : {}),
        })),
      },
    },
  );
}
