import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  Cluster,
  ClusterLoadAssignment,
  Listener,
  RouteConfiguration,
  TypeUrl,
  unpackAnyAs,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '@mesh/xds';
import { sidecarNode, type SotwStream } from './testing/ads-test-client';
import { cluster, endpoints } from './testing/fake-generators';
import { endpointPush, eventually, fullPush, XdsFixture } from './testing/fixture';

const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';
const node = sidecarNode();

function request(typeUrl: string, init: Partial<DiscoveryRequest> = {}): DiscoveryRequest {
  return { typeUrl, ...init };
}

/** ACK of a response, as Envoy sends it. */
function ack(response: DiscoveryResponse, names: string[] = []): DiscoveryRequest {
  return {
    typeUrl: response.typeUrl,
    versionInfo: response.versionInfo,
    responseNonce: response.nonce,
    resourceNames: names,
  };
}

function clusterNames(response: DiscoveryResponse): string[] {
  return (response.resources ?? []).map((any) => unpackAnyAs(Cluster, any).name ?? '').sort();
}

/** Subscribes to all four types the way Envoy does and ACKs each answer. */
async function subscribeAll(stream: SotwStream): Promise<DiscoveryResponse[]> {
  const answers: DiscoveryResponse[] = [];
  stream.send(request(TypeUrl.Cluster, { node }));
  answers.push(await stream.next());
  stream.send(ack(answers[0]));
  stream.send(request(TypeUrl.ClusterLoadAssignment, { resourceNames: [REVIEWS, RATINGS] }));
  answers.push(await stream.next());
  stream.send(ack(answers[1], [REVIEWS, RATINGS]));
  stream.send(request(TypeUrl.Listener));
  answers.push(await stream.next());
  stream.send(ack(answers[2]));
  stream.send(request(TypeUrl.RouteConfiguration, { resourceNames: ['9080'] }));
  answers.push(await stream.next());
  stream.send(ack(answers[3], ['9080']));
  return answers;
}

describe('DiscoveryServer, state of the world', () => {
  let fx: XdsFixture;

  beforeEach(async () => {
    fx = await XdsFixture.start();
  });

  afterEach(async () => {
    await fx.stop();
  });

  it('answers the initial fetch of CDS, EDS, LDS and RDS with full sets at the PushContext version', async () => {
    const answers = await subscribeAll(fx.client().sotw());

    expect(answers.map((a) => a.typeUrl)).toEqual([
      TypeUrl.Cluster,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
    ]);
    expect(answers.map((a) => a.versionInfo)).toEqual(['v1', 'v1', 'v1', 'v1']);
    expect(new Set(answers.map((a) => a.nonce)).size).toBe(4);
    expect(answers[0].controlPlane?.identifier).toBe('istiod-test');
    expect(clusterNames(answers[0])).toEqual([RATINGS, REVIEWS]);
    expect(answers[1].resources!.map((a) => unpackAnyAs(ClusterLoadAssignment, a).clusterName).sort()).toEqual([
      RATINGS,
      REVIEWS,
    ]);
    expect(answers[2].resources!.map((a) => unpackAnyAs(Listener, a).name)).toEqual(['0.0.0.0_9080']);
    expect(answers[3].resources!.map((a) => unpackAnyAs(RouteConfiguration, a).name)).toEqual(['9080']);
  });

  it('pushes CDS, EDS, LDS, RDS in that order even when the client subscribed in reverse', async () => {
    const stream = fx.client().sotw();
    stream.send(request(TypeUrl.RouteConfiguration, { node, resourceNames: ['9080'] }));
    stream.send(request(TypeUrl.Listener));
    stream.send(request(TypeUrl.ClusterLoadAssignment, { resourceNames: [REVIEWS] }));
    stream.send(request(TypeUrl.Cluster));
    const initial = [await stream.next(), await stream.next(), await stream.next(), await stream.next()];
    expect(initial.map((r) => r.typeUrl)).toEqual([
      TypeUrl.RouteConfiguration,
      TypeUrl.Listener,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Cluster,
    ]);
    const namesOf: Record<string, string[]> = {
      [TypeUrl.RouteConfiguration]: ['9080'],
      [TypeUrl.ClusterLoadAssignment]: [REVIEWS],
    };
    for (const response of initial) stream.send(ack(response, namesOf[response.typeUrl!] ?? []));
    // Endpoints were answered before clusters: the EDS ACK is answered again so the clusters can
    // finish warming (envoyproxy/envoy#13009).
    const warming = await stream.next();
    expect(warming.typeUrl).toBe(TypeUrl.ClusterLoadAssignment);
    stream.send(ack(warming, [REVIEWS]));
    await eventually(() => (fx.server.syncz()[0].types.every((t) => t.ackedNonce === t.sentNonce) ? true : undefined));
    expect(await stream.quiet(100)).toEqual([]);

    expect(fx.server.pushAll(fullPush(), { version: 'v2' })).toBe(1);
    const pushed = [await stream.next(), await stream.next(), await stream.next(), await stream.next()];

    expect(pushed.map((r) => r.typeUrl)).toEqual([
      TypeUrl.Cluster,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
    ]);
    expect(pushed.every((r) => r.versionInfo === 'v2')).toBe(true);
    // SotW always carries the whole watched set of the type.
    expect(clusterNames(pushed[0])).toEqual([RATINGS, REVIEWS]);
  });

  it('records an ACK as the acked version and nonce in syncz', async () => {
    const stream = fx.client().sotw();
    stream.send(request(TypeUrl.Cluster, { node }));
    const response = await stream.next();
    let cds = fx.server.syncz()[0].types.find((t) => t.type === 'cds')!;
    expect(cds).toMatchObject({ sentVersion: 'v1', sentNonce: response.nonce, ackedVersion: '', ackedNonce: '' });

    stream.send(ack(response));
    cds = await eventually(() => fx.server.syncz()[0].types.find((t) => t.type === 'cds' && t.ackedNonce !== ''));

    expect(cds).toMatchObject({ sentVersion: 'v1', ackedVersion: 'v1', ackedNonce: response.nonce, wildcard: true });
    expect(cds.lastNack).toBeUndefined();
    expect(fx.server.syncz()[0].proxyId).toBe(node.id);
    expect(await stream.quiet()).toEqual([]);
  });

  it('records a NACK (logged, counted, in syncz), resends nothing, and keeps the previously acked version', async () => {
    const stream = fx.client().sotw();
    stream.send(request(TypeUrl.Cluster, { node }));
    const v1 = await stream.next();
    stream.send(ack(v1));
    // Push only once the ACK is in: pushed earlier, v2's nonce would make that ACK stale.
    await eventually(() => fx.server.syncz()[0].types.find((t) => t.ackedNonce === v1.nonce));
    fx.generators.clusters.set(REVIEWS, cluster(REVIEWS, 99));
    fx.server.pushAll(fullPush(), { version: 'v2' });
    const v2 = await stream.next();
    expect(v2.versionInfo).toBe('v2');
    const generatorCalls = fx.generators.callsOf(TypeUrl.Cluster).length;

    stream.send({
      typeUrl: TypeUrl.Cluster,
      versionInfo: 'v1',
      responseNonce: v2.nonce,
      errorDetail: { code: 3, message: `cluster ${REVIEWS}: connect_timeout too large` },
    });
    const cds = await eventually(() => fx.server.syncz()[0].types.find((t) => t.type === 'cds' && t.lastNack));

    expect(cds.lastNack).toMatchObject({
      message: `cluster ${REVIEWS}: connect_timeout too large`,
      code: 3,
      nonce: v2.nonce,
      keptVersion: 'v1',
    });
    expect(Date.parse(cds.lastNack!.at)).not.toBeNaN();
    expect(cds).toMatchObject({ sentVersion: 'v2', ackedVersion: 'v1', ackedNonce: v1.nonce });
    expect(fx.metrics.snapshot().rejects).toEqual({ cds: 1 });
    const warning = fx.logger.at('warn').find((e) => e.message.includes('NACK'));
    expect(warning?.fields).toMatchObject({ proxy: node.id, type: 'cds', detail: expect.stringContaining(REVIEWS) });
    // No resend loop: nothing is sent back and the generator is not asked again.
    expect(await stream.quiet(300)).toEqual([]);
    expect(fx.generators.callsOf(TypeUrl.Cluster)).toHaveLength(generatorCalls);

    // A later push that the proxy accepts clears the NACK.
    fx.generators.clusters.set(REVIEWS, cluster(REVIEWS, 2));
    fx.server.pushAll(fullPush(), { version: 'v3' });
    const v3 = await stream.next();
    stream.send(ack(v3));
    const healed = await eventually(() =>
      fx.server.syncz()[0].types.find((t) => t.type === 'cds' && t.ackedVersion === 'v3'),
    );
    expect(healed.lastNack).toBeUndefined();
  });

  it('ignores a request whose nonce is not the last one sent for the type', async () => {
    const stream = fx.client().sotw();
    stream.send(request(TypeUrl.ClusterLoadAssignment, { node, resourceNames: [REVIEWS] }));
    const first = await stream.next();
    fx.server.pushAll(fullPush(), { version: 'v2' });
    const second = await stream.next();
    expect(second.nonce).not.toBe(first.nonce);

    // An ACK of the older response that also asks for a new name: stale, so ignored entirely.
    stream.send({ ...ack(first, [REVIEWS, RATINGS]) });
    expect(await stream.quiet(300)).toEqual([]);
    expect(fx.metrics.snapshot().expiredNonces).toEqual({ eds: 1 });
    const eds = fx.server.syncz()[0].types.find((t) => t.type === 'eds')!;
    expect(eds).toMatchObject({ resourceNames: [REVIEWS], ackedNonce: '' });

    // The same request against the current nonce is an ACK that grows the subscription.
    stream.send(ack(second, [REVIEWS, RATINGS]));
    const third = await stream.next();
    expect(third.resources!.map((a) => unpackAnyAs(ClusterLoadAssignment, a).clusterName).sort()).toEqual([
      RATINGS,
      REVIEWS,
    ]);
  });

  it('pushes only EDS on an incremental push, passing the changed hosts to the generator', async () => {
    const stream = fx.client().sotw();
    await subscribeAll(stream);
    await eventually(() => (fx.server.syncz()[0].types.every((t) => t.ackedNonce === t.sentNonce) ? true : undefined));
    const callsBefore = fx.generators.calls.length;
    fx.generators.endpoints.set(REVIEWS, endpoints(REVIEWS, '10.1.0.1', '10.1.0.2', '10.1.0.3'));

    fx.server.pushAll(endpointPush('reviews.default.svc.cluster.local'), { version: 'v1' });
    const pushed = await stream.next();

    expect(pushed.typeUrl).toBe(TypeUrl.ClusterLoadAssignment);
    const reviews = pushed
      .resources!.map((a) => unpackAnyAs(ClusterLoadAssignment, a))
      .find((c) => c.clusterName === REVIEWS);
    expect(reviews?.endpoints?.[0].lbEndpoints).toHaveLength(3);
    expect(await stream.quiet()).toEqual([]);
    expect(fx.generators.calls.slice(callsBefore)).toEqual([
      expect.objectContaining({
        typeUrl: TypeUrl.ClusterLoadAssignment,
        full: false,
        edsHosts: ['reviews.default.svc.cluster.local'],
      }),
    ]);
    expect(fx.server.pushAll(endpointPush(), { version: 'v1' })).toBe(0);
  });

  it('sends only the changed assignments when the EDS generator answers partially, and keeps the count', async () => {
    fx.generators.partialIncrementalEndpoints = true;
    const stream = fx.client().sotw();
    await subscribeAll(stream);
    await eventually(() => (fx.server.syncz()[0].types.every((t) => t.ackedNonce === t.sentNonce) ? true : undefined));
    const edsState = () => fx.server.syncz()[0].types.find((t) => t.typeUrl === TypeUrl.ClusterLoadAssignment)!;
    const countBefore = edsState().sentResources;
    expect(countBefore).toBeGreaterThan(1);
    fx.generators.endpoints.set(REVIEWS, endpoints(REVIEWS, '10.1.0.7'));

    fx.server.pushAll(endpointPush('reviews.default.svc.cluster.local'), { version: 'v1' });
    const pushed = await stream.next();

    expect(pushed.typeUrl).toBe(TypeUrl.ClusterLoadAssignment);
    expect(pushed.resources!.map((a) => unpackAnyAs(ClusterLoadAssignment, a).clusterName)).toEqual([REVIEWS]);
    expect(edsState().sentResources).toBe(countBefore);
  });

  it('unsubscribes a named type when the client asks for no names', async () => {
    const stream = fx.client().sotw();
    stream.send(request(TypeUrl.RouteConfiguration, { node, resourceNames: ['9080'] }));
    const routes = await stream.next();
    stream.send(ack(routes, []));
    await eventually(() => (fx.server.syncz()[0].types.length === 0 ? true : undefined));

    fx.server.pushAll(fullPush(), { version: 'v2' });
    await fx.server.whenIdle();
    expect(await stream.quiet()).toEqual([]);
  });

  it('stops a push at a failing generator: later types are not sent, the stream stays, the next push works', async () => {
    const stream = fx.client().sotw();
    await subscribeAll(stream);
    fx.generators.failType = TypeUrl.ClusterLoadAssignment;

    fx.server.pushAll(fullPush(), { version: 'v2' });
    const pushed = await stream.next();
    expect(pushed.typeUrl).toBe(TypeUrl.Cluster);
    expect(await stream.quiet()).toEqual([]);
    expect(fx.metrics.snapshot().generateErrors).toEqual({ eds: 1 });
    expect(fx.logger.at('error')[0].fields).toMatchObject({ proxy: node.id, type: 'eds', version: 'v2' });

    fx.generators.failType = undefined;
    fx.server.pushAll(fullPush(), { version: 'v3' });
    const after = [await stream.next(), await stream.next(), await stream.next(), await stream.next()];
    expect(after.map((r) => r.versionInfo)).toEqual(['v3', 'v3', 'v3', 'v3']);
  });

  it('merges pushes that arrive while one is running or waiting: one follow-up per connection', async () => {
    await fx.stop();
    fx = await XdsFixture.start({ settings: { pushConcurrency: 1 } });
    const a = fx.client().sotw();
    const b = fx.client().sotw();
    a.send(request(TypeUrl.Cluster, { node: sidecarNode('a-1') }));
    a.send(ack(await a.next()));
    b.send(request(TypeUrl.Cluster, { node: sidecarNode('b-1') }));
    b.send(ack(await b.next()));
    await eventually(() => (fx.server.syncz().every((c) => c.types[0].ackedNonce !== '') ? true : undefined));
    const initialCalls = fx.generators.calls.length;

    fx.generators.gate.close();
    fx.server.pushAll(fullPush('config'), { version: 'v2' });
    // One push runs (concurrency 1), held at the generator; the other connection waits.
    await eventually(() => (fx.generators.calls.length === initialCalls + 1 ? true : undefined));
    fx.server.pushAll(fullPush('service'), { version: 'v3' });
    fx.server.pushAll(fullPush('config'), { version: 'v4' });
    expect(fx.server.pushQueueDepth).toEqual({ pending: 1, inFlight: 1 });
    fx.generators.gate.open();
    await fx.server.whenIdle();

    const pushes = fx.generators.calls.slice(initialCalls);
    const first = pushes[0].proxyId;
    const second = first === sidecarNode('a-1').id ? sidecarNode('b-1').id : sidecarNode('a-1').id;
    // The running one finished with v2, then got one merged follow-up at v4.
    expect(pushes.filter((c) => c.proxyId === first).map((c) => c.version)).toEqual(['v2', 'v4']);
    // The waiting one was pushed once, with everything merged into it.
    const merged = pushes.filter((c) => c.proxyId === second);
    expect(merged.map((c) => c.version)).toEqual(['v4']);
    expect(merged[0].reasons).toEqual({ config: 2, service: 1 });
    expect(pushes).toHaveLength(3);
  });

  it('gives a proxy that reconnects after a control plane restart its full config', async () => {
    const stream = fx.client().sotw();
    stream.send(request(TypeUrl.Cluster, { node }));
    const before = await stream.next();
    const port = Number(fx.address.split(':')[1]);
    const generators = fx.generators;
    await fx.stop();
    expect((await stream.ended).code).toBe(GrpcStatus.UNAVAILABLE);

    fx = await XdsFixture.start({ port, generators });
    const again = fx.client().sotw();
    // Envoy's first request on the new stream carries what it had from the old server.
    again.send(request(TypeUrl.Cluster, { node, versionInfo: before.versionInfo, responseNonce: before.nonce }));
    const full = await again.next();

    expect(clusterNames(full)).toEqual([RATINGS, REVIEWS]);
    expect(full.nonce).not.toBe(before.nonce);
  });

  it('lists connected proxies; a cancelled stream leaves the list and the pilot_xds gauge', async () => {
    const stream = fx.client().sotw();
    stream.send(request(TypeUrl.Cluster, { node }));
    await stream.next();
    expect(fx.server.connections()).toEqual([
      expect.objectContaining({ proxyId: node.id, proxyType: 'sidecar', protocol: 'sotw' }),
    ]);
    expect(fx.metrics.snapshot().connected).toBe(1);

    stream.cancel();
    await eventually(() => (fx.server.connections().length === 0 ? true : undefined));
    expect(fx.metrics.snapshot().connected).toBe(0);
  });
});

describe('DiscoveryServer, stream admission', () => {
  it('ends a stream whose first request has no node or a bad node ID with INVALID_ARGUMENT and the reason', async () => {
    const fx = await XdsFixture.start();
    try {
      const noNode = fx.client().sotw();
      noNode.send(request(TypeUrl.Cluster));
      expect(await noNode.ended).toEqual({
        code: GrpcStatus.INVALID_ARGUMENT,
        details: expect.stringContaining('node.id'),
      });

      const badNode = fx.client().sotw();
      badNode.send(request(TypeUrl.Cluster, { node: { id: 'gateway~10.0.0.1~x.default~default.svc.cluster.local' } }));
      expect(await badNode.ended).toEqual({
        code: GrpcStatus.INVALID_ARGUMENT,
        details: expect.stringContaining('unknown proxy type "gateway"'),
      });
      expect(fx.server.connections()).toEqual([]);
    } finally {
      await fx.stop();
    }
  });

  it('refuses streams with UNAVAILABLE until it has a PushContext', async () => {
    const fx = await XdsFixture.start({ withoutPushContext: true });
    try {
      const early = fx.client().sotw();
      early.send(request(TypeUrl.Cluster, { node }));
      expect(await early.ended).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'control plane is not ready yet' });

      fx.server.setPushContext({ version: 'v7' });
      const late = fx.client().sotw();
      late.send(request(TypeUrl.Cluster, { node }));
      expect((await late.next()).versionInfo).toBe('v7');
    } finally {
      await fx.stop();
    }
  });
});
