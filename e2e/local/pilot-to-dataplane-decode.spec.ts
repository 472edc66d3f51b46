/**
 * What pilot serves by default to Envoy-style proxies, read by the data plane's own decoders.
 *
 * Pilot's real generators (CDS, EDS, LDS, RDS, as its ADS server runs them) build the resources
 * of an ingress gateway (router) and of a productpage sidecar over Istio's Bookinfo sample, and
 * every resource goes through the decoder the proxy runs on what it receives. A decoder stops at
 * the first field it rejects; to list every rejection the harness removes that field from the
 * resource (inside nested typed configs too) and decodes again, until the resource is accepted.
 *
 * Two scenarios: Bookinfo as installed (bookinfo.yaml, bookinfo-gateway.yaml,
 * destination-rule-all.yaml, the reviews 80/20 split), which must be accepted whole; and Bookinfo
 * with the features users turn on, whose rejections must be exactly KNOWN_FEATURE_REJECTIONS
 * (one line per field path, indexes folded to `[]`): a new rejection and a stale entry both fail,
 * so the list is the data plane's honest to-do list against pilot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromManifest, defaultMeshConfig, parseManifests, schemas, type Config } from '@mesh/config-model';
import { RESOURCE_TYPES, type ResourceType } from '@mesh/dataplane';
import { ConfigSnapshot, proxyFromNode, pushRequest, PushContext, ServiceRegistry, type Proxy } from '@mesh/mesh-model';
import {
  EndpointGenerator,
  EnvoyClusterGenerator,
  type Generator,
  listenerGenerator,
  routeGenerator,
} from '@mesh/pilot';
import { type Any, Listener, TypeUrl, unpackAnyAs } from '@mesh/xds';
import { messageTypeRegistry } from '@mesh/xds/generated/typeRegistry';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';

const BOOKINFO = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples', 'bookinfo');
/** What a Bookinfo install with the gateway and subsets serves by default. */
const DEFAULT_FILES = [
  'platform/kube/bookinfo.yaml',
  'networking/bookinfo-gateway.yaml',
  'networking/destination-rule-all.yaml',
  'networking/virtual-service-reviews-80-20.yaml',
];

/**
 * Istio features users turn on, from the sample's own task files (fault injection, mutual TLS)
 * and the circuit-breaking task's DestinationRule (connection pool, outlier detection), plus a
 * VirtualService with retries, a mirror and a CORS policy.
 */
const FEATURE_FILES = [
  'platform/kube/bookinfo.yaml',
  'networking/bookinfo-gateway.yaml',
  'networking/destination-rule-all-mtls.yaml',
  'networking/fault-injection-details-v1.yaml',
  'networking/virtual-service-ratings-test-delay.yaml',
];
const FEATURE_INLINE = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: external-api-breaker
spec:
  # Every Bookinfo service already has its DestinationRule (the mTLS one, which wins).
  host: api.example.com
  trafficPolicy:
    loadBalancer:
      consistentHash: { httpHeaderName: x-user }
    connectionPool:
      tcp: { maxConnections: 1 }
      http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 }
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - retries: { attempts: 3, perTryTimeout: 2s, retryOn: 'gateway-error,connect-failure,503' }
    timeout: 10s
    mirror: { host: reviews, subset: v3 }
    corsPolicy:
      allowOrigins: [{ exact: 'https://example.com' }]
      allowMethods: [GET]
    route:
    - destination: { host: reviews, subset: v2 }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-api
spec:
  hosts: [api.example.com]
  ports: [{ number: 443, name: tls, protocol: TLS }, { number: 80, name: http, protocol: HTTP }]
  resolution: DNS
  location: MESH_EXTERNAL
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: bookinfo-https
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: ['bookinfo.example.com']
    tls: { mode: SIMPLE, credentialName: bookinfo-cert }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bookinfo-https
spec:
  hosts: ['bookinfo.example.com']
  gateways: [bookinfo-https]
  http:
  - route:
    - destination: { host: productpage, port: { number: 9080 } }
`;

/** Endpoints for the Bookinfo services, so that EDS carries real hosts (the sample has Deployments only). */
const WORKLOADS = ['productpage-v1', 'details-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'ratings-v1']
  .map((name, i) => {
    const [app, version] = name.split('-');
    return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}-pod
  namespace: default
  labels: { app: ${app}, version: ${version} }
spec:
  serviceAccountName: bookinfo-${app}
  containers: [{ name: ${app}, image: x }]
status:
  phase: Running
  podIP: 10.1.0.${i + 10}
  conditions: [{ type: Ready, status: 'True' }]
`;
  })
  .join('---\n');

const knownKinds = new Set<string>(schemas.map((schema) => schema.kind));

function configsOf(text: string, file: string): Config[] {
  const { manifests, errors } = parseManifests(text, file);
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('\n'));
  return manifests.flatMap((manifest) => {
    if (!knownKinds.has(String(manifest.object.kind))) return [];
    const result = configFromManifest(manifest, { defaultNamespace: 'default' });
    if (!result.ok) throw new Error(`${file}: ${result.issues.map((i) => i.message).join('; ')}`);
    return [result.config];
  });
}

function bookinfoPush(files: readonly string[], inline = ''): PushContext {
  const configs = [
    ...files.flatMap((file) => configsOf(readFileSync(join(BOOKINFO, file), 'utf8'), file)),
    ...configsOf(WORKLOADS, 'workloads.yaml'),
    ...(inline ? configsOf(inline, 'features.yaml') : []),
  ];
  const snapshot = new ConfigSnapshot(configs);
  return PushContext.build({
    config: snapshot,
    discovery: ServiceRegistry.fromSnapshot(snapshot),
    mesh: defaultMeshConfig(),
    version: 'decode-spec',
  });
}

const REQUEST = pushRequest({ reason: 'proxy', start: 0 });

async function generate(
  generator: Generator<PushContext>,
  proxy: Proxy,
  push: PushContext,
  typeUrl: string,
  names: readonly string[],
): Promise<Any[]> {
  const result = await generator.generate(proxy, { typeUrl, resourceNames: new Set(names) }, push, REQUEST);
  return result.resources.map((r) => r.resource);
}

function routeNamesOf(listeners: readonly Any[]): string[] {
  const names = new Set<string>();
  for (const any of listeners) {
    const listener = unpackAnyAs(Listener, any);
    for (const chain of [
      ...(listener.filterChains ?? []),
      ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : []),
    ]) {
      for (const filter of chain.filters ?? []) {
        if (filter.typedConfig?.typeUrl !== TypeUrl.HttpConnectionManager) continue;
        const name = unpackAnyAs(HttpConnectionManager, filter.typedConfig).rds?.routeConfigName;
        if (name) names.add(name);
      }
    }
  }
  return [...names];
}

/** Every resource an Envoy-style proxy of this kind gets, by type URL (CDS, EDS, LDS, RDS). */
async function resourcesFor(push: PushContext, proxy: Proxy): Promise<Map<string, Any[]>> {
  const clusters = await generate(new EnvoyClusterGenerator(), proxy, push, TypeUrl.Cluster, []);
  const endpoints = await generate(
    new EndpointGenerator(),
    proxy,
    push,
    TypeUrl.ClusterLoadAssignment,
    edsServiceNames(clusters),
  );
  const listeners = await generate(listenerGenerator, proxy, push, TypeUrl.Listener, []);
  const routes = await generate(routeGenerator, proxy, push, TypeUrl.RouteConfiguration, routeNamesOf(listeners));
  return new Map([
    [TypeUrl.Cluster, clusters],
    [TypeUrl.ClusterLoadAssignment, endpoints],
    [TypeUrl.Listener, listeners],
    [TypeUrl.RouteConfiguration, routes],
  ]);
}

function edsServiceNames(clusters: readonly Any[]): string[] {
  const codec = messageTypeRegistry.get('envoy.config.cluster.v3.Cluster')!;
  return clusters.flatMap((any) => {
    const cluster = codec.decode(any.value ?? new Uint8Array()) as {
      name?: string;
      edsClusterConfig?: { serviceName?: string };
    };
    return cluster.edsClusterConfig ? [cluster.edsClusterConfig.serviceName || cluster.name || ''] : [];
  });
}

// ---------------------------------------------------------------------------------- strip and retry

type Message = Record<string, unknown>;

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function isAny(value: unknown): value is Any {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Message).$type === 'google.protobuf.Any' &&
    typeof (value as Any).typeUrl === 'string'
  );
}

function codecOf(typeUrl: string) {
  const codec = messageTypeRegistry.get(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  if (!codec) throw new Error(`no codec for ${typeUrl}`);
  return codec;
}

/** `a.b[2].c["k.x"]` → ['a', 'b', 2, 'c', 'k.x'] (map keys keep their dots and case). */
function segmentsOf(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/\["([^"]*)"\]|\[(\d+)\]|([A-Za-z0-9_]+)/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(camel(m[3]));
  }
  return out;
}

/**
 * Removes what the path names from a message, unpacking the Anys on the way (and packing them
 * again). An unknown filter (the path ends at `typed_config` of a list element) removes the element.
 * Returns false when the path does not lead anywhere (the error is not about one field).
 */
function removeAt(message: Message, segments: readonly (string | number)[]): boolean {
  const [head, ...rest] = segments;
  if (head === undefined) return false;
  const value = (message as Record<string | number, unknown>)[head];
  if (rest.length === 0) {
    if (value === undefined) return false;
    if (Array.isArray(message)) message.splice(head as number, 1);
    else delete (message as Record<string | number, unknown>)[head];
    return true;
  }
  if (rest.length === 1 && rest[0] === 'typedConfig' && typeof head === 'number' && Array.isArray(message)) {
    // A filter the proxy does not implement: the filter goes, not just its config.
    message.splice(head, 1);
    return true;
  }
  if (isAny(value)) {
    const codec = codecOf(value.typeUrl!);
    const inner = codec.decode(value.value ?? new Uint8Array()) as Message;
    if (!removeAt(inner, rest)) return false;
    (message as Record<string | number, unknown>)[head] = {
      ...value,
      value: Buffer.from(codec.encode(inner).finish()),
    };
    return true;
  }
  if (typeof value !== 'object' || value === null) return false;
  return removeAt(value as Message, rest);
}

interface Rejection {
  readonly line: string;
  readonly example: string;
}

/** Decodes, strips the rejected field, decodes again: every rejection of one resource. */
function rejectionsOf(type: ResourceType<unknown>, any: Any): Rejection[] {
  const out: Rejection[] = [];
  let current = any;
  for (let round = 0; round < 50; round++) {
    const result = type.decode(current, 0);
    if (result.ok) return out;
    const { error } = result;
    const folded = error.field.replace(/\[\d+\]/g, '[]');
    out.push({
      line: `${type.shortName} ${folded}: ${error.reason.replace(/"[^"]*"/g, '"…"')}`,
      example: error.message,
    });
    const codec = codecOf(current.typeUrl!);
    const message = codec.decode(current.value ?? new Uint8Array()) as Message;
    if (!error.field || !removeAt(message, segmentsOf(error.field))) return out;
    current = { ...current, value: Buffer.from(codec.encode(message).finish()) };
  }
  throw new Error(`more than 50 rejections in one resource: ${out.map((r) => r.example).join('\n')}`);
}

async function rejectionsFor(
  push: PushContext,
  proxy: Proxy,
): Promise<{ lines: string[]; examples: string[]; count: number }> {
  const resources = await resourcesFor(push, proxy);
  const lines = new Set<string>();
  const examples: string[] = [];
  let count = 0;
  for (const [typeUrl, list] of resources) {
    const type = RESOURCE_TYPES.find((t) => t.typeUrl === typeUrl) as ResourceType<unknown>;
    for (const any of list) {
      count++;
      for (const rejection of rejectionsOf(type, any)) {
        if (!lines.has(rejection.line)) examples.push(rejection.example);
        lines.add(rejection.line);
      }
    }
  }
  return { lines: [...lines].sort(), examples, count };
}

// ---------------------------------------------------------------------------------- the spec

const router = () =>
  proxyFromNode('router~10.1.0.2~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local', {
    LABELS: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
  });
const sidecar = () =>
  proxyFromNode('sidecar~10.1.0.10~productpage-v1-pod.default~default.svc.cluster.local', {
    LABELS: { app: 'productpage', version: 'v1' },
  });

describe('pilot → dataplane decoders: Bookinfo defaults', () => {
  const push = bookinfoPush(DEFAULT_FILES);

  it.each([
    ['router (istio-ingressgateway)', router],
    ['sidecar (productpage)', sidecar],
  ])('%s: every resource pilot sends is accepted', async (_name, proxy) => {
    const result = await rejectionsFor(push, proxy());
    // Listeners, routes, clusters and endpoints: the router gets 7, the sidecar 35.
    expect(result.count).toBeGreaterThanOrEqual(7);
    expect(result.examples).toEqual([]);
  });
});

/**
 * Known rejections: features pilot translates that this proxy does not implement yet. Each is
 * NACKed rather than served differently; the list shrinks as the engine grows (and this spec then
 * fails until the line is removed).
 */
// Empty: everything pilot sends for these features is accepted. A feature pilot starts emitting
// that the proxy does not implement gets a line here, with a comment saying what it is.
const KNOWN_FEATURE_REJECTIONS: string[] = [];

describe('pilot → dataplane decoders: Bookinfo with opt-in features (faults, mTLS, breakers, retries, mirror, CORS, HTTPS gateway, hashing)', () => {
  const push = bookinfoPush(FEATURE_FILES, FEATURE_INLINE);

  it.each([
    ['router (istio-ingressgateway)', router],
    ['sidecar (productpage)', sidecar],
  ])('%s: only the known rejections', async (_name, proxy) => {
    const result = await rejectionsFor(push, proxy());
    expect(result.count).toBeGreaterThanOrEqual(7);
    for (const line of result.lines) expect(KNOWN_FEATURE_REJECTIONS).toContain(line);
  });

  it('lists every known rejection at least once (a stale entry fails)', async () => {
    const seen = new Set<string>();
    for (const proxy of [router(), sidecar()])
      for (const line of (await rejectionsFor(push, proxy)).lines) seen.add(line);
    expect([...seen].sort()).toEqual([...KNOWN_FEATURE_REJECTIONS].sort());
  });
});
