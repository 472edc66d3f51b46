/**
 * @mesh/testing: test doubles and fixtures shared by specs and e2e suites (never by production
 * code): StubControlPlane, a real gRPC ADS server serving hand-set Envoy resources, and
 * throwaway TLS certificates made with openssl.
 */
export { StubControlPlane, type StubControlPlaneOptions, type StreamEvent } from './control-plane/stub-control-plane';
export type { StubResource } from './control-plane/resource-store';
export { stubResource } from './control-plane/stub-resource';
export {
  WaitableLog,
  type RecordedRequest,
  type RecordedResponse,
  type XdsProtocol,
} from './control-plane/traffic-log';
export { makeTestCertificates, type TestCertificates } from './certs/openssl-certs';
export {
  AdsStream,
  ControlPlaneProcess,
  httpGet,
  sleep,
  until,
  within,
  type Ports,
} from './processes/control-plane-process';
export { FakeClock } from './clock/fake-clock';
export { checkPrometheusText, type Exposition, type Sample } from './prometheus/prometheus-text-check';
