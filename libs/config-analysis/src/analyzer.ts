/**
 * What an analyzer is: a small check over the whole snapshot that declares, as an allow-list, the
 * kinds it reads. The context hands it those kinds and no others (asking for an undeclared kind is
 * a bug and throws), so the declaration can be trusted: by the runner, by `meshctl analyze` to list
 * only what is needed from a cluster, and by the next reader. Istio regrets its deny-lists of
 * "kinds that do not affect this"; an allow-list cannot silently go stale.
 */
import type { Config, ConfigOfKind, FieldPath, Kind } from '@mesh/config-model';
import type { MessageType, MessageTypeInfo } from './message-types';
import type { Workload } from './workloads';

export interface Analyzer {
  /** Short and stable, e.g. `virtualservice.gateways`. */
  readonly name: string;
  readonly description: string;
  /** Every kind the analyzer reads. `Pod` also gives the pod templates of workload controllers. */
  readonly inputs: readonly Kind[];
  /** The message types it can report. */
  readonly reports: readonly MessageTypeInfo[];
  analyze(context: AnalysisContext): void;
}

export interface AnalysisContext {
  /** The (valid) configs of a declared kind, sorted by namespace then name. */
  list<K extends Kind>(kind: K): readonly ConfigOfKind<K>[];
  /** One config of a declared kind. */
  get<K extends Kind>(kind: K, namespace: string, name: string): ConfigOfKind<K> | undefined;
  /** Pods and the pod templates of controllers; needs `Pod` among the inputs. */
  workloads(): readonly Workload[];
  /** Reports a message about `config`; `path` is the field it is about (for the line). */
  report<Args extends unknown[]>(type: MessageType<Args>, config: Config, args: Args, path?: FieldPath): void;
  /** The mesh's root namespace (mesh-wide policies live there), `istio-system` by default. */
  readonly rootNamespace: string;
  /** `cluster.local` by default. */
  readonly domainSuffix: string;
}
