/**
 * An Envoy bootstrap file as users write it (testdata/envoy-bootstrap.yaml: YAML, snake_case,
 * typed configs with "@type") read into the generated Bootstrap type, the way the proxy will
 * read `-c envoy.yaml`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { unpackAnyAs } from '../any';
import { Bootstrap } from '../generated/envoy/config/bootstrap/v3/bootstrap';
import { Cluster_DiscoveryType, Cluster_DnsLookupFamily } from '../generated/envoy/config/cluster/v3/cluster';
import { FileAccessLog } from '../generated/envoy/extensions/access_loggers/file/v3/file';
import { Router } from '../generated/envoy/extensions/filters/http/router/v3/router';
import { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { UpstreamTlsContext } from '../generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { fromCanonicalJson } from './from-json';
import { formatCanonicalJsonError } from './json-errors';
import { toCanonicalJson } from './to-json';

const file = join(process.cwd(), 'libs', 'xds', 'testdata', 'envoy-bootstrap.yaml');
const document = (): Record<string, unknown> => parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

function readBootstrap(json: unknown): Bootstrap {
  const result = fromCanonicalJson(Bootstrap, json);
  if (!result.ok) throw new Error(formatCanonicalJsonError(result.error));
  return result.message;
}

describe('an Envoy v3 bootstrap in YAML', () => {
  const bootstrap = readBootstrap(document());

  it('parses into the generated Bootstrap: admin, node, the listener on 10000 and its HTTP connection manager', () => {
    expect(bootstrap.node).toMatchObject({
      id: 'quickstart~127.0.0.1~demo.default~default.svc.cluster.local',
      cluster: 'demo',
    });
    expect(bootstrap.admin?.address?.socketAddress).toMatchObject({ address: '127.0.0.1', portValue: 9901 });
    const adminLog = bootstrap.admin?.accessLog?.[0]?.typedConfig;
    expect(adminLog && unpackAnyAs(FileAccessLog, adminLog).path).toBe('/dev/null');

    const [listener] = bootstrap.staticResources?.listeners ?? [];
    expect(listener.name).toBe('listener_0');
    expect(listener.address?.socketAddress).toMatchObject({ address: '0.0.0.0', portValue: 10000 });
    const filter = listener.filterChains?.[0]?.filters?.[0];
    expect(filter?.name).toBe('envoy.filters.network.http_connection_manager');
    if (!filter?.typedConfig) throw new Error('no typed_config on the filter');
    const hcm = unpackAnyAs(HttpConnectionManager, filter.typedConfig);
    expect(hcm.statPrefix).toBe('ingress_http');
    const route = hcm.routeConfig?.virtualHosts?.[0]?.routes?.[0];
    expect(route?.match?.prefix).toBe('/');
    expect(route?.route).toMatchObject({
      cluster: 'service_envoyproxy_io',
      hostRewriteLiteral: 'www.envoyproxy.io',
      timeout: { seconds: 15, nanos: 0 },
    });
    const [router] = hcm.httpFilters ?? [];
    expect(router.name).toBe('envoy.filters.http.router');
    if (!router.typedConfig) throw new Error('no typed_config on the router');
    expect(unpackAnyAs(Router, router.typedConfig)).toBeDefined();
    const log = hcm.accessLog?.[0]?.typedConfig;
    expect(log && unpackAnyAs(FileAccessLog, log).path).toBe('/dev/stdout');
  });

  it('parses the LOGICAL_DNS cluster with its load assignment and upstream TLS (SNI)', () => {
    const [cluster] = bootstrap.staticResources?.clusters ?? [];
    expect(cluster).toMatchObject({
      name: 'service_envoyproxy_io',
      type: Cluster_DiscoveryType.LOGICAL_DNS,
      dnsLookupFamily: Cluster_DnsLookupFamily.V4_ONLY,
      connectTimeout: { seconds: 0, nanos: 250_000_000 },
      perConnectionBufferLimitBytes: 32768,
    });
    const endpoint = cluster.loadAssignment?.endpoints?.[0]?.lbEndpoints?.[0]?.endpoint;
    expect(endpoint?.address?.socketAddress).toMatchObject({ address: 'www.envoyproxy.io', portValue: 443 });
    expect(cluster.transportSocket?.name).toBe('envoy.transport_sockets.tls');
    if (!cluster.transportSocket?.typedConfig) throw new Error('no typed_config on the transport socket');
    expect(unpackAnyAs(UpstreamTlsContext, cluster.transportSocket.typedConfig).sni).toBe('www.envoyproxy.io');
  });

  it('prints back as the same document in canonical form (defaults dropped, durations normalized)', () => {
    const printed = toCanonicalJson(Bootstrap, bootstrap, { protoFieldNames: true });
    const expected = document();
    const resources = expected.static_resources as { clusters: Array<Record<string, unknown>>; listeners: unknown[] };
    resources.clusters[0].connect_timeout = '0.250s';
    resources.clusters[0].lb_policy = undefined; // ROUND_ROBIN is the default
    const hcm = JSON.stringify(resources.listeners).replace(/"codec_type":"AUTO",/, ''); // AUTO is the default
    resources.listeners = JSON.parse(hcm) as unknown[];
    expect(JSON.parse(JSON.stringify(printed))).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('names the field path of a mistake in the file', () => {
    const text = readFileSync(file, 'utf8').replace('host_rewrite_literal:', 'host_rewrite:');
    const result = fromCanonicalJson(Bootstrap, parse(text));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toEqual({
      path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.host_rewrite',
      message: 'unknown field "host_rewrite" in envoy.config.route.v3.RouteAction',
    });
  });
});
