import {
  Cluster,
  ClusterLoadAssignment,
  TypeUrl,
  unpackAnyAs,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '@mesh/xds';
import { sidecarNode, type DeltaStream } from './testing/ads-test-client';
import { cluster, endpoints } from './testing/fake-generators';
import { endpointPush, eventually, fullPush, XdsFixture } from './testing/fixture';

const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';
const node = sidecarNode();

function names(response: DeltaDiscoveryResponse): string[] {
  return (response.resources ?? []).map((r) => r.name ?? '').sort();
}

function ack(response: DeltaDiscoveryResponse, init: Partial<DeltaDiscoveryRequest> = {}): DeltaDiscoveryRequest {
  return { typeUrl: response.typeUrl, responseNonce: response.nonce, ...init };
}

describe('DiscoveryServer, delta', () => {
  let fx: XdsFixture;

  beforeEach(async () => {
    fx = await XdsFixture.start();
  });

  afterEach(async () => {
    await fx.stop();
  });

  /** Opens a delta stream with a wildcard CDS subscription and ACKs the first answer. */
  async function wildcardClusters(): Promise<{ stream: DeltaStream; first: DeltaDiscoveryResponse }> {
    const stream = fx.client().delta();
    stream.send({ node, typeUrl: TypeUrl.Cluster });
    const first = await stream.next();
    stream.send(ack(first));
    await eventually(() => fx.server.syncz()[0]?.types.find((t) => t.ackedNonce === first.nonce));
    return { stream, first };
  }

  it('answers a wildcard subscription with every resource, each with its version, and records the ACK', async () => {
    const { first } = await wildcardClusters();

    expect(first.typeUrl).toBe(TypeUrl.Cluster);
    expect(first.systemVersionInfo).toBe('v1');
    expect(names(first)).toEqual([RATINGS, REVIEWS]);
    expect(first.resources!.every((r) => (r.version ?? '').length > 0)).toBe(true);
    expect(unpackAnyAs(Cluster, first.resources![0].resource!).name).toBe(first.resources![0].name);
    expect(first.removedResources).toEqual([]);
    expect(fx.server.syncz()[0]).toMatchObject({ protocol: 'delta', proxyId: node.id });
    expect(fx.server.syncz()[0].types[0]).toMatchObject({
      type: 'cds',
      wildcard: true,
      sentVersion: 'v1',
      ackedVersion: 'v1',
      sentResources: 2,
    });
  });

  it('sends only the resource that changed, and nothing when nothing did', async () => {
    const { stream } = await wildcardClusters();
    fx.generators.clusters.set(REVIEWS, cluster(REVIEWS, 5));

    fx.server.pushAll(fullPush(), { version: 'v2' });
    const changed = await stream.next();

    expect(names(changed)).toEqual([REVIEWS]);
    expect(unpackAnyAs(Cluster, changed.resources![0].resource!).connectTimeout?.seconds).toBe(5);
    expect(changed.removedResources).toEqual([]);
    expect(changed.systemVersionInfo).toBe('v2');

    stream.send(ack(changed));
    fx.server.pushAll(fullPush(), { version: 'v3' });
    await fx.server.whenIdle();
    expect(await stream.quiet()).toEqual([]);
  });

  it('sends a partial (incremental EDS) result as updates only, removing nothing it left out', async () => {
    fx.generators.partialIncrementalEndpoints = true;
    const stream = fx.client().delta();
    stream.send({ node, typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: [REVIEWS, RATINGS] });
    const first = await stream.next();
    expect(names(first)).toEqual([RATINGS, REVIEWS].sort());
    stream.send(ack(first));
    await eventually(() => fx.server.syncz()[0]?.types.find((t) => t.ackedNonce === first.nonce));
    fx.generators.endpoints.set(REVIEWS, endpoints(REVIEWS, '10.1.0.9'));

    fx.server.pushAll(endpointPush('reviews.default.svc.cluster.local'), { version: 'v2' });
    const update = await stream.next();

    expect(names(update)).toEqual([REVIEWS]);
    expect(update.removedResources).toEqual([]);
    expect(fx.server.syncz()[0].types[0].sentResources).toBe(2);
  });

  it('sends the names of removed resources in removed_resources', async () => {
    const { stream } = await wildcardClusters();
    fx.generators.clusters.delete(RATINGS);

    fx.server.pushAll(fullPush(), { version: 'v2' });
    const removal = await stream.next();

    expect(removal.resources).toEqual([]);
    expect(removal.removedResources).toEqual([RATINGS]);
    expect(fx.server.syncz()[0].types[0].sentResources).toBe(1);
  });

  it('follows named subscriptions: new names get only themselves, missing ones are reported removed once', async () => {
    const stream = fx.client().delta();
    stream.send({ node, typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: [REVIEWS] });
    const first = await stream.next();
    expect(names(first)).toEqual([REVIEWS]);
    stream.send(ack(first));

    // A spontaneous request (no nonce) adding names.
    stream.send({ typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: [RATINGS, 'outbound|1||nope'] });
    const added = await stream.next();
    expect(names(added)).toEqual([RATINGS]);
    expect(added.removedResources).toEqual(['outbound|1||nope']);
    stream.send(ack(added));

    // Unsubscribed names are not pushed any more; subscribed ones are, and only when they change.
    stream.send({ typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesUnsubscribe: [REVIEWS] });
    await eventually(() =>
      fx.server.syncz()[0].types[0].resourceNames.includes(REVIEWS) ? undefined : fx.server.syncz()[0].types[0],
    );
    fx.generators.endpoints.set(REVIEWS, endpoints(REVIEWS, '10.9.9.9'));
    fx.server.pushAll(endpointPush('reviews.default.svc.cluster.local'), { version: 'v1' });
    await fx.server.whenIdle();
    expect(await stream.quiet()).toEqual([]);

    fx.generators.endpoints.set(RATINGS, endpoints(RATINGS, '10.2.0.1', '10.2.0.2'));
    fx.server.pushAll(endpointPush('ratings.default.svc.cluster.local'), { version: 'v1' });
    const ratings = await stream.next();
    expect(names(ratings)).toEqual([RATINGS]);
    expect(unpackAnyAs(ClusterLoadAssignment, ratings.resources![0].resource!).endpoints?.[0].lbEndpoints).toHaveLength(
      2,
    );
    expect(ratings.removedResources).toEqual([]);
  });

  it('records a NACK with the version the proxy keeps, and resends nothing', async () => {
    const { stream } = await wildcardClusters();
    fx.generators.clusters.set(REVIEWS, cluster(REVIEWS, 7));
    fx.server.pushAll(fullPush(), { version: 'v2' });
    const v2 = await stream.next();

    stream.send(ack(v2, { errorDetail: { code: 3, message: 'bad cluster' } }));
    const cds = await eventually(() => fx.server.syncz()[0].types.find((t) => t.lastNack));

    expect(cds).toMatchObject({ sentVersion: 'v2', ackedVersion: 'v1' });
    expect(cds.lastNack).toMatchObject({ message: 'bad cluster', nonce: v2.nonce, keptVersion: 'v1' });
    expect(fx.metrics.snapshot().rejects).toEqual({ cds: 1 });
    expect(await stream.quiet(300)).toEqual([]);
  });

  it('ignores the ACK in a request with a stale nonce but still applies its subscription changes', async () => {
    const stream = fx.client().delta();
    stream.send({ node, typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: [REVIEWS] });
    const first = await stream.next();
    fx.generators.endpoints.set(REVIEWS, endpoints(REVIEWS, '10.1.0.9'));
    fx.server.pushAll(endpointPush('reviews.default.svc.cluster.local'), { version: 'v1' });
    const second = await stream.next();

    stream.send(ack(first, { resourceNamesSubscribe: [RATINGS] }));
    const added = await stream.next();

    expect(names(added)).toEqual([RATINGS]);
    expect(fx.metrics.snapshot().expiredNonces).toEqual({ eds: 1 });
    const eds = fx.server.syncz()[0].types[0];
    expect(eds.ackedNonce).toBe('');
    expect(eds.sentNonce).toBe(added.nonce);
    expect(second.nonce).not.toBe(added.nonce);
  });

  it('answers a wildcard subscription that matches nothing with an empty first response', async () => {
    fx.generators.listeners.clear();
    const stream = fx.client().delta();
    stream.send({ node, typeUrl: TypeUrl.Listener });
    const empty = await stream.next();

    expect(empty).toMatchObject({ typeUrl: TypeUrl.Listener, resources: [], removedResources: [] });
  });

  it('resends watched endpoints after answering clusters, so that the clusters can warm', async () => {
    const stream = fx.client().delta();
    stream.send({ node, typeUrl: TypeUrl.ClusterLoadAssignment, resourceNamesSubscribe: [REVIEWS, RATINGS] });
    const endpointsFirst = await stream.next();
    stream.send({ typeUrl: TypeUrl.Cluster });
    const clusters = await stream.next();
    const endpointsAgain = await stream.next();

    expect(names(endpointsFirst)).toEqual([RATINGS, REVIEWS]);
    expect(clusters.typeUrl).toBe(TypeUrl.Cluster);
    expect(endpointsAgain.typeUrl).toBe(TypeUrl.ClusterLoadAssignment);
    expect(names(endpointsAgain)).toEqual([RATINGS, REVIEWS]);
    expect(await stream.quiet()).toEqual([]);
  });

  it('gives a reconnecting proxy the full set and removes what it claims but no longer exists', async () => {
    const stream = fx.client().delta();
    stream.send({
      node,
      typeUrl: TypeUrl.Cluster,
      initialResourceVersions: { [REVIEWS]: 'from-old-server', 'outbound|80||gone.default.svc.cluster.local': 'x' },
    });
    const first = await stream.next();

    expect(names(first)).toEqual([RATINGS, REVIEWS]);
    expect(first.removedResources).toEqual(['outbound|80||gone.default.svc.cluster.local']);
    expect(fx.server.syncz()[0].types[0].wildcard).toBe(true);
  });
});
