/** LDS: listeners for sidecars, routers and proxyless gRPC clients. */
export { buildListeners, grpcListenerGenerator, listenerGenerator } from './lds-generator';
export { registerListenerGenerators } from './register';
export { grpcListeners } from './grpc-listeners';
export { gatewayTlsContext } from './gateway-listeners';
