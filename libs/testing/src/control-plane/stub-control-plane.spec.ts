/**
 * The stub checked with a bare gRPC client (no xDS client logic of ours), so that tests of real
 * xDS clients can trust what it serves.
 */
import { credentials, type ClientDuplexStream, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import {
  AggregatedDiscoveryServiceClient,
  Cluster,
  ClusterLoadAssignment,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  Listener,
  TypeUrl,
} from '@mesh/xds';
import { StubControlPlane } from './stub-control-plane';
import { stubResource } from './stub-resource';

/** Reads a client stream's messages one at a time, with a deadline. */
class Inbox<T> {
  private readonly queued: T[] = [];
  private waiting: ((item: T) => void) | undefined;
  ended: ServiceError | undefined;

  constructor(stream: NodeJS.EventEmitter) {
    stream.on('data', (item: T) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(item);
      } else this.queued.push(item);
    });
    stream.on('error', (error: ServiceError) => (this.ended = error));
  }

  next(timeoutMs = 3000): Promise<T> {
    const item = this.queued.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error('no message within the deadline'));
      }, timeoutMs);
      this.waiting = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
    });
  }

  get pending(): number {
    return this.queued.length;
  }
}

const cluster = (name: string) => stubResource(Cluster, { name, connectTimeout: { seconds: 1, nanos: 0 } });
const endpoints = (name: string, port: number) =>
  stubResource(ClusterLoadAssignment, {
    clusterName: name,
    endpoints: [
      { lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: port } } } }] },
    ],
  });
const names = (response: DiscoveryResponse) =>
  (response.resources ?? []).map((any) => {
    const decoded = any.typeUrl === TypeUrl.Cluster ? Cluster.decode(any.value!) : undefined;
    return decoded?.name ?? ClusterLoadAssignment.decode(any.value!).clusterName;
  });
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('StubControlPlane', () => {
  let stub: StubControlPlane;
  let client: InstanceType<typeof AggregatedDiscoveryServiceClient>;

  beforeEach(async () => {
    stub = await StubControlPlane.start();
    client = new AggregatedDiscoveryServiceClient(stub.address, credentials.createInsecure());
  });
  afterEach(async () => {
    client.close();
    await stub.stop();
  });

  describe('state of the world', () => {
    let stream: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
    let inbox: Inbox<DiscoveryResponse>;
    beforeEach(() => {
      stream = client.streamAggregatedResources();
      inbox = new Inbox(stream);
    });
    afterEach(() => stream.cancel());

    it('answers a wildcard CDS request with every cluster and records the request with its node', async () => {
      stub.setResources(TypeUrl.Cluster, [cluster('a'), cluster('b')]);
      stream.write({ typeUrl: TypeUrl.Cluster, node: { id: 'sidecar~1.2.3.4~p.ns~ns.svc.cluster.local' } });

      const response = await inbox.next();
      expect(response.versionInfo).toBe('1');
      expect(response.nonce).not.toBe('');
      expect(names(response)).toEqual(['a', 'b']);
      const recorded = await stub.requests.waitFor((r) => r.typeUrl === TypeUrl.Cluster);
      expect(recorded).toMatchObject({ protocol: 'sotw', versionInfo: '', responseNonce: '', resourceNames: [] });
      expect(recorded.node?.id).toBe('sidecar~1.2.3.4~p.ns~ns.svc.cluster.local');
    });

    it('serves only the subscribed names of a named type, resends nothing on ACK, pushes new versions', async () => {
      stub.setResources(TypeUrl.ClusterLoadAssignment, [endpoints('a', 1), endpoints('b', 2)]);
      stream.write({ typeUrl: TypeUrl.ClusterLoadAssignment, resourceNames: ['b'] });
      const first = await inbox.next();
      expect(names(first)).toEqual(['b']);

      stream.write({
        typeUrl: TypeUrl.ClusterLoadAssignment,
        resourceNames: ['b'],
        versionInfo: first.versionInfo,
        responseNonce: first.nonce,
      });
      await stub.requests.waitFor((r) => r.responseNonce === first.nonce);
      await settle();
      expect(inbox.pending).toBe(0);

      stub.setResources(TypeUrl.ClusterLoadAssignment, [endpoints('a', 1), endpoints('b', 3)]);
      const pushed = await inbox.next();
      expect(pushed.versionInfo).toBe('2');
      expect(pushed.nonce).not.toBe(first.nonce);
      expect(ClusterLoadAssignment.decode(pushed.resources![0].value!).endpoints![0].lbEndpoints![0]).toMatchObject({
        endpoint: { address: { socketAddress: { portValue: 3 } } },
      });
    });

    it('records a NACK with its error detail and does not resend the rejected version', async () => {
      stub.setResources(TypeUrl.Cluster, [cluster('a')]);
      stream.write({ typeUrl: TypeUrl.Cluster });
      const response = await inbox.next();
      stream.write({
        typeUrl: TypeUrl.Cluster,
        responseNonce: response.nonce,
        versionInfo: '',
        errorDetail: { code: 3, message: 'Cluster "a": bad' },
      });
      const nack = await stub.requests.waitFor((r) => r.errorDetail !== undefined);
      expect(nack).toMatchObject({
        responseNonce: response.nonce,
        errorDetail: { code: 3, message: 'Cluster "a": bad' },
      });
      await settle();
      expect(inbox.pending).toBe(0);
    });

    it('sends nothing for a type the test never set', async () => {
      stream.write({ typeUrl: TypeUrl.Listener });
      await stub.requests.waitFor((r) => r.typeUrl === TypeUrl.Listener);
      await settle();
      expect(inbox.pending).toBe(0);
      stub.setResources(TypeUrl.Listener, [stubResource(Listener, { name: 'l' })]);
      expect((await inbox.next()).typeUrl).toBe(TypeUrl.Listener);
    });
  });

  describe('delta', () => {
    let stream: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
    let inbox: Inbox<DeltaDiscoveryResponse>;
    beforeEach(() => {
      stream = client.deltaAggregatedResources();
      inbox = new Inbox(stream);
    });
    afterEach(() => stream.cancel());

    it('sends all, then only what changed, then removals', async () => {
      stub.setResources(TypeUrl.Cluster, [cluster('a'), cluster('b')]);
      stream.write({ typeUrl: TypeUrl.Cluster });
      const first = await inbox.next();
      expect(first.resources!.map((r) => r.name)).toEqual(['a', 'b']);
      expect(first.resources!.every((r) => r.version)).toBe(true);
      stream.write({ typeUrl: TypeUrl.Cluster, responseNonce: first.nonce });

      stub.setResources(TypeUrl.Cluster, [cluster('a'), stubResource(Cluster, { name: 'b', altStatName: 'changed' })]);
      const second = await inbox.next();
      expect(second.resources!.map((r) => r.name)).toEqual(['b']);
      expect(second.removedResources).toEqual([]);

      stub.setResources(TypeUrl.Cluster, [cluster('a')]);
      const third = await inbox.next();
      expect(third.resources).toEqual([]);
      expect(third.removedResources).toEqual(['b']);
    });

    it('uses initial_resource_versions: resends only resources whose version differs', async () => {
      stub.setResources(TypeUrl.ClusterLoadAssignment, [endpoints('a', 1), endpoints('b', 2)]);
      const probe = client.deltaAggregatedResources();
      const probeInbox = new Inbox<DeltaDiscoveryResponse>(probe);
      probe.write({ typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: ['a', 'b'] });
      const versions = Object.fromEntries((await probeInbox.next()).resources!.map((r) => [r.name!, r.version!]));
      probe.cancel();

      stub.setResources(TypeUrl.ClusterLoadAssignment, [endpoints('a', 1), endpoints('b', 5)]);
      stream.write({
        typeUrl: TypeUrl.ClusterLoadAssignment,
        resourceNamesSubscribe: ['a', 'b', 'gone'],
        initialResourceVersions: { ...versions, gone: 'x' },
      });
      const response = await inbox.next();
      expect(response.resources!.map((r) => r.name)).toEqual(['b']);
      expect(response.removedResources).toEqual(['gone']);
    });

    it('sends a newly subscribed name and forgets an unsubscribed one', async () => {
      stub.setResources(TypeUrl.ClusterLoadAssignment, [endpoints('a', 1), endpoints('b', 2)]);
      stream.write({ typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: ['a'] });
      expect((await inbox.next()).resources!.map((r) => r.name)).toEqual(['a']);
      stream.write({
        typeUrl: TypeUrl.ClusterLoadAssignment,
        resourceNamesSubscribe: ['b'],
        resourceNamesUnsubscribe: ['a'],
      });
      expect((await inbox.next()).resources!.map((r) => r.name)).toEqual(['b']);
      stub.setResources(TypeUrl.ClusterLoadAssignment, [endpoints('a', 9), endpoints('b', 2)]);
      await settle();
      expect(inbox.pending).toBe(0);
    });
  });

  describe('lifecycle', () => {
    it('drops open streams with UNAVAILABLE', async () => {
      const stream = client.streamAggregatedResources();
      const ended = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
      stream.write({ typeUrl: TypeUrl.Cluster });
      await stub.streamEvents.waitFor((e) => e.event === 'opened');
      expect(stub.dropStreams()).toBe(1);
      expect((await ended).code).toBe(GrpcStatus.UNAVAILABLE);
      expect(stub.openStreamCount).toBe(0);
    });

    it('stops and restarts on the same port with the same resources', async () => {
      stub.setResources(TypeUrl.Cluster, [cluster('a')]);
      const port = stub.port;
      await stub.stop();
      expect(stub.running).toBe(false);
      stub.setResources(TypeUrl.Cluster, [cluster('a'), cluster('b')]);
      await stub.restart();
      expect(stub.port).toBe(port);

      const stream = client.streamAggregatedResources();
      const inbox = new Inbox<DiscoveryResponse>(stream);
      stream.write({ typeUrl: TypeUrl.Cluster });
      const response = await inbox.next();
      expect(names(response)).toEqual(['a', 'b']);
      expect(response.versionInfo).toBe('2');
      stream.cancel();
    });
  });
});
