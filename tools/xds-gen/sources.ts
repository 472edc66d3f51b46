/**
 * What the xDS code generator reads and which files it compiles.
 *
 * Upstream protos come from the @grpc/grpc-js-xds package (its `deps/` folder), never copied
 * into this repository; `proto/` holds the protos this project owns.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const xdsDeps = join(repoRoot, 'node_modules', '@grpc', 'grpc-js-xds', 'deps');

/**
 * Roots of .proto trees, merged into one staging tree before compiling. protoc-gen-validate is
 * left out on purpose: its annotations are stripped (see strip-validate.ts).
 */
export const protoRoots: readonly string[] = [
  join(xdsDeps, 'envoy-api'),
  join(xdsDeps, 'xds'),
  join(xdsDeps, 'googleapis'),
  join(repoRoot, 'proto'),
];

/** Files compiled; everything they import is generated too. */
export const entryProtos: readonly string[] = [
  // ADS and the per-type discovery services (state of the world and delta).
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/listener/v3/lds.proto',
  'envoy/service/route/v3/rds.proto',
  'envoy/service/cluster/v3/cds.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/secret/v3/sds.proto',
  'envoy/service/status/v3/csds.proto',
  // Resources.
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  // Bootstrap and admin (the proxy reads Envoy bootstrap files and serves config_dump).
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/admin/v3/config_dump.proto',
  'envoy/admin/v3/clusters.proto',
  // Network filters.
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  // HTTP filters.
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  // Listener filters.
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  // Upstream options, load balancing, access logs.
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/maglev/v3/maglev.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  // Typed structs carried in Any by Istio and gRPC.
  'xds/type/v3/typed_struct.proto',
  'udpa/type/v1/typed_struct.proto',
  // Owned by this project.
  'security/v1alpha1/ca.proto',
];

/**
 * ts-proto options. Why each:
 * - useOptionals=all: Envoy messages have dozens of fields; literals set only what they mean.
 * - outputTypeRegistry + outputTypeAnnotations=optional: a registry from full name to codec
 *   (so `Any` can be unpacked by type URL, and JSON `Any` uses the canonical "@type" form)
 *   without forcing `$type` into every object literal.
 * - useDate=false: keep Timestamp as {seconds, nanos}, as on the wire.
 * - outputServices=grpc-js: service definitions for @grpc/grpc-js servers and clients.
 */
export const tsProtoOptions: readonly string[] = [
  'esModuleInterop=true',
  'env=node',
  'useOptionals=all',
  'useDate=false',
  'outputServices=grpc-js',
  'outputTypeRegistry=true',
  'outputTypeAnnotations=optional',
];

export const generatedDir = join(repoRoot, 'libs', 'xds', 'src', 'generated');
