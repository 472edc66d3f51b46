/**
 * A cluster while it is being built: the Cluster message plus the upstream HTTP protocol options
 * that end up packed in `typed_extension_protocol_options` under
 * `envoy.extensions.upstreams.http.v3.HttpProtocolOptions`. Several steps (port protocol,
 * connection pool, H2 upgrade, TLS auto-SNI) each add to the options; `finishCluster` packs them
 * once at the end.
 */
import { packAny, type Cluster } from '@mesh/xds';
import type { Http2ProtocolOptions } from '@mesh/xds/generated/envoy/config/core/v3/protocol';
import { HttpProtocolOptions } from '@mesh/xds/generated/envoy/extensions/upstreams/http/v3/http_protocol_options';

/** The key Envoy looks the upstream HTTP options up by. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export interface ClusterDraft {
  cluster: Cluster;
  http?: HttpProtocolOptions;
}

function options(draft: ClusterDraft): HttpProtocolOptions {
  return (draft.http ??= {});
}

/** Speak HTTP/2 to the upstream (h2c, or h2 over TLS). */
export function useHttp2(draft: ClusterDraft, http2: Http2ProtocolOptions = {}): void {
  const http = options(draft);
  delete http.useDownstreamProtocolConfig;
  delete http.autoConfig;
  // Already HTTP/2: keep the options set so far (max concurrent streams).
  const current = http.explicitHttpConfig?.http2ProtocolOptions;
  http.explicitHttpConfig = { http2ProtocolOptions: current ?? http2 };
}

/** Speak to the upstream whatever the downstream spoke (HTTP/1.1 or HTTP/2): used when the protocol is sniffed. */
export function useDownstreamProtocol(draft: ClusterDraft): void {
  const http = options(draft);
  delete http.explicitHttpConfig;
  delete http.autoConfig;
  http.useDownstreamProtocolConfig = { httpProtocolOptions: {}, http2ProtocolOptions: {} };
}

export function isHttp2(draft: ClusterDraft): boolean {
  return draft.http?.explicitHttpConfig?.http2ProtocolOptions !== undefined;
}

/** Common options (idle timeout, max requests per connection, ...): created on first use. */
export function commonHttpOptions(draft: ClusterDraft): NonNullable<HttpProtocolOptions['commonHttpProtocolOptions']> {
  return (options(draft).commonHttpProtocolOptions ??= {});
}

export function upstreamHttpOptions(
  draft: ClusterDraft,
): NonNullable<HttpProtocolOptions['upstreamHttpProtocolOptions']> {
  return (options(draft).upstreamHttpProtocolOptions ??= {});
}

/**
 * The finished Cluster. Envoy requires HttpProtocolOptions to choose a protocol, so options that
 * only set common settings get an explicit HTTP/1.1 config, as Istio writes them.
 */
export function finishCluster(draft: ClusterDraft): Cluster {
  const http = draft.http;
  if (!http) return draft.cluster;
  if (!http.explicitHttpConfig && !http.useDownstreamProtocolConfig && !http.autoConfig) {
    http.explicitHttpConfig = { httpProtocolOptions: {} };
  }
  return {
    ...draft.cluster,
    typedExtensionProtocolOptions: { [HTTP_PROTOCOL_OPTIONS_KEY]: packAny(HttpProtocolOptions, http) },
  };
}
