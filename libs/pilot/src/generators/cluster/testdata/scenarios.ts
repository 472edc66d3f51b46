/**
 * The scenarios the cluster and endpoint specs share: Istio YAML (the Bookinfo samples read in
 * place from the corpus, the rest under libs/pilot/testdata/clusters) and the proxies that look at
 * it. Each scenario is built once per spec file.
 */
import type { Proxy, PushContext } from '@mesh/mesh-model';
import { loadScenario, proxyOf, type ScenarioSources } from '../../testing/scenario';

export interface ScenarioProxy {
  /** Names the proxy in golden files. */
  readonly name: string;
  readonly proxy: Proxy;
  /** Clusters a proxyless gRPC client asks for (it never asks for all). */
  readonly requestedClusters?: readonly string[];
}

export interface ClusterScenario {
  readonly name: string;
  readonly sources: ScenarioSources;
  readonly proxies: readonly ScenarioProxy[];
}

const BOOKINFO: ScenarioSources = {
  corpus: ['bookinfo/platform/kube/bookinfo.yaml', 'bookinfo/networking/destination-rule-all.yaml'],
  testdata: ['clusters/bookinfo-workloads.yaml'],
};

const productpage = proxyOf('default', 'productpage-v1-0', '10.1.0.40', {
  labels: { app: 'productpage', version: 'v1', 'topology.kubernetes.io/region': 'us-east' },
  metadata: { LOCALITY: 'us-east/zone-a' },
});

export const SCENARIOS: readonly ClusterScenario[] = [
  {
    name: 'bookinfo',
    sources: BOOKINFO,
    proxies: [
      { name: 'productpage-sidecar', proxy: productpage },
      {
        name: 'grpc-client',
        proxy: proxyOf('default', 'client-0', '10.1.0.90', { generator: 'grpc', labels: { app: 'client' } }),
        requestedClusters: [
          'outbound|9080||reviews.default.svc.cluster.local',
          'outbound|9080|v2|reviews.default.svc.cluster.local',
          'outbound|9080|v9|reviews.default.svc.cluster.local',
          'outbound|9080||unknown.default.svc.cluster.local',
        ],
      },
    ],
  },
  {
    name: 'bookinfo-gateway',
    sources: { ...BOOKINFO, corpus: [...(BOOKINFO.corpus ?? []), 'bookinfo/networking/bookinfo-gateway.yaml'] },
    proxies: [
      {
        name: 'ingress-gateway',
        proxy: proxyOf('istio-system', 'istio-ingressgateway-0', '10.1.0.100', {
          type: 'router',
          labels: { istio: 'ingressgateway' },
        }),
      },
    ],
  },
  {
    name: 'service-entries',
    sources: { testdata: ['clusters/service-entries.yaml'] },
    proxies: [
      { name: 'default-sidecar', proxy: proxyOf('default', 'app-0', '10.0.0.5', { labels: { app: 'app' } }) },
      {
        name: 'grpc-client',
        proxy: proxyOf('default', 'grpc-0', '10.0.0.6', { generator: 'grpc' }),
        requestedClusters: [
          'outbound|9090||payments.internal',
          'outbound|80||cdn.example.com',
          'outbound|443||api.example.com',
        ],
      },
    ],
  },
  {
    name: 'traffic-policy',
    sources: { testdata: ['clusters/traffic-policy.yaml'] },
    proxies: [
      { name: 'shop-sidecar', proxy: proxyOf('shop', 'web-0', '10.4.9.9', { labels: { app: 'web' } }) },
      {
        name: 'egress-gateway',
        proxy: proxyOf('shop', 'egress-0', '10.4.9.10', { type: 'router', labels: { istio: 'egressgateway' } }),
      },
      {
        name: 'grpc-client',
        proxy: proxyOf('shop', 'grpc-0', '10.4.9.11', { generator: 'grpc' }),
        requestedClusters: [
          'outbound|9090||cart.shop.svc.cluster.local',
          'outbound|8080|v1|cart.shop.svc.cluster.local',
          'outbound|8080|v2|cart.shop.svc.cluster.local',
          'outbound|8080||ledger.shop.svc.cluster.local',
        ],
      },
    ],
  },
  {
    name: 'auto-mtls',
    sources: { testdata: ['clusters/auto-mtls.yaml'] },
    proxies: [
      { name: 'mixed-sidecar', proxy: proxyOf('mixed', 'orders-meshed', '10.5.0.1', { labels: { app: 'orders' } }) },
    ],
  },
  {
    name: 'locality',
    sources: { testdata: ['clusters/locality.yaml'] },
    proxies: [
      {
        name: 'us-east-sidecar',
        proxy: proxyOf('geo', 'client-0', '10.6.9.1', {
          labels: { app: 'client', 'topology.istio.io/network': 'n1' },
          metadata: { LOCALITY: 'us-east/zone-a/rack-1' },
        }),
      },
      {
        name: 'grpc-client',
        proxy: proxyOf('geo', 'grpc-0', '10.6.9.2', {
          generator: 'grpc',
          labels: { 'topology.istio.io/network': 'n1' },
          metadata: { LOCALITY: { region: 'us-east', zone: 'zone-a', subZone: 'rack-1' } },
        }),
        requestedClusters: ['outbound|80||failover.geo.internal', 'outbound|80||priority.geo.internal'],
      },
    ],
  },
  {
    name: 'sidecar-scope',
    sources: { testdata: ['clusters/sidecar-scope.yaml'] },
    proxies: [{ name: 'team-sidecar', proxy: proxyOf('team', 'api-0', '10.7.0.1', { labels: { app: 'api' } }) }],
  },
];

export interface BuiltScenario {
  readonly scenario: ClusterScenario;
  readonly push: PushContext;
}

const built = new Map<string, PushContext>();

/** The scenario's PushContext (built on first use). */
export function scenarioPush(name: string): BuiltScenario {
  const scenario = SCENARIOS.find((candidate) => candidate.name === name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  let push = built.get(name);
  if (!push) built.set(name, (push = loadScenario(scenario.sources).push));
  return { scenario, push };
}

export function scenarioProxy(scenario: ClusterScenario, name: string): Proxy {
  const found = scenario.proxies.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no proxy ${name} in scenario ${scenario.name}`);
  return found.proxy;
}
