/**
 * Type URLs of the xDS resources and extension configs this mesh sends and reads.
 * One file, so a typo cannot hide in a generator (a go-control-plane habit).
 */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

export const TypeUrl = {
  // xDS resources.
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
  // Network filters.
  HttpConnectionManager:
    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  TcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  NetworkRbac: 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC',
  // HTTP filters.
  Router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  HttpRbac: 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
  HttpRbacPerRoute: 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute',
  JwtAuthentication: 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
  HttpFault: 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
  Cors: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  CorsPolicy: 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
  // Listener filters.
  OriginalDst: 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  TlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  HttpInspector: 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  // Transport sockets and upstream options.
  UpstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  DownstreamTlsContext: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  HttpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  RingHash: 'type.googleapis.com/envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash',
  Maglev: 'type.googleapis.com/envoy.extensions.load_balancing_policies.maglev.v3.Maglev',
  FileAccessLog: 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
  // Opaque structs carried in Any.
  TypedStruct: 'type.googleapis.com/xds.type.v3.TypedStruct',
  UdpaTypedStruct: 'type.googleapis.com/udpa.type.v1.TypedStruct',
} as const;

export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** The xDS resource types a discovery server pushes. */
export type XdsResourceTypeUrl =
  | typeof TypeUrl.Cluster
  | typeof TypeUrl.ClusterLoadAssignment
  | typeof TypeUrl.Listener
  | typeof TypeUrl.RouteConfiguration
  | typeof TypeUrl.Secret;

/**
 * Order in which a server sends resource types on an aggregated stream so that a client never
 * sees a reference before the thing it references: clusters before their endpoints, listeners
 * after clusters, routes after the listeners that name them (Envoy's xDS protocol guidance).
 * Secrets come first because clusters and listeners reference them.
 */
export const PUSH_ORDER: readonly XdsResourceTypeUrl[] = [
  TypeUrl.Secret,
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
];

/** Sorts type URLs by PUSH_ORDER; types not in the list keep their relative order at the end. */
export function sortByPushOrder<T extends string>(typeUrls: readonly T[]): T[] {
  const rank = (t: string): number => {
    const i = (PUSH_ORDER as readonly string[]).indexOf(t);
    return i === -1 ? PUSH_ORDER.length : i;
  };
  return [...typeUrls].sort((a, b) => rank(a) - rank(b));
}

/** `type.googleapis.com/a.b.C` → `a.b.C`; any host part before the last `/` is ignored. */
export function messageNameOf(typeUrl: string): string {
  const slash = typeUrl.lastIndexOf('/');
  return slash === -1 ? typeUrl : typeUrl.slice(slash + 1);
}

export function typeUrlOf(messageName: string): string {
  return TYPE_URL_PREFIX + messageName;
}
