/**
 * One file of the config directory as definitions: each document becomes a candidate Config
 * (or a refusal) keyed by kind/namespace/name, with a resourceVersion that changes only when the
 * document's content does. Pure: text in, definitions out.
 */
import {
  configFromManifest,
  configKey,
  lookupSchema,
  parseManifests,
  schemas,
  splitApiVersion,
  type Config,
  type ConfigIssue,
  type Kind,
  type Manifest,
  type ResourceRef,
} from '@mesh/config-model';
import type { FieldLocator, Refusal } from '../collection';

export interface Definition {
  readonly key: string;
  readonly ref: ResourceRef & { readonly kind: Kind };
  /** The file as shown in messages. */
  readonly file: string;
  readonly line: number;
  /** The document's content; equal fingerprints mean an unchanged document. */
  readonly fingerprint: string;
  readonly resourceVersion: string;
  /** Set when the document is a valid envelope; otherwise `issues` says why it is refused. */
  readonly config?: Config;
  readonly issues?: readonly ConfigIssue[];
}

export interface FileDefinitions {
  readonly definitions: ReadonlyMap<string, Definition>;
  /** Problems not tied to one object: unparseable documents, documents without a usable identity. */
  readonly refusals: readonly Refusal[];
  /** Documents skipped because the mesh does not read their kind, by kind. */
  readonly ignored: Readonly<Record<string, number>>;
}

export interface ReadContext {
  /** The file as shown in messages. */
  readonly file: string;
  readonly defaultNamespace: string;
  /** What this file defined before, to keep resourceVersions of unchanged documents. */
  readonly previous?: FileDefinitions;
  /** Hands out a new resourceVersion. */
  readonly nextVersion: () => string;
}

export interface ReadResult extends FileDefinitions {
  /** Field-line lookups for this read's new documents; dropped after validation to free the parse trees. */
  readonly locators: ReadonlyMap<string, FieldLocator>;
}

const knownKinds = new Map<string, (typeof schemas)[number]>(schemas.map((s) => [s.kind, s]));
/** API groups the mesh reads Istio kinds from: an unknown kind there is a mistake, not someone else's object. */
const meshGroups = new Set(schemas.filter((s) => s.istio).map((s) => s.group));

export function readFileDefinitions(text: string, context: ReadContext): ReadResult {
  const { manifests, errors } = parseManifests(text, context.file);
  const definitions = new Map<string, Definition>();
  const locators = new Map<string, FieldLocator>();
  const refusals: Refusal[] = [];
  const ignored: Record<string, number> = {};

  for (const manifest of manifests) {
    const ignoredKind = ignoredKindOf(manifest.object);
    if (ignoredKind !== undefined) {
      ignored[ignoredKind] = (ignored[ignoredKind] ?? 0) + 1;
      continue;
    }
    const definition = defineDocument(manifest, context);
    if (!definition) continue;
    if ('refusal' in definition) {
      refusals.push(definition.refusal);
      continue;
    }
    const first = definitions.get(definition.key);
    if (first) {
      refusals.push(duplicateInFile(definition, first));
      continue;
    }
    definitions.set(definition.key, definition);
    locators.set(definition.key, (path) => ({ file: context.file, line: manifest.lineOf(path) }));
  }

  if (errors.length > 0) {
    // The file may be half-written: a document we cannot parse may be an object we knew. Keep
    // what the file defined before for every key we did not see, until it parses again.
    let kept = 0;
    for (const [key, old] of context.previous?.definitions ?? []) {
      if (!definitions.has(key)) {
        definitions.set(key, old);
        kept++;
      }
    }
    const note = kept > 0 ? ` (keeping the last good version of ${kept} object(s) from this file until it parses)` : '';
    for (const error of errors) {
      refusals.push({ issues: [{ severity: 'error', path: [], message: error.message + note, source: error.source }] });
    }
  }
  return { definitions, refusals, ignored, locators };
}

/** What a file that cannot be read at all defines: what it defined before, plus the reason. */
export function unreadableFile(message: string, context: ReadContext): ReadResult {
  return {
    definitions: new Map(context.previous?.definitions ?? []),
    refusals: [{ issues: [{ severity: 'error', path: [], message, source: { file: context.file, line: 1 } }] }],
    ignored: context.previous?.ignored ?? {},
    locators: new Map(),
  };
}

function defineDocument(manifest: Manifest, context: ReadContext): Definition | { refusal: Refusal } | undefined {
  const fingerprint = JSON.stringify(manifest.object);
  const result = configFromManifest(manifest, { defaultNamespace: context.defaultNamespace });
  const ref = result.ok ? result.config : refOf(manifest.object, context.defaultNamespace);
  if (!ref) return result.ok ? undefined : { refusal: { issues: result.issues } };
  const key = configKey(ref);
  const before = context.previous?.definitions.get(key);
  const resourceVersion = before?.fingerprint === fingerprint ? before.resourceVersion : context.nextVersion();
  const common = {
    key,
    ref: { kind: ref.kind, namespace: ref.namespace, name: ref.name },
    file: context.file,
    line: manifest.source.line,
    fingerprint,
    resourceVersion,
  };
  return result.ok
    ? { ...common, config: { ...result.config, resourceVersion } }
    : { ...common, issues: result.issues };
}

/**
 * The kind of a document the mesh does not read (Deployment, a Knative Service...), or undefined
 * when the document is the mesh's business, including mistakes in it (no kind, a misspelled
 * Istio kind, an unknown version of a known kind).
 */
function ignoredKindOf(object: Record<string, unknown>): string | undefined {
  const { apiVersion, kind } = object;
  if (typeof kind !== 'string' || kind === '') return undefined;
  if (typeof apiVersion !== 'string' || apiVersion === '') return knownKinds.has(kind) ? undefined : kind;
  if (meshGroups.has(splitApiVersion(apiVersion).group)) return undefined;
  const lookup = lookupSchema(apiVersion, kind);
  return !lookup.ok && lookup.reason === 'unknown-kind' ? kind : undefined;
}

/** The identity of a document that failed the envelope checks, when it has a usable one. */
function refOf(object: Record<string, unknown>, defaultNamespace: string): (ResourceRef & { kind: Kind }) | undefined {
  const schema = typeof object.kind === 'string' ? knownKinds.get(object.kind) : undefined;
  const metadata = object.metadata;
  if (!schema || typeof metadata !== 'object' || metadata === null) return undefined;
  const { name, namespace } = metadata as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') return undefined;
  const ns = !schema.namespaced ? '' : typeof namespace === 'string' && namespace !== '' ? namespace : defaultNamespace;
  return { kind: schema.kind, namespace: ns, name };
}

function duplicateInFile(duplicate: Definition, first: Definition): Refusal {
  return {
    issues: [
      {
        severity: 'error',
        path: [],
        resource: duplicate.ref,
        source: { file: duplicate.file, line: duplicate.line },
        message: `defined twice in ${first.file} (lines ${first.line} and ${duplicate.line}); using the first one`,
      },
    ],
  };
}
