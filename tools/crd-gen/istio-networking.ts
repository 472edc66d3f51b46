/**
 * networking.istio.io: VirtualService, DestinationRule, Gateway, ServiceEntry, Sidecar,
 * WorkloadEntry and WorkloadGroup, as their JSON forms accept them. One-of rules (exact / prefix /
 * regex, redirect / direct response / route, ...) are left to the validating webhook: CRD schemas
 * only carry the shape.
 */
import {
  destination,
  networkingWorkloadSelector,
  optionalBoolean,
  portSelector,
  workloadEntry,
  workloadSelector,
} from './istio-common.ts';
import {
  array,
  boolean,
  bytes,
  double,
  duration,
  enumOf,
  int32,
  map,
  nullable,
  object,
  string,
  stringMap,
  uint32,
  type Build,
} from './openapi.ts';

const strings: Build = array(string);
/** uint64 fields: JSON numbers, never negative. */
const uint64: Build = () => ({ type: 'integer', minimum: 0 });

// ---------------------------------------------------------------------------------------------
// VirtualService

const stringMatch: Build = object({ exact: string, prefix: string, regex: string });
const percent: Build = object({ value: double });
const headerOperations: Build = object({ set: stringMap, add: stringMap, remove: strings });
const headers: Build = object({ request: headerOperations, response: headerOperations });

const httpMatchRequest: Build = object({
  name: string,
  uri: stringMatch,
  scheme: stringMatch,
  method: stringMatch,
  authority: stringMatch,
  headers: map(stringMatch),
  port: uint32,
  sourceLabels: stringMap,
  gateways: strings,
  queryParams: map(stringMatch),
  ignoreUriCase: boolean,
  withoutHeaders: map(stringMatch),
  sourceNamespace: string,
  statPrefix: string,
});

const httpRouteDestination: Build = object({ destination, weight: int32, headers }, ['destination']);
const routeDestination: Build = object({ destination, weight: int32 }, ['destination']);

const httpRedirect: Build = object({
  uri: string,
  authority: string,
  port: uint32,
  derivePort: enumOf('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'),
  scheme: string,
  redirectCode: uint32,
});

const httpDirectResponse: Build = object({ status: uint32, body: object({ string, bytes }) }, ['status']);

const httpRewrite: Build = object({
  uri: string,
  authority: string,
  uriRegexRewrite: object({ match: string, rewrite: string }),
});

const httpRetry: Build = object({
  attempts: int32,
  perTryTimeout: duration,
  retryOn: string,
  retryRemoteLocalities: optionalBoolean,
  retryIgnorePreviousHosts: optionalBoolean,
  backoff: duration,
});

const httpFaultInjection: Build = object({
  delay: object({ fixedDelay: duration, exponentialDelay: duration, percentage: percent, percent: int32 }),
  abort: object({ httpStatus: int32, grpcStatus: string, http2Error: string, percentage: percent }),
});

const corsPolicy: Build = object({
  allowOrigin: strings,
  allowOrigins: array(stringMatch),
  allowMethods: strings,
  allowHeaders: strings,
  exposeHeaders: strings,
  maxAge: duration,
  allowCredentials: optionalBoolean,
  unmatchedPreflights: enumOf('UNSPECIFIED', 'FORWARD', 'IGNORE'),
});

const httpRoute: Build = object({
  name: string,
  match: array(httpMatchRequest),
  route: array(httpRouteDestination),
  redirect: httpRedirect,
  directResponse: httpDirectResponse,
  delegate: object({ name: string, namespace: string }),
  rewrite: httpRewrite,
  timeout: duration,
  retries: httpRetry,
  fault: httpFaultInjection,
  mirror: destination,
  mirrors: array(object({ destination, percentage: percent }, ['destination'])),
  mirrorPercent: nullable(uint32),
  // The snake_case spelling is still accepted by Istio's CRD for manifests written long ago.
  mirror_percent: nullable(uint32),
  mirrorPercentage: percent,
  corsPolicy,
  headers,
});

const l4MatchAttributes: Build = object({
  destinationSubnets: strings,
  port: uint32,
  sourceSubnet: string,
  sourceLabels: stringMap,
  gateways: strings,
  sourceNamespace: string,
});

const tlsMatchAttributes: Build = object(
  {
    sniHosts: strings,
    destinationSubnets: strings,
    port: uint32,
    sourceLabels: stringMap,
    gateways: strings,
    sourceNamespace: string,
  },
  ['sniHosts'],
);

export const virtualServiceSpec: Build = object({
  hosts: strings,
  gateways: strings,
  http: array(httpRoute),
  tls: array(object({ match: array(tlsMatchAttributes), route: array(routeDestination) }, ['match'])),
  tcp: array(object({ match: array(l4MatchAttributes), route: array(routeDestination) })),
  exportTo: strings,
});

// ---------------------------------------------------------------------------------------------
// DestinationRule

export const connectionPoolSettings: Build = object({
  tcp: object({
    maxConnections: int32,
    connectTimeout: duration,
    tcpKeepalive: object({ probes: uint32, time: duration, interval: duration }),
    maxConnectionDuration: duration,
    idleTimeout: duration,
  }),
  http: object({
    http1MaxPendingRequests: int32,
    http2MaxRequests: int32,
    maxRequestsPerConnection: int32,
    maxRetries: int32,
    idleTimeout: duration,
    h2UpgradePolicy: enumOf('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'),
    useClientProtocol: boolean,
    maxConcurrentStreams: int32,
  }),
});

const loadBalancerSettings: Build = object({
  simple: enumOf('UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'),
  consistentHash: object({
    httpHeaderName: string,
    httpCookie: object({ name: string, path: string, ttl: duration }, ['name']),
    useSourceIp: boolean,
    httpQueryParameterName: string,
    ringHash: object({ minimumRingSize: uint64 }),
    maglev: object({ tableSize: uint64 }),
    minimumRingSize: uint64,
  }),
  localityLbSetting: object({
    distribute: array(object({ from: string, to: map(uint32) })),
    failover: array(object({ from: string, to: string })),
    failoverPriority: strings,
    enabled: optionalBoolean,
  }),
  warmupDurationSecs: duration,
  warmup: object({ duration, minimumPercent: nullable(double), aggression: nullable(double) }, ['duration']),
});

const outlierDetection: Build = object({
  splitExternalLocalOriginErrors: boolean,
  consecutiveLocalOriginFailures: nullable(uint32),
  consecutiveGatewayErrors: nullable(uint32),
  consecutive5xxErrors: nullable(uint32),
  interval: duration,
  baseEjectionTime: duration,
  maxEjectionPercent: int32,
  minHealthPercent: int32,
  consecutiveErrors: int32,
});

const clientTlsSettings: Build = object({
  mode: enumOf('DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'),
  clientCertificate: string,
  privateKey: string,
  caCertificates: string,
  credentialName: string,
  subjectAltNames: strings,
  sni: string,
  insecureSkipVerify: optionalBoolean,
  caCrl: string,
});

const trafficPolicy: Build = object({
  loadBalancer: loadBalancerSettings,
  connectionPool: connectionPoolSettings,
  outlierDetection,
  tls: clientTlsSettings,
  portLevelSettings: array(
    object({
      port: portSelector,
      loadBalancer: loadBalancerSettings,
      connectionPool: connectionPoolSettings,
      outlierDetection,
      tls: clientTlsSettings,
    }),
  ),
  tunnel: object({ protocol: string, targetHost: string, targetPort: uint32 }, ['targetHost', 'targetPort']),
  proxyProtocol: object({ version: enumOf('V1', 'V2') }),
  retryBudget: object({ percent: nullable(double), minRetryConcurrency: uint32 }),
});

export const destinationRuleSpec: Build = object({
  host: string,
  trafficPolicy,
  subsets: array(object({ name: string, labels: stringMap, trafficPolicy }, ['name'])),
  exportTo: strings,
  workloadSelector,
});

// ---------------------------------------------------------------------------------------------
// Gateway (and the server-side TLS settings Sidecar ingress listeners share)

const tlsProtocolVersion: Build = enumOf('TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3');

export const serverTlsSettings: Build = object({
  httpsRedirect: boolean,
  mode: enumOf('PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'),
  serverCertificate: string,
  privateKey: string,
  caCertificates: string,
  caCrl: string,
  credentialName: string,
  credentialNames: strings,
  tlsCertificates: array(object({ serverCertificate: string, privateKey: string, caCertificates: string })),
  subjectAltNames: strings,
  verifyCertificateSpki: strings,
  verifyCertificateHash: strings,
  minProtocolVersion: tlsProtocolVersion,
  maxProtocolVersion: tlsProtocolVersion,
  cipherSuites: strings,
});

const gatewayPort: Build = object({ number: uint32, protocol: string, name: string, targetPort: uint32 }, [
  'number',
  'protocol',
  'name',
]);

export const gatewaySpec: Build = object({
  servers: array(
    object(
      {
        port: gatewayPort,
        bind: string,
        hosts: strings,
        tls: serverTlsSettings,
        defaultEndpoint: string,
        name: string,
      },
      ['port', 'hosts'],
    ),
  ),
  selector: stringMap,
});

// ---------------------------------------------------------------------------------------------
// ServiceEntry, WorkloadEntry, WorkloadGroup

export const serviceEntrySpec: Build = object(
  {
    hosts: strings,
    addresses: strings,
    ports: array(object({ number: uint32, protocol: string, name: string, targetPort: uint32 }, ['number', 'name'])),
    location: enumOf('MESH_EXTERNAL', 'MESH_INTERNAL'),
    resolution: enumOf('NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'),
    endpoints: array(workloadEntry),
    workloadSelector: networkingWorkloadSelector,
    exportTo: strings,
    subjectAltNames: strings,
  },
  ['hosts'],
);

export const workloadEntrySpec: Build = workloadEntry;

const readinessProbe: Build = object({
  initialDelaySeconds: int32,
  timeoutSeconds: int32,
  periodSeconds: int32,
  successThreshold: int32,
  failureThreshold: int32,
  httpGet: object(
    {
      path: string,
      port: uint32,
      host: string,
      scheme: string,
      httpHeaders: array(object({ name: string, value: string })),
    },
    ['port'],
  ),
  tcpSocket: object({ host: string, port: uint32 }, ['port']),
  exec: object({ command: strings }, ['command']),
  grpc: object({ port: uint32, service: string }),
});

export const workloadGroupSpec: Build = object(
  {
    metadata: object({ labels: stringMap, annotations: stringMap }),
    template: workloadEntry,
    probe: readinessProbe,
  },
  ['template'],
);

// ---------------------------------------------------------------------------------------------
// Sidecar

const sidecarPort: Build = object({ number: uint32, protocol: string, name: string, targetPort: uint32 });
const captureMode: Build = enumOf('DEFAULT', 'IPTABLES', 'NONE');

export const sidecarSpec: Build = object({
  workloadSelector: networkingWorkloadSelector,
  ingress: array(
    object(
      {
        port: sidecarPort,
        bind: string,
        captureMode,
        defaultEndpoint: string,
        tls: serverTlsSettings,
        connectionPool: connectionPoolSettings,
      },
      ['port'],
    ),
  ),
  egress: array(object({ port: sidecarPort, bind: string, captureMode, hosts: strings }, ['hosts'])),
  inboundConnectionPool: connectionPoolSettings,
  outboundTrafficPolicy: object({ mode: enumOf('REGISTRY_ONLY', 'ALLOW_ANY'), egressProxy: destination }),
});
