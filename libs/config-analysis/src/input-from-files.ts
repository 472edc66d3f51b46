/**
 * Building the analysis input from files: every manifest becomes a Config (remembering its
 * manifest, so messages can point at the line of a field), or an IST0106 message when it cannot
 * (no kind, no name, an unknown Istio kind...). Workload controllers (Deployment, StatefulSet, ...)
 * contribute their pod template as a workload; other kinds the mesh does not read (ServiceAccount,
 * ...) are counted and left out. When two manifests define the same object the later one wins, as
 * when the files are applied in order. Reading the files is the caller's job: this stays pure.
 */
import {
  configFromManifest,
  configKey,
  lookupSchema,
  parseManifests,
  splitApiVersion,
  type Config,
  type Manifest,
  type ManifestParseError,
} from '@mesh/config-model';
import type { AnalysisInput } from './analyze';
import { schemaMessage } from './analyzers/schema-validation';
import type { Message } from './message';
import { SchemaValidationError } from './message-types';
import { workloadOfController, type Workload } from './workloads';

export interface SourceFile {
  /** The name messages use, e.g. the path as given on the command line. */
  readonly file: string;
  readonly text: string;
}

export interface FileInputOptions {
  /** Namespace of objects that name none (default `default`). */
  readonly defaultNamespace?: string;
}

export interface FileInput extends AnalysisInput {
  /** YAML that could not be parsed; the rest of the file is still read. */
  readonly parseErrors: readonly ManifestParseError[];
  /** Objects of kinds the mesh does not read, by kind (e.g. `{ServiceAccount: 4}`). */
  readonly ignored: Readonly<Record<string, number>>;
}

export function analysisInputFromFiles(files: readonly SourceFile[], options: FileInputOptions = {}): FileInput {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const configs = new Map<string, Config>();
  const manifests = new WeakMap<Config, Manifest>();
  const podTemplates: Workload[] = [];
  const messages: Message[] = [];
  const parseErrors: ManifestParseError[] = [];
  const ignored: Record<string, number> = {};

  for (const { file, text } of files) {
    const parsed = parseManifests(text, file);
    parseErrors.push(...parsed.errors);
    for (const manifest of parsed.manifests) {
      const { apiVersion, kind } = manifest.object;
      if (typeof apiVersion === 'string' && typeof kind === 'string' && !isKindReadByTheMesh(apiVersion, kind)) {
        const workload = workloadOfController(manifest.object, manifest.source, defaultNamespace);
        if (workload) podTemplates.push(workload);
        else ignored[kind] = (ignored[kind] ?? 0) + 1;
        continue;
      }
      const result = configFromManifest(manifest, { defaultNamespace });
      if (!result.ok) {
        for (const issue of result.issues) {
          messages.push(
            schemaMessage(SchemaValidationError, issue, { resource: unnamed(manifest), source: manifest.source }),
          );
        }
        continue;
      }
      const key = configKey(result.config);
      configs.delete(key); // re-inserted at the end: the later definition wins and keeps file order
      configs.set(key, result.config);
      manifests.set(result.config, manifest);
    }
  }
  return {
    configs: [...configs.values()],
    podTemplates,
    lineOf: (config, path) => manifests.get(config)?.lineOf(path),
    messages,
    parseErrors,
    ignored,
  };
}

/**
 * False for kinds outside Istio's API groups that the schema registry does not know (Deployment,
 * ServiceAccount...): the mesh ignores them. An unknown kind in an Istio group (EnvoyFilter) is
 * "read", so that it is reported rather than silently ignored.
 */
export function isKindReadByTheMesh(apiVersion: string, kind: string): boolean {
  const lookup = lookupSchema(apiVersion, kind);
  if (lookup.ok || lookup.reason !== 'unknown-kind') return true;
  const { group } = splitApiVersion(apiVersion);
  return group === 'istio.io' || group.endsWith('.istio.io');
}

/** The resource a manifest names, as well as it can be told (for messages about unreadable ones). */
function unnamed(manifest: Manifest): { kind: string; namespace: string; name: string } {
  const { kind, metadata } = manifest.object;
  const meta = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
  return {
    kind: typeof kind === 'string' ? kind : '<unknown kind>',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : '',
    name: typeof meta.name === 'string' ? meta.name : '<unnamed>',
  };
}
