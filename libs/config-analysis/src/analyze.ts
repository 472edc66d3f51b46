/**
 * Runs the analyzers over one snapshot of configs. First every config is validated (IST0106 for
 * errors, IST0133 for warnings); invalid configs are then left out of the cross-resource checks,
 * as the control plane would refuse them too, so analyzers only ever read well-formed specs. Each
 * analyzer gets a context limited to the kinds it declares. An analyzer that throws does not stop
 * the others: its failure is reported as IST0001.
 */
import { configKey, type Config, type ConfigOfKind, type FieldPath, type Kind } from '@mesh/config-model';
import type { AnalysisContext, Analyzer } from './analyzer';
import { allAnalyzers } from './analyzers/all';
import { validateForAnalysis } from './analyzers/schema-validation';
import { sortMessages, type Message } from './message';
import { InternalError, type MessageType } from './message-types';
import { workloadOfPod, type Workload } from './workloads';

export interface AnalysisInput {
  readonly configs: readonly Config[];
  /** Pods-to-be of workload controllers read from files (Deployment templates, ...). */
  readonly podTemplates?: readonly Workload[];
  /** The line of a field of a config in its file, when the config came from one. */
  readonly lineOf?: (config: Config, path: FieldPath) => number | undefined;
  /** Messages found while building the input (objects that could not be read); reported as they are. */
  readonly messages?: readonly Message[];
}

export interface AnalyzeOptions {
  /** Default: every analyzer of this package. */
  readonly analyzers?: readonly Analyzer[];
  /** Default `istio-system`. */
  readonly rootNamespace?: string;
  /** Default `cluster.local`. */
  readonly domainSuffix?: string;
}

/** Every message about the input, sorted (most severe first) and without duplicates. */
export function analyze(input: AnalysisInput, options: AnalyzeOptions = {}): Message[] {
  const locate = input.lineOf ?? (() => undefined);
  const { valid, messages } = validateForAnalysis(input.configs, locate);
  const snapshot = new Snapshot(valid, input.podTemplates ?? []);
  const out: Message[] = [...(input.messages ?? []), ...messages];
  for (const analyzer of options.analyzers ?? allAnalyzers) {
    const context = new Context(analyzer, snapshot, locate, out, options);
    try {
      analyzer.analyze(context);
    } catch (error) {
      out.push({
        code: InternalError.code,
        name: InternalError.name,
        level: InternalError.level,
        message: InternalError.text(
          `analyzer ${analyzer.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
        documentationUrl: InternalError.documentationUrl,
      });
    }
  }
  return sortMessages(out);
}

/** The valid configs, indexed by kind and key. */
class Snapshot {
  private readonly byKind = new Map<Kind, Config[]>();
  private readonly byKey = new Map<string, Config>();
  private workloadList?: Workload[];

  constructor(
    configs: readonly Config[],
    private readonly podTemplates: readonly Workload[],
  ) {
    for (const config of configs) {
      const list = this.byKind.get(config.kind) ?? [];
      list.push(config);
      this.byKind.set(config.kind, list);
      this.byKey.set(configKey(config), config);
    }
    for (const list of this.byKind.values()) {
      list.sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
    }
  }

  list(kind: Kind): readonly Config[] {
    return this.byKind.get(kind) ?? [];
  }

  get(kind: Kind, namespace: string, name: string): Config | undefined {
    return this.byKey.get(configKey({ kind, namespace, name }));
  }

  workloads(): readonly Workload[] {
    this.workloadList ??= [...this.list('Pod').map(workloadOfPod), ...this.podTemplates];
    return this.workloadList;
  }
}

class Context implements AnalysisContext {
  readonly rootNamespace: string;
  readonly domainSuffix: string;
  private readonly allowed: ReadonlySet<Kind>;

  constructor(
    analyzer: Analyzer,
    private readonly snapshot: Snapshot,
    private readonly locate: (config: Config, path: FieldPath) => number | undefined,
    private readonly out: Message[],
    options: AnalyzeOptions,
  ) {
    this.allowed = new Set(analyzer.inputs);
    this.rootNamespace = options.rootNamespace ?? 'istio-system';
    this.domainSuffix = options.domainSuffix ?? 'cluster.local';
  }

  list<K extends Kind>(kind: K): readonly ConfigOfKind<K>[] {
    this.check(kind);
    return this.snapshot.list(kind) as readonly ConfigOfKind<K>[];
  }

  get<K extends Kind>(kind: K, namespace: string, name: string): ConfigOfKind<K> | undefined {
    this.check(kind);
    return this.snapshot.get(kind, namespace, name) as ConfigOfKind<K> | undefined;
  }

  workloads(): readonly Workload[] {
    this.check('Pod');
    return this.snapshot.workloads();
  }

  report<Args extends unknown[]>(type: MessageType<Args>, config: Config, args: Args, path: FieldPath = []): void {
    const line = path.length > 0 ? this.locate(config, path) : undefined;
    const source = config.source ? { file: config.source.file, line: line ?? config.source.line } : undefined;
    this.out.push({
      code: type.code,
      name: type.name,
      level: type.level,
      resource: { kind: config.kind, namespace: config.namespace, name: config.name },
      ...(source ? { source } : {}),
      message: type.text(...args),
      documentationUrl: type.documentationUrl,
    });
  }

  private check(kind: Kind): void {
    if (!this.allowed.has(kind)) {
      throw new Error(`reads ${kind}, which is not among its declared inputs (${[...this.allowed].join(', ')})`);
    }
  }
}
