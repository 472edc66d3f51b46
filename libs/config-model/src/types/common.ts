/**
 * Pieces several Istio kinds share. Field names are exactly as Istio's YAML spells them; every
 * field is optional unless Istio requires it. Durations are Istio's duration strings ("1.5s",
 * "100ms", "1h"), kept as written: parse them with `parseDuration` where a number is needed.
 *
 * These interfaces describe valid objects. They do not check anything: config-validation does.
 */

/** A duration as written in YAML, e.g. "1.5s", "250ms", "5m". */
export type Duration = string;

export type LabelMap = Record<string, string>;

/** `{exact}`, `{prefix}` or `{regex}` (RE2 syntax); Istio allows exactly one. */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

/** A port on a destination host. */
export interface PortSelector {
  number?: number;
}

/** Where a route, mirror or egress proxy sends traffic: a registry host, a subset, a port. */
export interface Destination {
  host: string;
  subset?: string;
  port?: PortSelector;
}

/** A percentage 0.0–100.0. */
export interface Percent {
  value?: number;
}

/**
 * The selector of Sidecar and ServiceEntry (networking.istio.io): note the field is `labels`.
 * An empty or absent selector means "every workload in the namespace".
 */
export interface NetworkingWorkloadSelector {
  labels?: LabelMap;
}

/**
 * The selector of DestinationRule, the security.istio.io policies and Telemetry
 * (istio.type.v1beta1.WorkloadSelector): the field is `matchLabels`.
 */
export interface WorkloadSelector {
  matchLabels?: LabelMap;
}

/** A Gateway API (or Service) resource a policy attaches to instead of a workload selector. */
export interface PolicyTargetReference {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
}
