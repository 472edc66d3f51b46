/**
 * @mesh/mesh-model: the control plane's model of the mesh: services and endpoints (from every
 * registry), proxies, push requests and the immutable PushContext the xDS generators read.
 */
export * from './service';
export * from './proxy';
export * from './push-request';
export * from './config-source';
export * from './ordering';
export * from './visibility';
export * from './registry/workload';
export * from './registry/service-entry';
export * from './registry/kubernetes';
export * from './registry/endpoint-shards';
export * from './registry/service-registry';
export * from './push-context';
export * from './push-context/service-index';
export * from './push-context/virtual-services';
export * from './push-context/destination-rules';
export * from './push-context/gateways';
export * from './push-context/policies';
export * from './push-context/sidecar-scope';
export * from './triggers';
export * from './debounce';
