/**
 * The simulator's own semantics, on hand-written configuration: Envoy's filter chain
 * specificity, virtual host domain precedence, header matching (absent, inverted, treated as
 * empty) and the check that named clusters exist. The behaviour specs rely on these.
 */
import { packAny } from '@mesh/xds';
import type { Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import type { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { TcpProxy } from '@mesh/xds/generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy';
import { httpInspectorListenerFilter, tlsInspectorListenerFilter } from '../common/well-known';
import { Simulation } from './simulator';

const tcp = (cluster: string) => ({ name: 'tcp', typedConfig: packAny(TcpProxy, { statPrefix: cluster, cluster }) });
const hcm = (rds: string) => ({
  name: 'hcm',
  typedConfig: packAny(HttpConnectionManager, { statPrefix: 'x', rds: { routeConfigName: rds } }),
});

const chains: Listener = {
  name: 'l',
  address: { socketAddress: { address: '0.0.0.0', portValue: 15006 } },
  trafficDirection: 1, // INBOUND: connections keep their original destination port
  listenerFilters: [tlsInspectorListenerFilter(), httpInspectorListenerFilter()],
  filterChains: [
    { name: 'port-9000', filterChainMatch: { destinationPort: 9000 }, filters: [tcp('a')] },
    { name: 'sni-exact', filterChainMatch: { serverNames: ['api.example.com'] }, filters: [tcp('b')] },
    { name: 'sni-wild', filterChainMatch: { serverNames: ['*.example.com'] }, filters: [tcp('c')] },
    {
      name: 'cidr-16',
      filterChainMatch: { prefixRanges: [{ addressPrefix: '10.1.0.0', prefixLen: 16 }] },
      filters: [tcp('d')],
    },
    {
      name: 'cidr-24',
      filterChainMatch: { prefixRanges: [{ addressPrefix: '10.1.2.0', prefixLen: 24 }] },
      filters: [tcp('e')],
    },
    {
      name: 'http',
      filterChainMatch: { transportProtocol: 'raw_buffer', applicationProtocols: ['http/1.1', 'h2c'] },
      filters: [hcm('routes')],
    },
  ],
  defaultFilterChain: { name: 'fallback', filters: [tcp('z')] },
};

const routes: RouteConfiguration = {
  name: 'routes',
  virtualHosts: [
    {
      name: 'exact',
      domains: ['www.example.com'],
      routes: [{ name: 'e', match: { prefix: '/' }, route: { cluster: 'a' } }],
    },
    {
      name: 'suffix-long',
      domains: ['*.b.example.com'],
      routes: [{ name: 's2', match: { prefix: '/' }, route: { cluster: 'a' } }],
    },
    {
      name: 'suffix',
      domains: ['*.example.com'],
      routes: [{ name: 's', match: { prefix: '/' }, route: { cluster: 'a' } }],
    },
    { name: 'prefix', domains: ['www.*'], routes: [{ name: 'p', match: { prefix: '/' }, route: { cluster: 'a' } }] },
    {
      name: 'any',
      domains: ['*'],
      routes: [
        {
          name: 'absent-inverted',
          match: { prefix: '/inv', headers: [{ name: 'x', stringMatch: { exact: '1' }, invertMatch: true }] },
          route: { cluster: 'a' },
        },
        {
          name: 'not-present',
          match: { prefix: '/np', headers: [{ name: 'x', presentMatch: false }] },
          route: { cluster: 'a' },
        },
        { name: 'regex', match: { safeRegex: { regex: '/r/[0-9]+' } }, route: { cluster: 'a' } },
        { name: 'nocase', match: { path: '/Case', caseSensitive: false }, route: { cluster: 'missing' } },
        { name: 'last', match: { prefix: '/' }, route: { cluster: 'a' } },
      ],
    },
  ],
};

const sim = new Simulation({ listeners: [chains], routes: [routes], clusters: [{ name: 'a' }, { name: 'z' }] });

describe('filter chain selection', () => {
  it('decides by destination port before anything else', () => {
    expect(sim.run({ port: 9000, capture: 'inbound', address: '10.1.2.3', protocol: 'tcp' }).filterChain).toBe(
      'port-9000',
    );
    expect(sim.run({ port: 8000, capture: 'inbound', address: '10.1.2.3', protocol: 'tcp' }).filterChain).toBe(
      'cidr-24',
    );
  });

  it('prefers the longest matching destination range', () => {
    const at = (address: string) =>
      sim.run({ port: 8000, capture: 'inbound' as const, address, protocol: 'tcp' }).filterChain;
    expect(at('10.1.2.3')).toBe('cidr-24');
    expect(at('10.1.9.9')).toBe('cidr-16');
  });

  it('prefers an exact server name over a wildcard, and falls back to the default chain', () => {
    const sni = (name: string) =>
      sim.run({ port: 8000, capture: 'inbound' as const, protocol: 'tcp', tls: { sni: name } }).filterChain;
    expect(sni('api.example.com')).toBe('sni-exact');
    expect(sni('www.example.com')).toBe('sni-wild');
    expect(sni('example.org')).toBe('fallback');
  });

  it('sends HTTP to the chain matching the ALPN the HTTP inspector reports', () => {
    expect(sim.run({ port: 8000, capture: 'inbound' as const, authority: 'www.example.com' }).filterChain).toBe('http');
    expect(
      sim.run({ port: 8000, capture: 'inbound' as const, protocol: 'http2', authority: 'www.example.com' }).filterChain,
    ).toBe('http');
  });
});

describe('virtual host selection', () => {
  const host = (authority: string) => sim.run({ port: 8000, capture: 'inbound' as const, authority }).virtualHost;
  it('ranks exact, then the longest suffix wildcard, then prefix wildcards, then *', () => {
    expect(host('www.example.com')).toBe('exact');
    expect(host('a.b.example.com')).toBe('suffix-long');
    expect(host('api.example.com')).toBe('suffix');
    expect(host('www.example.org')).toBe('prefix');
    expect(host('other.org')).toBe('any');
  });
});

describe('route matching', () => {
  const route = (path: string, headers: Record<string, string> = {}) =>
    sim.run({ port: 8000, capture: 'inbound' as const, authority: 'other.org', path, headers });
  it('passes an inverted value match when the header is absent', () => {
    expect(route('/inv').route).toBe('absent-inverted');
    expect(route('/inv', { x: '1' }).route).toBe('last');
    expect(route('/inv', { x: '2' }).route).toBe('absent-inverted');
  });

  it('matches present_match false only when the header is absent', () => {
    expect(route('/np').route).toBe('not-present');
    expect(route('/np', { x: '' }).route).toBe('last');
  });

  it('matches safe_regex against the whole path', () => {
    expect(route('/r/123').route).toBe('regex');
    expect(route('/r/123/x').route).toBe('last');
  });

  it('reports a cluster the CDS does not have', () => {
    expect(route('/case')).toMatchObject({ route: 'nocase', error: 'unknown-cluster' });
  });
});
