/**
 * The LDS/RDS scenarios: Istio YAML in (Istio's samples from the shared corpus plus files under
 * libs/pilot/testdata/listeners), one proxy each. Golden files, the independent decode check and
 * the traffic simulation specs all run over this one table. For specs only.
 */
import type { Proxy } from '@mesh/mesh-model';
import { loadScenario, proxyOf, type Scenario, type ScenarioSources } from './scenario';

export interface ListenerScenario {
  /** Golden files are `listeners/<name>.lds.golden.json` and `listeners/<name>.rds.golden.json`. */
  readonly name: string;
  readonly sources: ScenarioSources;
  readonly proxy: () => Proxy;
  /** Listener names a proxyless gRPC client asks for. */
  readonly grpcListeners?: readonly string[];
}

const BOOKINFO = ['bookinfo/platform/kube/bookinfo.yaml', 'bookinfo/networking/destination-rule-all.yaml'];
const ENDPOINTS = 'listeners/bookinfo-endpoints.yaml';

export const productpageProxy = (): Proxy =>
  proxyOf('default', 'productpage-v1-0', '10.1.0.1', { labels: { app: 'productpage', version: 'v1' } });
export const reviewsProxy = (): Proxy =>
  proxyOf('default', 'reviews-v1-0', '10.1.0.4', { labels: { app: 'reviews', version: 'v1' } });
export const ingressGatewayProxy = (): Proxy =>
  proxyOf('istio-system', 'istio-ingressgateway-0', '10.2.0.1', {
    type: 'router',
    labels: { istio: 'ingressgateway' },
  });
export const sleepProxy = (): Proxy => proxyOf('default', 'sleep-0', '10.1.0.50', { labels: { app: 'sleep' } });
export const grpcClientProxy = (): Proxy =>
  proxyOf('grpc', 'client-0', '10.7.1.1', { labels: { app: 'client' }, generator: 'grpc' });

function bookinfoWith(...networking: string[]): ScenarioSources {
  return {
    corpus: [...BOOKINFO, ...networking.map((file) => `bookinfo/networking/${file}`)],
    testdata: [ENDPOINTS],
  };
}

export const LISTENER_SCENARIOS: readonly ListenerScenario[] = [
  { name: 'bookinfo-all-v1', sources: bookinfoWith('virtual-service-all-v1.yaml'), proxy: productpageProxy },
  {
    name: 'bookinfo-reviews-80-20',
    sources: bookinfoWith('virtual-service-all-v1.yaml', 'virtual-service-reviews-80-20.yaml'),
    proxy: productpageProxy,
  },
  {
    name: 'bookinfo-jason-v2-v3',
    sources: bookinfoWith('virtual-service-all-v1.yaml', 'virtual-service-reviews-jason-v2-v3.yaml'),
    proxy: productpageProxy,
  },
  {
    name: 'bookinfo-fault-injection',
    sources: bookinfoWith('virtual-service-all-v1.yaml', 'fault-injection-details-v1.yaml'),
    proxy: productpageProxy,
  },
  {
    name: 'bookinfo-ratings-test-abort',
    sources: bookinfoWith('virtual-service-all-v1.yaml', 'virtual-service-ratings-test-abort.yaml'),
    proxy: reviewsProxy,
  },
  {
    name: 'bookinfo-ratings-test-delay',
    sources: bookinfoWith('virtual-service-all-v1.yaml', 'virtual-service-ratings-test-delay.yaml'),
    proxy: reviewsProxy,
  },
  { name: 'bookinfo-gateway', sources: bookinfoWith('bookinfo-gateway.yaml'), proxy: ingressGatewayProxy },
  {
    name: 'gateway-tls',
    sources: { corpus: BOOKINFO, testdata: [ENDPOINTS, 'listeners/gateway-tls.yaml'] },
    proxy: ingressGatewayProxy,
  },
  {
    name: 'sidecar-tcp-tls',
    sources: { corpus: BOOKINFO, testdata: [ENDPOINTS, 'listeners/sidecar-tcp-tls.yaml'] },
    proxy: sleepProxy,
  },
  {
    name: 'inbound-mtls-strict',
    sources: {
      corpus: BOOKINFO,
      testdata: [ENDPOINTS, 'listeners/reviews-tcp-port.yaml', 'listeners/mtls-strict.yaml'],
    },
    proxy: reviewsProxy,
  },
  {
    name: 'inbound-mtls-permissive',
    sources: {
      corpus: BOOKINFO,
      testdata: [ENDPOINTS, 'listeners/reviews-tcp-port.yaml', 'listeners/mtls-permissive.yaml'],
    },
    proxy: reviewsProxy,
  },
  {
    name: 'inbound-mtls-disable',
    sources: {
      corpus: BOOKINFO,
      testdata: [ENDPOINTS, 'listeners/reviews-tcp-port.yaml', 'listeners/mtls-disable.yaml'],
    },
    proxy: reviewsProxy,
  },
  {
    name: 'inbound-mtls-port-level',
    sources: {
      corpus: BOOKINFO,
      testdata: [ENDPOINTS, 'listeners/reviews-tcp-port.yaml', 'listeners/mtls-port-level.yaml'],
    },
    proxy: reviewsProxy,
  },
  {
    name: 'sidecar-registry-only',
    sources: { corpus: BOOKINFO, testdata: [ENDPOINTS, 'listeners/sidecar-registry-only.yaml'] },
    proxy: productpageProxy,
  },
  {
    name: 'http-features',
    sources: { corpus: BOOKINFO, testdata: [ENDPOINTS, 'listeners/http-features.yaml'] },
    proxy: productpageProxy,
  },
  {
    name: 'proxyless-grpc',
    sources: { testdata: ['listeners/proxyless-grpc.yaml'] },
    proxy: grpcClientProxy,
    grpcListeners: ['greeter.grpc.svc.cluster.local:50051'],
  },
];

export function scenarioNamed(name: string): ListenerScenario {
  const found = LISTENER_SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no listener scenario ${name}`);
  return found;
}

const loaded = new Map<string, Scenario>();

/** The scenario's PushContext, built once per test file. */
export function scenarioPush(scenario: ListenerScenario): Scenario {
  let result = loaded.get(scenario.name);
  if (!result) loaded.set(scenario.name, (result = loadScenario(scenario.sources)));
  return result;
}
