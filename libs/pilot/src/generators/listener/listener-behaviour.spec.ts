/**
 * Listener generation cases the scenarios do not cover, on small inline configs: port conflicts
 * between protocols, Sidecar egress listeners that bind real ports, headless services, sniffed
 * inbound ports, access logs, and which names the generators serve.
 */
import { pushRequest, type Proxy } from '@mesh/mesh-model';
import { TypeUrl, unpackAnyAs } from '@mesh/xds';
import { type Listener } from '@mesh/xds/generated/envoy/config/listener/v3/listener';
import { RouteConfiguration } from '@mesh/xds/generated/envoy/config/route/v3/route';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { TcpProxy } from '@mesh/xds/generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy';
import { routeGenerator, grpcRouteGenerator } from '../route/rds-generator';
import { Simulation } from '../simulation';
import { loadScenario, proxyOf } from '../testing/scenario';
import { buildListeners, grpcListenerGenerator, listenerGenerator } from './lds-generator';

const request = pushRequest({ reason: 'proxy', start: 0 });
const client = (labels: Record<string, string> = { app: 'client' }): Proxy =>
  proxyOf('default', 'client-0', '10.1.9.9', { labels });
const byName = (listeners: readonly Listener[], name: string) => listeners.find((l) => l.name === name);

const webAndOpaqueOnOnePort = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIP: 10.96.1.1
  ports: [{name: http, port: 8080}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy-tcp, namespace: default}
spec:
  hosts: [legacy.tcp.internal]
  ports: [{number: 8080, name: tcp, protocol: TCP}]
  location: MESH_INTERNAL
  resolution: NONE
`;

describe('outbound listeners', () => {
  it('merges an HTTP and an address-less TCP service of one port into one sniffed listener', () => {
    const { push } = loadScenario({ inline: [webAndOpaqueOnOnePort] });
    const listeners = buildListeners(push, client());
    const shared = byName(listeners, '0.0.0.0_8080');
    expect(shared?.listenerFilters?.map((f) => f.name)).toEqual(['envoy.filters.listener.http_inspector']);
    const sim = new Simulation({ listeners, routes: [] });
    // HTTP is recognised and routed by RDS 8080; anything else goes to the TCP service.
    expect(sim.run({ port: 8080, capture: 'outbound', authority: 'web:8080' })).toMatchObject({
      listener: '0.0.0.0_8080',
      network: 'http',
      error: 'no-route-configuration',
    });
    expect(sim.run({ port: 8080, capture: 'outbound', protocol: 'tcp' })).toMatchObject({
      network: 'tcp',
      clusters: [{ name: 'outbound|8080||legacy.tcp.internal', weight: 1 }],
    });
  });

  it('binds real ports for a Sidecar egress listener with captureMode NONE', () => {
    const { push } = loadScenario({
      inline: [
        webAndOpaqueOnOnePort,
        `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
  - port: {number: 8080, protocol: HTTP, name: egress-http}
    captureMode: NONE
    hosts: ["./web.default.svc.cluster.local"]
  - hosts: ["./*"]
`,
      ],
    });
    const listeners = buildListeners(push, client());
    const bound = byName(listeners, '127.0.0.1_8080');
    expect(bound).toBeDefined();
    expect(bound?.bindToPort).toBeUndefined(); // bound (Envoy's default), not virtual
    const hcm = unpackAnyAs(HttpConnectionManager, bound!.filterChains![0].filters![0].typedConfig!);
    expect(hcm.rds?.routeConfigName).toBe('8080');
    // The catch-all listener still adds the other ports, virtually.
    expect(byName(listeners, '0.0.0.0_8080')?.bindToPort).toBe(false);
  });

  it('gives each endpoint of a headless TCP service its own listener', () => {
    const { push } = loadScenario({
      inline: [
        `
apiVersion: v1
kind: Service
metadata: {name: pg, namespace: default}
spec:
  clusterIP: None
  ports: [{name: tcp-postgres, port: 5432}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: pg-1
  namespace: default
  labels: {kubernetes.io/service-name: pg}
addressType: IPv4
ports: [{name: tcp-postgres, port: 5432, protocol: TCP}]
endpoints:
- addresses: ["10.3.0.1"]
- addresses: ["10.3.0.2"]
`,
      ],
    });
    const names = buildListeners(push, client()).map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(['10.3.0.1_5432', '10.3.0.2_5432']));
    expect(names).not.toContain('0.0.0.0_5432');
  });
});

describe('inbound listener', () => {
  it('sniffs an inbound port without protocol: HTTP by ALPN, the rest as TCP', () => {
    const { push } = loadScenario({
      inline: [
        `
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  clusterIP: 10.96.2.2
  ports: [{name: web, port: 7000}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-1
  namespace: default
  labels: {kubernetes.io/service-name: echo}
addressType: IPv4
ports: [{name: web, port: 7000, protocol: TCP}]
endpoints:
- addresses: ["10.1.9.9"]
`,
      ],
    });
    const sim = new Simulation({ listeners: buildListeners(push, client()), routes: [] });
    expect(sim.run({ port: 7000, capture: 'inbound', authority: 'echo:7000' })).toMatchObject({
      filterChain: '0.0.0.0_7000',
      network: 'http',
      clusters: [{ name: 'inbound|7000||', weight: 1 }],
    });
    expect(sim.run({ port: 7000, capture: 'inbound', protocol: 'tcp' })).toMatchObject({
      filterChain: '0.0.0.0_7000',
      network: 'tcp',
      clusters: [{ name: 'inbound|7000||', weight: 1 }],
    });
  });
});

describe('access logs', () => {
  it('attaches the mesh file access log to HTTP connection managers and TCP proxies', () => {
    const { push } = loadScenario({
      inline: [webAndOpaqueOnOnePort],
      mesh: { accessLogFile: '/dev/stdout', accessLogEncoding: 'JSON' },
    });
    const shared = byName(buildListeners(push, client()), '0.0.0.0_8080')!;
    const [http] = shared.filterChains!;
    const hcm = unpackAnyAs(HttpConnectionManager, http.filters![0].typedConfig!);
    expect(hcm.accessLog?.map((a) => a.name)).toEqual(['envoy.access_loggers.file']);
    const tcp = unpackAnyAs(TcpProxy, shared.defaultFilterChain!.filters![0].typedConfig!);
    expect(tcp.accessLog).toHaveLength(1);
  });

  it('logs nothing when the mesh sets no access log file', () => {
    const { push } = loadScenario({ inline: [webAndOpaqueOnOnePort] });
    const shared = byName(buildListeners(push, client()), '0.0.0.0_8080')!;
    expect(unpackAnyAs(HttpConnectionManager, shared.filterChains![0].filters![0].typedConfig!).accessLog).toEqual([]);
  });
});

describe('names the generators serve', () => {
  const { push } = loadScenario({ inline: [webAndOpaqueOnOnePort] });

  it('gives an Envoy proxy only the listeners it names, all of them for a wildcard', async () => {
    const named = await listenerGenerator.generate(
      client(),
      { typeUrl: TypeUrl.Listener, resourceNames: new Set(['virtualOutbound']) },
      push,
      request,
    );
    expect(named.resources.map((r) => r.name)).toEqual(['virtualOutbound']);
    const all = await listenerGenerator.generate(
      client(),
      { typeUrl: TypeUrl.Listener, resourceNames: new Set() },
      push,
      request,
    );
    expect(all.resources.map((r) => r.name)).toEqual(['virtualInbound', '0.0.0.0_8080', 'virtualOutbound']);
  });

  it('gives a gRPC client nothing for a wildcard and nothing for an unknown name', async () => {
    const grpc = proxyOf('default', 'g-0', '10.1.9.8', { generator: 'grpc' });
    for (const names of [[], ['nope.default.svc.cluster.local:1']]) {
      const result = await grpcListenerGenerator.generate(
        grpc,
        { typeUrl: TypeUrl.Listener, resourceNames: new Set(names) },
        push,
        request,
      );
      expect(result.resources).toEqual([]);
    }
    const rds = await grpcRouteGenerator.generate(
      grpc,
      { typeUrl: TypeUrl.RouteConfiguration, resourceNames: new Set() },
      push,
      request,
    );
    expect(rds.resources).toEqual([]);
  });

  it('answers a route name nothing serves with an empty configuration of that name', async () => {
    const result = await routeGenerator.generate(
      client(),
      { typeUrl: TypeUrl.RouteConfiguration, resourceNames: new Set(['4242', 'bogus']) },
      push,
      request,
    );
    const configs = result.resources.map((r) => unpackAnyAs(RouteConfiguration, r.resource));
    expect(configs.map((c) => c.name)).toEqual(['4242', 'bogus']);
    expect(configs[1].virtualHosts).toEqual([]);
    // 4242 has no service, but its catch-all still answers (the proxy may have a listener on it).
    expect(configs[0].virtualHosts?.map((v) => v.name)).toEqual(['allow_any']);
  });

  it('lists the route names of the proxy listeners for a wildcard RDS request', async () => {
    const result = await routeGenerator.generate(
      client(),
      { typeUrl: TypeUrl.RouteConfiguration, resourceNames: new Set() },
      push,
      request,
    );
    expect(result.resources.map((r) => r.name)).toEqual(['8080']);
  });
});

describe('route configurations shared between proxies', () => {
  const { push } = loadScenario({ inline: [webAndOpaqueOnOnePort] });
  const rds = (proxy: Proxy) =>
    routeGenerator.generate(
      proxy,
      { typeUrl: TypeUrl.RouteConfiguration, resourceNames: new Set(['8080']) },
      push,
      request,
    );

  it('serves proxies with the same view the same built configuration, others their own', async () => {
    const [a] = (await rds(proxyOf('default', 'a-0', '10.1.8.1', { labels: { app: 'client' } }))).resources;
    const [b] = (await rds(proxyOf('default', 'b-0', '10.1.8.2', { labels: { app: 'client' } }))).resources;
    const [other] = (await rds(proxyOf('prod', 'c-0', '10.1.8.3', { labels: { app: 'client' } }))).resources;
    expect(b).toBe(a);
    expect(other).not.toBe(a);
    // The other namespace sees the same services under other short names.
    const domains = (r: typeof a) => unpackAnyAs(RouteConfiguration, r.resource).virtualHosts?.[0].domains;
    expect(domains(a)).toContain('web');
    expect(domains(other)).not.toContain('web');
    expect(domains(other)).toContain('web.default');
  });
});
