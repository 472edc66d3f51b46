/**
 * Typed, crash-free reads of the Kubernetes fields a Config keeps in `extra` (EndpointSlice,
 * Secret, ConfigMap, a Pod's status). `extra` is whatever the source gave us, so each reader
 * checks shapes as it goes, skips what is malformed and says so with an issue naming the field.
 */
import type { Config } from './config';
import { isRecord } from './from-manifest';
import type { ConfigIssue, FieldPath } from './issues';
import type {
  EndpointPort,
  EndpointSliceFields,
  KubeEndpoint,
  ObjectReference,
  PodStatus,
  TransportProtocol,
} from './types/kubernetes';

/** What a reader found, and what it had to skip. */
export interface KubeRead<T> {
  readonly value: T;
  readonly issues: ConfigIssue[];
}

type Problem = (path: FieldPath, message: string) => void;

function reader(config: Config): { problem: Problem; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const resource = { kind: config.kind, namespace: config.namespace, name: config.name };
  const problem: Problem = (path, message) =>
    issues.push({ severity: 'error', path, message, resource, ...(config.source ? { source: config.source } : {}) });
  return { problem, issues };
}

/** A map of strings; entries that are not strings are reported and left out. */
function stringRecord(value: unknown, path: FieldPath, problem: Problem): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return out;
  if (!isRecord(value)) {
    problem(path, 'must be a map of strings');
    return out;
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') out[key] = entry;
    else problem([...path, key], 'must be a string');
  }
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface SecretContents {
  /** Secret `type`, e.g. `kubernetes.io/tls`, `Opaque` when absent. */
  readonly type: string;
  /** Decoded `data`, overlaid with `stringData` (which wins, as the API server does). */
  readonly data: Readonly<Record<string, Buffer>>;
}

/** The decoded contents of a Secret (e.g. `tls.crt`, `tls.key`, `ca.crt` for a gateway credential). */
export function secretData(config: Config): KubeRead<SecretContents> {
  const { problem, issues } = reader(config);
  const extra = config.extra ?? {};
  const data: Record<string, Buffer> = {};
  for (const [key, encoded] of Object.entries(stringRecord(extra.data, ['data'], problem))) {
    const compact = encoded.replace(/\s+/g, '');
    if (!BASE64.test(compact)) problem(['data', key], 'is not valid base64');
    else data[key] = Buffer.from(compact, 'base64');
  }
  for (const [key, text] of Object.entries(stringRecord(extra.stringData, ['stringData'], problem))) {
    data[key] = Buffer.from(text, 'utf8');
  }
  const type = typeof extra.type === 'string' && extra.type !== '' ? extra.type : 'Opaque';
  return { value: { type, data }, issues };
}

/** A ConfigMap's `data` (e.g. the `mesh` key of the `istio` ConfigMap). */
export function configMapData(config: Config): KubeRead<Readonly<Record<string, string>>> {
  const { problem, issues } = reader(config);
  return { value: stringRecord(config.extra?.data, ['data'], problem), issues };
}

const ADDRESS_TYPES = new Set(['IPv4', 'IPv6', 'FQDN']);
const TRANSPORTS = new Set(['TCP', 'UDP', 'SCTP']);

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function transport(value: unknown, path: FieldPath, problem: Problem): TransportProtocol | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && TRANSPORTS.has(value)) return value as TransportProtocol;
  problem(path, 'must be one of TCP, UDP, SCTP');
  return undefined;
}

/** An EndpointSlice's addresses and ports; undefined when `addressType` or `endpoints` is unusable. */
export function endpointSliceOf(config: Config): KubeRead<EndpointSliceFields | undefined> {
  const { problem, issues } = reader(config);
  const extra = config.extra ?? {};
  const addressType = extra.addressType;
  if (typeof addressType !== 'string' || !ADDRESS_TYPES.has(addressType)) {
    problem(['addressType'], 'must be one of IPv4, IPv6, FQDN');
    return { value: undefined, issues };
  }
  // The API server sends `endpoints: null` for an empty slice.
  const rawEndpoints = extra.endpoints ?? [];
  if (!Array.isArray(rawEndpoints)) {
    problem(['endpoints'], 'must be a list');
    return { value: undefined, issues };
  }
  const endpoints: KubeEndpoint[] = [];
  rawEndpoints.forEach((raw: unknown, index) => {
    const endpoint = readEndpoint(raw, ['endpoints', index], problem);
    if (endpoint) endpoints.push(endpoint);
  });
  const ports: EndpointPort[] = [];
  const rawPorts = extra.ports ?? [];
  if (!Array.isArray(rawPorts)) problem(['ports'], 'must be a list');
  else {
    rawPorts.forEach((raw: unknown, index) => {
      const path = ['ports', index];
      if (!isRecord(raw)) return problem(path, 'must be a mapping');
      if (raw.port !== undefined && raw.port !== null && !isPortNumber(raw.port)) {
        return problem([...path, 'port'], 'must be a port number 1..65535');
      }
      const protocol = transport(raw.protocol, [...path, 'protocol'], problem);
      ports.push(
        dropUndefined({
          name: optionalString(raw.name),
          port: isPortNumber(raw.port) ? raw.port : undefined,
          protocol,
          appProtocol: optionalString(raw.appProtocol),
        }),
      );
    });
  }
  return { value: { addressType: addressType as EndpointSliceFields['addressType'], endpoints, ports }, issues };
}

function readEndpoint(raw: unknown, path: FieldPath, problem: Problem): KubeEndpoint | undefined {
  if (!isRecord(raw)) {
    problem(path, 'must be a mapping');
    return undefined;
  }
  const addresses = raw.addresses;
  if (!Array.isArray(addresses) || addresses.length === 0 || !addresses.every((a) => typeof a === 'string')) {
    problem([...path, 'addresses'], 'must be a non-empty list of strings');
    return undefined;
  }
  let conditions: KubeEndpoint['conditions'];
  if (isRecord(raw.conditions)) {
    const c = raw.conditions;
    conditions = dropUndefined({
      ready: typeof c.ready === 'boolean' ? c.ready : undefined,
      serving: typeof c.serving === 'boolean' ? c.serving : undefined,
      terminating: typeof c.terminating === 'boolean' ? c.terminating : undefined,
    });
  }
  let targetRef: ObjectReference | undefined;
  if (isRecord(raw.targetRef)) {
    const t = raw.targetRef;
    targetRef = dropUndefined({
      kind: optionalString(t.kind),
      name: optionalString(t.name),
      namespace: optionalString(t.namespace),
      uid: optionalString(t.uid),
    });
  }
  return dropUndefined({
    addresses: addresses as string[],
    conditions,
    hostname: optionalString(raw.hostname),
    nodeName: optionalString(raw.nodeName),
    zone: optionalString(raw.zone),
    targetRef,
  });
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

/** A Pod's status: its IPs, phase and conditions (empty when the object carries no status). */
export function podStatusOf(config: Config): KubeRead<PodStatus> {
  const { problem, issues } = reader(config);
  const status = config.extra?.status;
  if (status === undefined || status === null) return { value: {}, issues };
  if (!isRecord(status)) {
    problem(['status'], 'must be a mapping');
    return { value: {}, issues };
  }
  const podIPs: { ip: string }[] = [];
  if (Array.isArray(status.podIPs)) {
    status.podIPs.forEach((entry: unknown, index) => {
      if (isRecord(entry) && typeof entry.ip === 'string') podIPs.push({ ip: entry.ip });
      else problem(['status', 'podIPs', index, 'ip'], 'must be a string');
    });
  }
  const conditions: NonNullable<PodStatus['conditions']> = [];
  if (Array.isArray(status.conditions)) {
    status.conditions.forEach((entry: unknown, index) => {
      if (
        isRecord(entry) &&
        typeof entry.type === 'string' &&
        (entry.status === 'True' || entry.status === 'False' || entry.status === 'Unknown')
      ) {
        conditions.push({ type: entry.type, status: entry.status });
      } else problem(['status', 'conditions', index], 'must have a type and a status True, False or Unknown');
    });
  }
  let phase: PodStatus['phase'];
  if (typeof status.phase === 'string' && PHASES.has(status.phase)) phase = status.phase as PodStatus['phase'];
  else if (status.phase !== undefined) problem(['status', 'phase'], `must be one of ${[...PHASES].join(', ')}`);
  const value = dropUndefined({
    podIP: optionalString(status.podIP),
    podIPs: podIPs.length > 0 ? podIPs : undefined,
    hostIP: optionalString(status.hostIP),
    phase,
    conditions: conditions.length > 0 ? conditions : undefined,
  });
  return { value, issues };
}

/** True when the Pod is Running and its Ready condition is True. */
export function isPodReady(status: PodStatus): boolean {
  return status.phase === 'Running' && (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function isPortNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Leaves optional fields out instead of writing `undefined`, so objects compare and print cleanly. */
function dropUndefined<T extends object>(object: T): T {
  for (const key of Object.keys(object) as (keyof T)[]) if (object[key] === undefined) delete object[key];
  return object;
}
