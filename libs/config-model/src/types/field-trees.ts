/**
 * The field names of each Istio spec as data, checked against the interfaces by the compiler:
 * `FieldTree<T>` requires an entry for every field of T and rejects any other, so the trees and
 * the typed models cannot drift apart. Used to find fields a manifest has that the models do not
 * (e.g. unknown-field warnings, and the corpus test that keeps the models complete).
 */
import type { IstioKind } from '../schema';
import type { Destination, PolicyTargetReference, StringMatch, WorkloadSelector } from './common';
import type {
  ClientTLSSettings,
  ConnectionPoolSettings,
  LoadBalancerSettings,
  LocalityLoadBalancerSetting,
  OutlierDetection,
  TrafficPolicy,
} from './destination-rule';
import type { ServerTLSSettings } from './gateway';
import type { ServiceEntrySpec, WorkloadEntrySpec } from './service-entry';
import type { SidecarPort } from './sidecar';
import type { SpecByKind } from './spec-of';
import type { Headers, RouteDestination } from './virtual-service';
import type { ProviderRef, WorkloadMode } from './telemetry';

/** `true` for a scalar, `[tree]` for a list, `{ '*': tree }` for a map with free keys, else one entry per field. */
export type FieldTree<T> = [T] extends [string | number | boolean]
  ? true
  : [T] extends [ReadonlyArray<infer E>]
    ? readonly [FieldTree<E>]
    : string extends keyof T
      ? { readonly '*': FieldTree<T[string & keyof T]> }
      : { readonly [K in keyof T]-?: FieldTree<NonNullable<T[K]>> };

/** Any tree, for code that walks one without knowing its type. */
export type AnyFieldTree = true | readonly [AnyFieldTree] | { readonly [key: string]: AnyFieldTree };

const labels = { '*': true } as const;
const stringMatch: FieldTree<StringMatch> = { exact: true, prefix: true, regex: true };
const destination: FieldTree<Destination> = { host: true, subset: true, port: { number: true } };
const workloadSelector: FieldTree<WorkloadSelector> = { matchLabels: labels };
const targetRef: FieldTree<PolicyTargetReference> = { group: true, kind: true, name: true, namespace: true };

const locality: FieldTree<LocalityLoadBalancerSetting> = {
  distribute: [{ from: true, to: labels }],
  failover: [{ from: true, to: true }],
  failoverPriority: [true],
  enabled: true,
};
const loadBalancer: FieldTree<LoadBalancerSettings> = {
  simple: true,
  consistentHash: {
    httpHeaderName: true,
    httpCookie: { name: true, path: true, ttl: true },
    useSourceIp: true,
    httpQueryParameterName: true,
    ringHash: { minimumRingSize: true },
    maglev: { tableSize: true },
    minimumRingSize: true,
  },
  localityLbSetting: locality,
  warmupDurationSecs: true,
  warmup: { duration: true, minimumPercent: true, aggression: true },
};
const connectionPool: FieldTree<ConnectionPoolSettings> = {
  tcp: {
    maxConnections: true,
    connectTimeout: true,
    tcpKeepalive: { probes: true, time: true, interval: true },
    maxConnectionDuration: true,
    idleTimeout: true,
  },
  http: {
    http1MaxPendingRequests: true,
    http2MaxRequests: true,
    maxRequestsPerConnection: true,
    maxRetries: true,
    idleTimeout: true,
    h2UpgradePolicy: true,
    useClientProtocol: true,
    maxConcurrentStreams: true,
  },
};
const outlierDetection: FieldTree<OutlierDetection> = {
  splitExternalLocalOriginErrors: true,
  consecutiveLocalOriginFailures: true,
  consecutiveGatewayErrors: true,
  consecutive5xxErrors: true,
  interval: true,
  baseEjectionTime: true,
  maxEjectionPercent: true,
  minHealthPercent: true,
  consecutiveErrors: true,
};
const clientTls: FieldTree<ClientTLSSettings> = {
  mode: true,
  clientCertificate: true,
  privateKey: true,
  caCertificates: true,
  credentialName: true,
  subjectAltNames: [true],
  sni: true,
  insecureSkipVerify: true,
  caCrl: true,
};
const trafficPolicy: FieldTree<TrafficPolicy> = {
  loadBalancer,
  connectionPool,
  outlierDetection,
  tls: clientTls,
  portLevelSettings: [{ port: { number: true }, loadBalancer, connectionPool, outlierDetection, tls: clientTls }],
  tunnel: { protocol: true, targetHost: true, targetPort: true },
  proxyProtocol: { version: true },
  retryBudget: { percent: true, minRetryConcurrency: true },
};
const serverTls: FieldTree<ServerTLSSettings> = {
  httpsRedirect: true,
  mode: true,
  serverCertificate: true,
  privateKey: true,
  caCertificates: true,
  caCrl: true,
  credentialName: true,
  credentialNames: [true],
  tlsCertificates: [{ serverCertificate: true, privateKey: true, caCertificates: true }],
  subjectAltNames: [true],
  verifyCertificateSpki: [true],
  verifyCertificateHash: [true],
  minProtocolVersion: true,
  maxProtocolVersion: true,
  cipherSuites: [true],
};
const headerOperations = { set: labels, add: labels, remove: [true] } as const;
const headers: FieldTree<Headers> = { request: headerOperations, response: headerOperations };
const routeDestination: FieldTree<RouteDestination> = { destination, weight: true };
const workloadEntry: FieldTree<WorkloadEntrySpec> = {
  address: true,
  ports: labels,
  labels,
  network: true,
  locality: true,
  weight: true,
  serviceAccount: true,
};
const sidecarPort: FieldTree<SidecarPort> = { number: true, protocol: true, name: true, targetPort: true };
const serviceEntry: FieldTree<ServiceEntrySpec> = {
  hosts: [true],
  addresses: [true],
  ports: [{ number: true, protocol: true, name: true, targetPort: true }],
  location: true,
  resolution: true,
  endpoints: [workloadEntry],
  workloadSelector: { labels },
  exportTo: [true],
  subjectAltNames: [true],
};
const providers: FieldTree<ProviderRef[]> = [{ name: true }];
const modeMatch: FieldTree<{ mode?: WorkloadMode }> = { mode: true };

export const specFieldTrees: { readonly [K in IstioKind]: FieldTree<SpecByKind[K]> } = {
  VirtualService: {
    hosts: [true],
    gateways: [true],
    http: [
      {
        name: true,
        match: [
          {
            name: true,
            uri: stringMatch,
            scheme: stringMatch,
            method: stringMatch,
            authority: stringMatch,
            headers: { '*': stringMatch },
            port: true,
            sourceLabels: labels,
            gateways: [true],
            queryParams: { '*': stringMatch },
            ignoreUriCase: true,
            withoutHeaders: { '*': stringMatch },
            sourceNamespace: true,
            statPrefix: true,
          },
        ],
        route: [{ destination, weight: true, headers }],
        redirect: { uri: true, authority: true, port: true, derivePort: true, scheme: true, redirectCode: true },
        directResponse: { status: true, body: { string: true, bytes: true } },
        delegate: { name: true, namespace: true },
        rewrite: { uri: true, authority: true, uriRegexRewrite: { match: true, rewrite: true } },
        timeout: true,
        retries: {
          attempts: true,
          perTryTimeout: true,
          retryOn: true,
          retryRemoteLocalities: true,
          retryIgnorePreviousHosts: true,
          backoff: true,
        },
        fault: {
          delay: { fixedDelay: true, exponentialDelay: true, percentage: { value: true }, percent: true },
          abort: { httpStatus: true, grpcStatus: true, http2Error: true, percentage: { value: true } },
        },
        mirror: destination,
        mirrorPercent: true,
        mirrorPercentage: { value: true },
        mirrors: [{ destination, percentage: { value: true } }],
        corsPolicy: {
          allowOrigins: [stringMatch],
          allowOrigin: [true],
          allowMethods: [true],
          allowHeaders: [true],
          exposeHeaders: [true],
          maxAge: true,
          allowCredentials: true,
          unmatchedPreflights: true,
        },
        headers,
      },
    ],
    tls: [
      {
        match: [
          {
            sniHosts: [true],
            destinationSubnets: [true],
            port: true,
            sourceLabels: labels,
            gateways: [true],
            sourceNamespace: true,
          },
        ],
        route: [routeDestination],
      },
    ],
    tcp: [
      {
        match: [
          {
            destinationSubnets: [true],
            port: true,
            sourceSubnet: true,
            sourceLabels: labels,
            gateways: [true],
            sourceNamespace: true,
          },
        ],
        route: [routeDestination],
      },
    ],
    exportTo: [true],
  },
  DestinationRule: {
    host: true,
    trafficPolicy,
    subsets: [{ name: true, labels, trafficPolicy }],
    exportTo: [true],
    workloadSelector,
  },
  Gateway: {
    servers: [
      {
        port: { number: true, protocol: true, name: true, targetPort: true },
        bind: true,
        hosts: [true],
        tls: serverTls,
        defaultEndpoint: true,
        name: true,
      },
    ],
    selector: labels,
  },
  ServiceEntry: serviceEntry,
  Sidecar: {
    workloadSelector: { labels },
    ingress: [
      {
        port: sidecarPort,
        bind: true,
        captureMode: true,
        defaultEndpoint: true,
        tls: serverTls,
        connectionPool,
      },
    ],
    egress: [{ port: sidecarPort, bind: true, captureMode: true, hosts: [true] }],
    inboundConnectionPool: connectionPool,
    outboundTrafficPolicy: { mode: true, egressProxy: destination },
  },
  WorkloadEntry: workloadEntry,
  WorkloadGroup: {
    metadata: { labels, annotations: labels },
    template: workloadEntry,
    probe: {
      initialDelaySeconds: true,
      timeoutSeconds: true,
      periodSeconds: true,
      successThreshold: true,
      failureThreshold: true,
      httpGet: { path: true, port: true, host: true, scheme: true, httpHeaders: [{ name: true, value: true }] },
      tcpSocket: { host: true, port: true },
      exec: { command: [true] },
      grpc: { port: true, service: true },
    },
  },
  PeerAuthentication: {
    selector: workloadSelector,
    mtls: { mode: true },
    portLevelMtls: { '*': { mode: true } },
  },
  AuthorizationPolicy: {
    selector: workloadSelector,
    targetRef,
    targetRefs: [targetRef],
    rules: [
      {
        from: [
          {
            source: {
              principals: [true],
              notPrincipals: [true],
              requestPrincipals: [true],
              notRequestPrincipals: [true],
              namespaces: [true],
              notNamespaces: [true],
              serviceAccounts: [true],
              notServiceAccounts: [true],
              ipBlocks: [true],
              notIpBlocks: [true],
              remoteIpBlocks: [true],
              notRemoteIpBlocks: [true],
            },
          },
        ],
        to: [
          {
            operation: {
              hosts: [true],
              notHosts: [true],
              ports: [true],
              notPorts: [true],
              methods: [true],
              notMethods: [true],
              paths: [true],
              notPaths: [true],
            },
          },
        ],
        when: [{ key: true, values: [true], notValues: [true] }],
      },
    ],
    action: true,
    provider: { name: true },
  },
  RequestAuthentication: {
    selector: workloadSelector,
    targetRef,
    targetRefs: [targetRef],
    jwtRules: [
      {
        issuer: true,
        audiences: [true],
        jwksUri: true,
        jwks: true,
        fromHeaders: [{ name: true, prefix: true }],
        fromParams: [true],
        fromCookies: [true],
        outputPayloadToHeader: true,
        forwardOriginalToken: true,
        outputClaimToHeaders: [{ header: true, claim: true }],
        timeout: true,
      },
    ],
  },
  Telemetry: {
    selector: workloadSelector,
    targetRef,
    targetRefs: [targetRef],
    tracing: [
      {
        match: modeMatch,
        providers,
        randomSamplingPercentage: true,
        disableSpanReporting: true,
        customTags: {
          '*': {
            literal: { value: true },
            environment: { name: true, defaultValue: true },
            header: { name: true, defaultValue: true },
          },
        },
        enableIstioTags: true,
        useRequestIdForTraceSampling: true,
      },
    ],
    metrics: [
      {
        providers,
        overrides: [
          {
            match: { metric: true, customMetric: true, mode: true },
            disabled: true,
            tagOverrides: { '*': { operation: true, value: true } },
          },
        ],
        reportingInterval: true,
      },
    ],
    accessLogging: [{ match: modeMatch, providers, disabled: true, filter: { expression: true } }],
  },
};
