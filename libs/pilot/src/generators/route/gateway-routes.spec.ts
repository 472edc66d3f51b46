/**
 * How gateway route configurations bind VirtualServices to servers: host intersection (the
 * narrower host), namespace-restricted server hosts, routes merged from several VirtualServices
 * with catch-alls last, and servers of another kind on a used port left out.
 */
import { gatewayServersFor } from '../common/gateway-servers';
import { loadScenario, proxyOf } from '../testing/scenario';
import { gatewayRouteConfiguration } from './gateway-routes';

const router = proxyOf('istio-system', 'gw-0', '10.2.0.9', { type: 'router', labels: { istio: 'ingressgateway' } });

const config = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["shop.example.com", "prod/api.prod.example.com"]
  - port: {number: 8080, name: http-wide, protocol: HTTP}
    hosts: ["*.example.com"]
  - port: {number: 80, name: tls-on-80, protocol: TLS}
    hosts: ["x.example.com"]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: catch-all, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  hosts: ["*"]
  gateways: [gw]
  http:
  - route: [{destination: {host: fallback.default.svc.cluster.local, port: {number: 80}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: default, creationTimestamp: "2024-01-02T00:00:00Z"}
spec:
  hosts: ["shop.example.com"]
  gateways: [default/gw]
  http:
  - match: [{uri: {prefix: /cart}}]
    route: [{destination: {host: cart.default.svc.cluster.local, port: {number: 8080}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: intruder, namespace: default, creationTimestamp: "2024-01-03T00:00:00Z"}
spec:
  hosts: ["api.prod.example.com"]
  gateways: [default/gw]
  http:
  - route: [{destination: {host: evil.default.svc.cluster.local, port: {number: 80}}}]
`;

describe('gateway route configuration', () => {
  const { push } = loadScenario({ inline: [config] });
  const port80 = gatewayRouteConfiguration(push, router, 'http.80');
  const port8080 = gatewayRouteConfiguration(push, router, 'http.8080');

  it('gives a wildcard VirtualService the narrower server hosts', () => {
    expect(port8080.virtualHosts?.find((vh) => vh.name === '*.example.com:8080')?.domains).toEqual(['*.example.com']);
    expect(port80.virtualHosts?.map((vh) => vh.name)).toEqual(['shop.example.com:80']);
  });

  it('merges the routes of several VirtualServices for one host, the catch-all last', () => {
    const shop = port80.virtualHosts?.[0];
    expect(shop?.domains).toEqual(['shop.example.com', 'shop.example.com:*']);
    expect(shop?.routes?.map((r) => r.route?.cluster)).toEqual([
      'outbound|8080||cart.default.svc.cluster.local',
      'outbound|80||fallback.default.svc.cluster.local',
    ]);
  });

  it('admits only VirtualServices of `prod` to a `prod/` server host', () => {
    const domains = port80.virtualHosts?.flatMap((vh) => vh.domains ?? []);
    expect(domains).not.toContain('api.prod.example.com');
    // A server host of any namespace admits the same VirtualService.
    expect(port8080.virtualHosts?.map((vh) => vh.name)).toContain('api.prod.example.com:8080');
  });

  it('keeps the first kind of server on a port and leaves the other out', () => {
    const onPort80 = gatewayServersFor(push, router).ports.find((p) => p.port === 80);
    expect(onPort80?.kind).toBe('http');
    expect(onPort80?.servers.map((s) => s.server.port.name)).toEqual(['http']);
  });

  it('answers a route name no server uses with an empty configuration', () => {
    expect(gatewayRouteConfiguration(push, router, 'http.81')).toEqual({
      name: 'http.81',
      virtualHosts: [],
      validateClusters: false,
    });
  });
});
