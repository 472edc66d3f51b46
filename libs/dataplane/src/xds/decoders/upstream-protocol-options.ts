/**
 * A cluster's `typed_extension_protocol_options`: only the HTTP upstream options
 * (`envoy.extensions.upstreams.http.v3.HttpProtocolOptions`) are understood. This proxy speaks
 * HTTP/1.1 to upstreams and serves HTTP/1.1 downstream, so "HTTP/1.1" and "the downstream's
 * protocol" are the same thing and both are accepted; HTTP/2 or HTTP/3 upstream, and automatic
 * selection by ALPN, are rejected. Of the common options, the idle timeout and the requests per
 * connection are carried; the header count limit is accepted (it only bounds malformed responses).
 */
import { type Any, messageNameOf, TypeUrl } from '@mesh/xds';
import { HttpProtocolOptions } from '@mesh/xds/generated/envoy/extensions/upstreams/http/v3/http_protocol_options';
import { allowOnly, durationMs, unpackTyped } from './common';
import { fail, field } from './decode-result';

export interface UpstreamHttpSettings {
  readonly idleTimeoutMs?: number;
  readonly maxRequestsPerConnection?: number;
}

const HTTP_OPTIONS_NAME = messageNameOf(TypeUrl.HttpProtocolOptions);

export function upstreamProtocolOptions(
  options: { readonly [key: string]: Any } | undefined,
  path: string,
): UpstreamHttpSettings {
  let settings: UpstreamHttpSettings = {};
  for (const [key, any] of Object.entries(options ?? {})) {
    const at = `${path}["${key}"]`;
    if (key !== HTTP_OPTIONS_NAME && messageNameOf(any.typeUrl ?? '') !== HTTP_OPTIONS_NAME) {
      fail(at, `protocol options "${key}" are not supported by this proxy`);
    }
    settings = httpProtocolOptions(unpackTyped(HttpProtocolOptions, any, at), at);
  }
  return settings;
}

function httpProtocolOptions(options: HttpProtocolOptions, path: string): UpstreamHttpSettings {
  allowOnly(options, ['commonHttpProtocolOptions', 'explicitHttpConfig', 'useDownstreamProtocolConfig'], path);
  const explicit = options.explicitHttpConfig;
  if (explicit) {
    const at = field(path, 'explicit_http_config');
    if (explicit.http2ProtocolOptions)
      fail(field(at, 'http2_protocol_options'), 'HTTP/2 upstream is not supported by this proxy yet');
    if (explicit.http3ProtocolOptions)
      fail(field(at, 'http3_protocol_options'), 'HTTP/3 upstream is not supported by this proxy');
    if (explicit.httpProtocolOptions) allowOnly(explicit.httpProtocolOptions, [], field(at, 'http_protocol_options'));
  }
  const downstream = options.useDownstreamProtocolConfig;
  if (downstream) {
    // Downstream is HTTP/1.1 only, so only the HTTP/1.1 branch can ever be used; its settings must be defaults.
    const at = field(path, 'use_downstream_protocol_config');
    allowOnly(downstream, ['httpProtocolOptions', 'http2ProtocolOptions'], at);
    if (downstream.httpProtocolOptions)
      allowOnly(downstream.httpProtocolOptions, [], field(at, 'http_protocol_options'));
  }
  const common = options.commonHttpProtocolOptions;
  if (!common) return {};
  const at = field(path, 'common_http_protocol_options');
  allowOnly(common, ['idleTimeout', 'maxHeadersCount', 'maxRequestsPerConnection'], at);
  return {
    idleTimeoutMs: durationMs(common.idleTimeout, field(at, 'idle_timeout')),
    // UInt32Value: 0 or unset means no limit.
    maxRequestsPerConnection: common.maxRequestsPerConnection || undefined,
  };
}
