/**
 * The AggregatedDiscoveryService as this server registers it: the generated definition (paths)
 * with responses that are already bytes (response-encoding.ts), so grpc-js frames them without
 * encoding anything again, and SotW requests whose names are decoded lazily (request-decoding.ts).
 */
import type { handleBidiStreamingCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { AggregatedDiscoveryServiceService, type DeltaDiscoveryRequest } from '@mesh/xds';
import { decodeSotwRequest, type SotwRequest } from './request-decoding';

const passThrough = (encoded: Buffer): Buffer => encoded;

export const AdsService = {
  streamAggregatedResources: {
    ...AggregatedDiscoveryServiceService.streamAggregatedResources,
    requestDeserialize: decodeSotwRequest,
    responseSerialize: passThrough,
  },
  deltaAggregatedResources: {
    ...AggregatedDiscoveryServiceService.deltaAggregatedResources,
    responseSerialize: passThrough,
  },
} as const;

export interface AdsServiceImplementation extends UntypedServiceImplementation {
  streamAggregatedResources: handleBidiStreamingCall<SotwRequest, Buffer>;
  deltaAggregatedResources: handleBidiStreamingCall<DeltaDiscoveryRequest, Buffer>;
}
