/**
 * The part of Istio's MeshConfig the mesh uses, with Istio's defaults, and the parser that reads
 * the `mesh` YAML (the `mesh` key of the `istio` ConfigMap, or a file) onto those defaults.
 *
 * Merge rules, as Istio applies them: a field that is set replaces the default, except that
 * mappings merge field by field (so `defaultConfig: {concurrency: 4}` keeps the other proxy
 * defaults), `defaultConfig.proxyMetadata` merges key by key, and `extensionProviders` merge by
 * name. A field of the wrong type is an error naming its path and keeps its default; an unknown
 * field is a warning and is ignored.
 */
import { isRecord } from './from-manifest';
import type { ConfigIssue, FieldPath } from './issues';
import type { Duration } from './types/common';
import type { LocalityLoadBalancerSetting } from './types/destination-rule';
import {
  booleanField as boolean,
  durationField as duration,
  enumField as enumOf,
  fail,
  integerField,
  objectField as object,
  readYamlOnto,
  type Report,
  stringField as string,
  stringListField as stringList,
} from './yaml-fields';

export type OutboundTrafficMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';
export type AccessLogEncoding = 'TEXT' | 'JSON';
export type IngressControllerMode = 'UNSPECIFIED' | 'OFF' | 'DEFAULT' | 'STRICT';

/** Tracing settings of the proxy (ProxyConfig.tracing). */
export interface ProxyTracing {
  zipkin?: { address?: string };
  datadog?: { address?: string };
  /** Percent of requests sampled, 0–100; unset means the control plane default (1%). */
  sampling?: number;
  maxPathTagLength?: number;
}

/** ProxyConfig: the defaults of every proxy (`defaultConfig`), overridable per pod. */
export interface ProxyConfig {
  discoveryAddress: string;
  drainDuration: Duration;
  terminationDrainDuration: Duration;
  proxyAdminPort: number;
  statusPort: number;
  concurrency: number;
  tracing: ProxyTracing;
  proxyMetadata: Record<string, string>;
  holdApplicationUntilProxyStarts: boolean;
}

export type ExtensionProviderKind =
  | 'envoyExtAuthzHttp'
  | 'envoyExtAuthzGrpc'
  | 'zipkin'
  | 'datadog'
  | 'stackdriver'
  | 'skywalking'
  | 'opentelemetry'
  | 'prometheus'
  | 'envoyFileAccessLog'
  | 'envoyHttpAls'
  | 'envoyTcpAls'
  | 'envoyOtelAls'
  | 'sds';

const EXTENSION_PROVIDER_KINDS: readonly ExtensionProviderKind[] = [
  'envoyExtAuthzHttp',
  'envoyExtAuthzGrpc',
  'zipkin',
  'datadog',
  'stackdriver',
  'skywalking',
  'opentelemetry',
  'prometheus',
  'envoyFileAccessLog',
  'envoyHttpAls',
  'envoyTcpAls',
  'envoyOtelAls',
  'sds',
];

/**
 * A named provider Telemetry and CUSTOM AuthorizationPolicies refer to, as written in YAML:
 * `{name: my-authz, envoyExtAuthzGrpc: {service: ..., port: ...}}`. Exactly one provider kind is
 * set; its settings are kept as written (their consumers read them).
 */
export type ExtensionProvider = { name: string } & { [K in ExtensionProviderKind]?: Record<string, unknown> };

/** The provider kind an extension provider sets. */
export function extensionProviderKind(provider: ExtensionProvider): ExtensionProviderKind | undefined {
  return EXTENSION_PROVIDER_KINDS.find((kind) => provider[kind] !== undefined);
}

export interface MeshConfig {
  trustDomain: string;
  trustDomainAliases: string[];
  /** Where mesh-wide policies (and the mesh's default Sidecar) live. */
  rootNamespace: string;
  outboundTrafficPolicy: { mode: OutboundTrafficMode };
  defaultConfig: ProxyConfig;
  enableAutoMtls: boolean;
  enableTracing: boolean;
  /** Empty: no access log; `/dev/stdout` is the usual choice. */
  accessLogFile: string;
  accessLogEncoding: AccessLogEncoding;
  accessLogFormat: string;
  defaultServiceExportTo: string[];
  defaultVirtualServiceExportTo: string[];
  defaultDestinationRuleExportTo: string[];
  ingressService: string;
  ingressSelector: string;
  ingressClass: string;
  ingressControllerMode: IngressControllerMode;
  localityLbSetting: LocalityLoadBalancerSetting;
  connectTimeout: Duration;
  protocolDetectionTimeout: Duration;
  dnsRefreshRate: Duration;
  extensionProviders: ExtensionProvider[];
  defaultProviders: { tracing?: string[]; metrics?: string[]; accessLogging?: string[] };
}

const DEFAULTS: MeshConfig = {
  trustDomain: 'cluster.local',
  trustDomainAliases: [],
  rootNamespace: 'istio-system',
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
  defaultConfig: {
    discoveryAddress: 'istiod.istio-system.svc:15012',
    drainDuration: '45s',
    terminationDrainDuration: '5s',
    proxyAdminPort: 15000,
    statusPort: 15020,
    concurrency: 2,
    tracing: { zipkin: { address: 'zipkin.istio-system:9411' } },
    proxyMetadata: {},
    holdApplicationUntilProxyStarts: false,
  },
  enableAutoMtls: true,
  enableTracing: true,
  accessLogFile: '',
  accessLogEncoding: 'TEXT',
  accessLogFormat: '',
  defaultServiceExportTo: ['*'],
  defaultVirtualServiceExportTo: ['*'],
  defaultDestinationRuleExportTo: ['*'],
  ingressService: 'istio-ingressgateway',
  ingressSelector: 'ingressgateway',
  ingressClass: 'istio',
  ingressControllerMode: 'STRICT',
  localityLbSetting: { enabled: true },
  connectTimeout: '10s',
  protocolDetectionTimeout: '0s',
  dnsRefreshRate: '60s',
  extensionProviders: [
    { name: 'prometheus', prometheus: {} },
    { name: 'stackdriver', stackdriver: {} },
    { name: 'envoy', envoyFileAccessLog: { path: '/dev/stdout' } },
  ],
  defaultProviders: {},
};

/** Istio's defaults, as a fresh object the caller may change. */
export function defaultMeshConfig(): MeshConfig {
  return structuredClone(DEFAULTS);
}

// ---------------------------------------------------------------------------------------------
// The accepted YAML, field by field.

const port = integerField(1, 65535);
const count = integerField(0, 2 ** 32 - 1);

const localityLbSettingField = object({
  distribute: { kind: 'list', item: object({ from: string, to: { kind: 'map', value: count, merge: false } }) },
  failover: { kind: 'list', item: object({ from: string, to: string }) },
  failoverPriority: stringList,
  enabled: boolean,
});

const proxyConfigField = object({
  discoveryAddress: string,
  drainDuration: duration,
  terminationDrainDuration: duration,
  proxyAdminPort: port,
  statusPort: port,
  concurrency: count,
  tracing: object({
    zipkin: object({ address: string }),
    datadog: object({ address: string }),
    sampling: { kind: 'number', min: 0, max: 100 },
    maxPathTagLength: count,
  }),
  proxyMetadata: { kind: 'map', value: string, merge: true },
  holdApplicationUntilProxyStarts: boolean,
});

const meshConfigField = object({
  trustDomain: string,
  trustDomainAliases: stringList,
  rootNamespace: string,
  outboundTrafficPolicy: object({ mode: enumOf(['ALLOW_ANY', 'REGISTRY_ONLY']) }),
  defaultConfig: proxyConfigField,
  enableAutoMtls: boolean,
  enableTracing: boolean,
  accessLogFile: string,
  accessLogEncoding: enumOf(['TEXT', 'JSON']),
  accessLogFormat: string,
  defaultServiceExportTo: stringList,
  defaultVirtualServiceExportTo: stringList,
  defaultDestinationRuleExportTo: stringList,
  ingressService: string,
  ingressSelector: string,
  ingressClass: string,
  ingressControllerMode: enumOf(['UNSPECIFIED', 'OFF', 'DEFAULT', 'STRICT']),
  localityLbSetting: localityLbSettingField,
  connectTimeout: duration,
  protocolDetectionTimeout: duration,
  dnsRefreshRate: duration,
  extensionProviders: { kind: 'custom', apply: applyExtensionProviders },
  defaultProviders: object({ tracing: stringList, metrics: stringList, accessLogging: stringList }),
});

export interface MeshConfigResult {
  /** The defaults with every valid field of the input applied. */
  readonly config: MeshConfig;
  /** Errors (wrong types; the field kept its default) and warnings (unknown fields, ignored). */
  readonly issues: ConfigIssue[];
}

/**
 * Reads mesh config YAML onto Istio's defaults. Never throws: what cannot be used is reported with
 * its field path (and its line, when `file` names where the text came from).
 */
export function parseMeshConfig(yamlText: string, file?: string): MeshConfigResult {
  const { value, issues } = readYamlOnto(meshConfigField, defaultMeshConfig(), yamlText, file);
  return { config: value, issues };
}

/**
 * Applies proxy config YAML (e.g. a pod's `proxy.istio.io/config` annotation) onto `base`, usually
 * the mesh's `defaultConfig`, with the same rules. `base` is not changed.
 */
export function applyProxyConfig(
  yamlText: string,
  base: ProxyConfig,
  file?: string,
): { config: ProxyConfig; issues: ConfigIssue[] } {
  const { value, issues } = readYamlOnto(proxyConfigField, structuredClone(base), yamlText, file);
  return { config: value, issues };
}

function applyExtensionProviders(current: unknown, input: unknown, path: FieldPath, report: Report): unknown {
  if (!Array.isArray(input)) return fail(report, path, 'must be a list', current);
  const merged = new Map<string, ExtensionProvider>();
  for (const provider of Array.isArray(current) ? (current as ExtensionProvider[]) : []) {
    merged.set(provider.name, provider);
  }
  input.forEach((entry: unknown, index) => {
    const provider = readExtensionProvider(entry, [...path, index], report);
    if (provider) merged.set(provider.name, provider);
  });
  return [...merged.values()];
}

function readExtensionProvider(entry: unknown, path: FieldPath, report: Report): ExtensionProvider | undefined {
  if (!isRecord(entry)) {
    report('error', path, 'must be a mapping');
    return undefined;
  }
  if (typeof entry.name !== 'string' || entry.name === '') {
    report('error', [...path, 'name'], 'is required');
    return undefined;
  }
  const provider: ExtensionProvider = { name: entry.name };
  const kinds: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'name') continue;
    if (!(EXTENSION_PROVIDER_KINDS as readonly string[]).includes(key)) {
      report('warning', [...path, key], 'unknown provider kind, ignored');
    } else if (!isRecord(value)) {
      report('error', [...path, key], 'must be a mapping');
      return undefined;
    } else {
      provider[key as ExtensionProviderKind] = value;
      kinds.push(key);
    }
  }
  if (kinds.length !== 1) {
    report('error', path, `must set exactly one provider (${EXTENSION_PROVIDER_KINDS.join(', ')})`);
    return undefined;
  }
  return provider;
}
