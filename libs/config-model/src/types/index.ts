/** Typed models of the Istio and Kubernetes kinds the mesh reads (interfaces only, plus SpecOf). */
export type * from './common';
export type * from './virtual-service';
export type * from './destination-rule';
export type * from './gateway';
export type * from './service-entry';
export type * from './sidecar';
export type * from './security';
export type * from './telemetry';
export type * from './kubernetes';
export type { SpecByKind, SpecOf, ConfigOfKind } from './spec-of';
export { isConfigOfKind } from './spec-of';
export { specFieldTrees, type FieldTree, type AnyFieldTree } from './field-trees';
