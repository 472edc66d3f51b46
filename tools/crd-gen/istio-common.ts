/**
 * Types several Istio APIs share (istio.type.v1beta1, istio.meta.v1alpha1 and the workload entry
 * that ServiceEntry, WorkloadEntry and WorkloadGroup all embed). Field names and types follow the
 * Istio API protos in their JSON form (lowerCamelCase; see the openapi.ts builders for the types).
 */
import { array, enumOf, intOrString, nullable, object, string, stringMap, uint32, map, type Build } from './openapi.ts';

/** istio.type.v1beta1.WorkloadSelector (security, telemetry, DestinationRule.workloadSelector). */
export const workloadSelector: Build = object({ matchLabels: stringMap });

/** istio.type.v1beta1.PolicyTargetReference: the Gateway or Service a policy attaches to. */
export const policyTargetReference: Build = object({ group: string, kind: string, name: string, namespace: string }, [
  'kind',
  'name',
]);

/** networking's own WorkloadSelector (Sidecar, ServiceEntry) says `labels`, not `matchLabels`. */
export const networkingWorkloadSelector: Build = object({ labels: stringMap });

export const portSelector: Build = object({ number: uint32 });

/** networking.v1alpha3.Destination: a service (and optionally subset and port) to send traffic to. */
export const destination: Build = object({ host: string, subset: string, port: portSelector }, ['host']);

/** networking.v1alpha3.WorkloadEntry's spec, also the items of ServiceEntry.endpoints. */
export const workloadEntry: Build = object({
  address: string,
  ports: map(uint32),
  labels: stringMap,
  network: string,
  locality: string,
  weight: uint32,
  serviceAccount: string,
});

const timestamp: Build = () => ({ type: 'string', format: 'date-time' });

/**
 * istio.meta.v1alpha1.IstioStatus, written by istiod and analyzers. Kept open to unknown fields
 * (as Istio's own CRDs do) because other controllers write conditions of their own here.
 */
export const istioStatus: Build = () => ({
  ...object({
    conditions: array(
      object({
        type: string,
        status: string,
        lastProbeTime: timestamp,
        lastTransitionTime: timestamp,
        reason: string,
        message: string,
        observedGeneration: intOrString,
      }),
    ),
    validationMessages: array(
      object({
        type: object({ name: string, code: string }),
        level: enumOf('UNKNOWN', 'ERROR', 'WARNING', 'INFO'),
        documentationUrl: string,
      }),
    ),
    observedGeneration: intOrString,
  })(),
  'x-kubernetes-preserve-unknown-fields': true,
});

/** A nullable boolean, for google.protobuf.BoolValue fields. */
export const optionalBoolean: Build = nullable(() => ({ type: 'boolean' }));
