/**
 * @mesh/testing: test doubles and fixtures shared by specs and e2e suites (never by production
 * code). For now: StubControlPlane, a real gRPC ADS server serving hand-set Envoy resources.
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
