/**
 * The AggregatedDiscoveryService as this server registers it: the generated definition (paths,
 * request decoding) with responses that are already bytes (response-encoding.ts), so grpc-js
 * frames them without encoding anything again.
 */
import type { handleBidiStreamingCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { AggregatedDiscoveryServiceService, type DeltaDiscoveryRequest, type DiscoveryRequest } from '@mesh/xds';

const passThrough = (encoded: Buffer): Buffer => encoded;

export const AdsService = {
  streamAggregatedResources: {
    ...AggregatedDiscoveryServiceService.streamAggregatedResources,
    responseSerialize: passThrough,
  },
  deltaAggregatedResources: {
    ...AggregatedDiscoveryServiceService.deltaAggregatedResources,
    responseSerialize: passThrough,
  },
} as const;

export interface AdsServiceImplementation extends UntypedServiceImplementation {
  streamAggregatedResources: handleBidiStreamingCall<DiscoveryRequest, Buffer>;
  deltaAggregatedResources: handleBidiStreamingCall<DeltaDiscoveryRequest, Buffer>;
}
