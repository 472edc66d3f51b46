/** The ADS server: gRPC streams, ACK/NACK bookkeeping, the push queue and the generator contract. */
export * from './generator';
export * from './discovery-server';
export * from './settings';
export * from './metrics';
export * from './logger';
export { PushQueue, type PushQueueOptions } from './push-queue';
export type { ConnectionStatus, ConnectionSummary, TypeStatus, XdsProtocol } from './connection';
export type { NackRecord } from './type-state';
