/**
 * Test-only ADS clients over real gRPC: a stream wrapper that queues responses and the final
 * status, so specs can await "the next response" or "nothing within N ms". Not exported.
 */
import { credentials, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import {
  AggregatedDiscoveryServiceClient,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type Node,
} from '@mesh/xds';

export interface FinalStatus {
  readonly code: number;
  readonly details: string;
}

export class TestStream<Req, Res> {
  readonly responses: Res[] = [];
  readonly ended: Promise<FinalStatus>;
  private cursor = 0;
  private wake: (() => void) | undefined;
  private endedValue: FinalStatus | undefined;

  constructor(private readonly call: ClientDuplexStream<Req, Res>) {
    call.on('data', (response: Res) => {
      this.responses.push(response);
      this.wake?.();
    });
    this.ended = new Promise((resolve) => {
      call.on('status', (status: { code: number; details: string }) => {
        this.endedValue = { code: status.code, details: status.details };
        this.wake?.();
        resolve(this.endedValue);
      });
    });
    // A non-OK status also arrives as 'error'; 'status' above records it.
    call.on('error', (_error: ServiceError) => undefined);
  }

  send(request: Req): void {
    this.call.write(request);
  }

  /** The next response not yet taken; rejects after `timeoutMs` or if the stream ends first. */
  async next(timeoutMs = 3_000): Promise<Res> {
    const deadline = performance.now() + timeoutMs;
    while (this.cursor >= this.responses.length) {
      if (this.endedValue) {
        throw new Error(`stream ended (${this.endedValue.code} ${this.endedValue.details}) before a response`);
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.responses[this.cursor++];
  }

  /** Waits `ms` and returns the responses that arrived meanwhile (specs expect none). */
  async quiet(ms = 200): Promise<Res[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const extra = this.responses.slice(this.cursor);
    this.cursor = this.responses.length;
    return extra;
  }

  /** Stops reading: the client's buffers fill and HTTP/2 flow control pushes back on the server. */
  pause(): void {
    this.call.pause();
  }

  resume(): void {
    this.call.resume();
  }

  cancel(): void {
    this.call.cancel();
  }
}

export type SotwStream = TestStream<DiscoveryRequest, DiscoveryResponse>;
export type DeltaStream = TestStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

export class TestAdsClient {
  readonly client: AggregatedDiscoveryServiceClient;

  constructor(readonly address: string) {
    this.client = new AggregatedDiscoveryServiceClient(address, credentials.createInsecure());
  }

  sotw(): SotwStream {
    return new TestStream(this.client.streamAggregatedResources());
  }

  delta(): DeltaStream {
    return new TestStream(this.client.deltaAggregatedResources());
  }

  close(): void {
    this.client.close();
  }
}

export function sidecarNode(pod = 'productpage-v1-abc', namespace = 'default', ip = '10.0.0.1'): Node {
  return {
    id: `sidecar~${ip}~${pod}.${namespace}~${namespace}.svc.cluster.local`,
    metadata: { NAMESPACE: namespace, LABELS: { app: pod.split('-')[0] } },
  };
}
