/**
 * From a type URL to the codec that reads it, for every type in TypeUrl.
 *
 * The map is explicit (not filled by import side effects) so that a missing or misspelled entry
 * is a compile error here, and a test checks that every TypeUrl resolves to a codec whose
 * message name matches.
 */
import { Cluster } from './generated/envoy/config/cluster/v3/cluster';
import { ClusterLoadAssignment } from './generated/envoy/config/endpoint/v3/endpoint';
import { Listener } from './generated/envoy/config/listener/v3/listener';
import { RouteConfiguration } from './generated/envoy/config/route/v3/route';
import { FileAccessLog } from './generated/envoy/extensions/access_loggers/file/v3/file';
import { Cors, CorsPolicy } from './generated/envoy/extensions/filters/http/cors/v3/cors';
import { HTTPFault } from './generated/envoy/extensions/filters/http/fault/v3/fault';
import { JwtAuthentication } from './generated/envoy/extensions/filters/http/jwt_authn/v3/config';
import { RBAC as HttpRbac, RBACPerRoute } from './generated/envoy/extensions/filters/http/rbac/v3/rbac';
import { Router } from './generated/envoy/extensions/filters/http/router/v3/router';
import { HttpInspector } from './generated/envoy/extensions/filters/listener/http_inspector/v3/http_inspector';
import { OriginalDst } from './generated/envoy/extensions/filters/listener/original_dst/v3/original_dst';
import { TlsInspector } from './generated/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector';
import { HttpConnectionManager } from './generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { RBAC as NetworkRbac } from './generated/envoy/extensions/filters/network/rbac/v3/rbac';
import { TcpProxy } from './generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy';
import { Maglev } from './generated/envoy/extensions/load_balancing_policies/maglev/v3/maglev';
import { RingHash } from './generated/envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash';
import { Secret } from './generated/envoy/extensions/transport_sockets/tls/v3/secret';
import { DownstreamTlsContext, UpstreamTlsContext } from './generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { HttpProtocolOptions } from './generated/envoy/extensions/upstreams/http/v3/http_protocol_options';
import { messageTypeRegistry, type MessageType } from './generated/typeRegistry';
import { TypedStruct as UdpaTypedStruct } from './generated/udpa/type/v1/typed_struct';
import { TypedStruct } from './generated/xds/type/v3/typed_struct';
import { messageNameOf, TypeUrl } from './type-urls';

/** What the registry knows about a message type: its full name and how to read and write it. */
export type MessageCodec = MessageType;

const codecs: Record<keyof typeof TypeUrl, MessageCodec> = {
  Listener,
  RouteConfiguration,
  Cluster,
  ClusterLoadAssignment,
  Secret,
  HttpConnectionManager,
  TcpProxy,
  NetworkRbac,
  Router,
  HttpRbac,
  HttpRbacPerRoute: RBACPerRoute,
  JwtAuthentication,
  HttpFault: HTTPFault,
  Cors,
  CorsPolicy,
  OriginalDst,
  TlsInspector,
  HttpInspector,
  UpstreamTlsContext,
  DownstreamTlsContext,
  HttpProtocolOptions,
  RingHash,
  Maglev,
  FileAccessLog,
  TypedStruct,
  UdpaTypedStruct,
};

const byTypeUrl: ReadonlyMap<string, MessageCodec> = new Map(
  (Object.keys(codecs) as Array<keyof typeof TypeUrl>).map((key) => [TypeUrl[key], codecs[key]]),
);

/**
 * The codec for a type URL, or undefined when the type is unknown. Types in TypeUrl come first;
 * any other generated message whose module has been loaded is found by its full name.
 */
export function codecForTypeUrl(typeUrl: string): MessageCodec | undefined {
  return byTypeUrl.get(typeUrl) ?? messageTypeRegistry.get(messageNameOf(typeUrl));
}

/** Every type URL with a registered codec in TypeUrl. */
export function knownTypeUrls(): string[] {
  return [...byTypeUrl.keys()];
}
