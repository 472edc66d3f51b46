/**
 * @mesh/config-analysis: cross-resource analysis of a snapshot of configs, with Istio's message
 * codes (IST0101 ReferencedResourceNotFound, ...), and the `istioctl analyze` output formats.
 */
export { analyze, type AnalysisInput, type AnalyzeOptions } from './analyze';
export type { Analyzer, AnalysisContext } from './analyzer';
export { allAnalyzers } from './analyzers/all';
export {
  analysisInputFromFiles,
  isKindReadByTheMesh,
  type FileInput,
  type FileInputOptions,
  type SourceFile,
} from './input-from-files';
export { issueMessages } from './analyzers/schema-validation';
export { defaultIngressGateway, withDefaultIngressGateway } from './defaults';
export { formatMessage, formatMessagesJson, messageToJson, type JsonMessage } from './format';
export { hasMessagesAtLeast, originOf, sortMessages, type Message } from './message';
export * from './message-types';
export type { Workload, ContainerPortInfo } from './workloads';
export { analyzerInputs } from './inputs';
