import type { Kind } from '@mesh/config-model';
import type { Analyzer } from './analyzer';
import { allAnalyzers } from './analyzers/all';

/** Every kind the analyzers read: what a reader of a live cluster has to list, and nothing more. */
export function analyzerInputs(analyzers: readonly Analyzer[] = allAnalyzers): Kind[] {
  return [...new Set(analyzers.flatMap((a) => a.inputs))].sort();
}
