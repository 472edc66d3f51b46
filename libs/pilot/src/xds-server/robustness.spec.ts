import { performance } from 'node:perf_hooks';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { AggregatedDiscoveryServiceService, Cluster, TypeUrl, unpackAnyAs, type DiscoveryResponse } from '@mesh/xds';
import { sidecarNode, TestStream } from './testing/ads-test-client';
import { cluster } from './testing/fake-generators';
import { eventually, fullPush, XdsFixture } from './testing/fixture';

const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';

describe('DiscoveryServer with misbehaving and numerous clients', () => {
  let fx: XdsFixture;

  afterEach(async () => {
    await fx.stop();
  });

  it('ignores an unknown type URL (warning once) without harming that stream or another client', async () => {
    fx = await XdsFixture.start();
    const odd = fx.client().sotw();
    odd.send({ node: sidecarNode('odd-1'), typeUrl: 'type.googleapis.com/example.v1.Unknown' });
    odd.send({ typeUrl: 'type.googleapis.com/example.v1.Unknown', resourceNames: ['x'] });
    const normal = fx.client().sotw();
    normal.send({ node: sidecarNode('normal-1'), typeUrl: TypeUrl.Cluster });

    expect((await normal.next()).typeUrl).toBe(TypeUrl.Cluster);
    expect(await odd.quiet()).toEqual([]);
    const warnings = fx.logger.at('warn').filter((e) => e.message.includes('does not serve'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].fields).toMatchObject({ proxy: sidecarNode('odd-1').id, type: 'example.v1.Unknown' });
    expect(fx.server.syncz().find((c) => c.proxyId === sidecarNode('odd-1').id)?.types).toEqual([]);

    // The odd stream is still served for the types that exist.
    odd.send({ typeUrl: TypeUrl.Cluster });
    expect((await odd.next()).typeUrl).toBe(TypeUrl.Cluster);
  });

  it('ends only the stream that sends bytes that are not a DiscoveryRequest', async () => {
    fx = await XdsFixture.start();
    const normal = fx.client().sotw();
    normal.send({ node: sidecarNode('normal-1'), typeUrl: TypeUrl.Cluster });
    await normal.next();

    const raw = fx.client().client;
    const method = AggregatedDiscoveryServiceService.streamAggregatedResources;
    const garbage = new TestStream<Buffer, DiscoveryResponse>(
      raw.makeBidiStreamRequest(
        method.path,
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => method.responseDeserialize(bytes),
      ),
    );
    // Field 1 (node), length-delimited, claiming 65,535 bytes that never come.
    garbage.send(Buffer.from([0x0a, 0xff, 0xff, 0x03, 0x01]));

    expect((await garbage.ended).code).toBe(GrpcStatus.INTERNAL);
    await eventually(() => (fx.server.streamCount === 1 ? true : undefined), 3_000, 'garbage stream forgotten');
    fx.generators.clusters.set(REVIEWS, cluster(REVIEWS, 3));
    fx.server.pushAll(fullPush(), { version: 'v2' });
    const pushed = await normal.next();
    expect(pushed.versionInfo).toBe('v2');
    expect(
      pushed.resources!.map((a) => unpackAnyAs(Cluster, a)).find((c) => c.name === REVIEWS)?.connectTimeout,
    ).toEqual(expect.objectContaining({ seconds: 3 }));
  });

  it('serves 1,000 streams opened at once, and a normal client still gets its config', async () => {
    fx = await XdsFixture.start();
    const channels = Array.from({ length: 4 }, () => fx.client());
    const started = performance.now();
    const streams = Array.from({ length: 1_000 }, (_, i) => {
      const stream = channels[i % channels.length].sotw();
      stream.send({ node: sidecarNode(`load-${i}`, 'default', `10.8.${i >> 8}.${i & 255}`), typeUrl: TypeUrl.Cluster });
      return stream;
    });
    const firsts = await Promise.all(streams.map((s) => s.next(15_000)));
    const elapsedMs = performance.now() - started;

    expect(firsts.every((r) => r.typeUrl === TypeUrl.Cluster && r.resources?.length === 2)).toBe(true);
    expect(fx.server.connections()).toHaveLength(1_000);
    expect(elapsedMs).toBeLessThan(15_000);

    const normal = fx.client().sotw();
    normal.send({ node: sidecarNode('normal-1'), typeUrl: TypeUrl.Cluster });
    expect((await normal.next()).resources).toHaveLength(2);

    // A push reaches all 1,001 through the bounded queue.
    fx.server.pushAll(fullPush(), { version: 'v2' });
    const pushed = await Promise.all([...streams, normal].map((s) => s.next(15_000)));
    expect(pushed.every((r) => r.versionInfo === 'v2')).toBe(true);
    for (const stream of streams) stream.cancel();
  }, 30_000);

  it('on close lets the running push finish within the grace period, then ends every stream with UNAVAILABLE', async () => {
    fx = await XdsFixture.start({ settings: { closeGraceMs: 2_000 } });
    const sotw = fx.client().sotw();
    sotw.send({ node: sidecarNode('a-1'), typeUrl: TypeUrl.Cluster });
    const first = await sotw.next();
    sotw.send({ typeUrl: TypeUrl.Cluster, versionInfo: first.versionInfo, responseNonce: first.nonce });
    const delta = fx.client().delta();
    delta.send({ node: sidecarNode('b-1'), typeUrl: TypeUrl.Cluster });
    await delta.next();

    fx.generators.gate.close();
    fx.generators.clusters.set(REVIEWS, cluster(REVIEWS, 4));
    fx.server.pushAll(fullPush(), { version: 'v2' });
    const closing = fx.server.close();
    setTimeout(() => fx.generators.gate.open(), 100);
    await closing;

    // The push that was running when close() began was delivered before the streams ended.
    expect(sotw.responses.at(-1)?.versionInfo).toBe('v2');
    expect(await sotw.ended).toEqual({
      code: GrpcStatus.UNAVAILABLE,
      details: expect.stringContaining('shutting down'),
    });
    expect(await delta.ended).toEqual({
      code: GrpcStatus.UNAVAILABLE,
      details: expect.stringContaining('shutting down'),
    });
    expect(fx.server.connections()).toEqual([]);
  });

  it('on close ends streams after the grace period even if a push never finishes', async () => {
    fx = await XdsFixture.start({ settings: { closeGraceMs: 100 } });
    const stream = fx.client().sotw();
    stream.send({ node: sidecarNode('a-1'), typeUrl: TypeUrl.Cluster });
    await stream.next();
    fx.generators.gate.close();
    fx.server.pushAll(fullPush(), { version: 'v2' });

    const started = performance.now();
    await fx.server.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect((await stream.ended).code).toBe(GrpcStatus.UNAVAILABLE);
    fx.generators.gate.open();
  });
});

describe('DiscoveryServer with a client that stops reading', () => {
  it('ends the stream after the send timeout, counts it, and keeps pushing to others', async () => {
    // The clients share this process's event loop with the server, so on a loaded machine the
    // healthy one may not read for a while; the timeout must be long enough that only the client
    // that really stopped reading hits it.
    const fx = await XdsFixture.start({ settings: { sendTimeoutMs: 2_000 } });
    try {
      // ~100 KB per CDS response, so a few responses fill the flow-control windows.
      for (let i = 0; i < 100; i++) {
        const name = `outbound|9080||svc-${i}.default.svc.cluster.local`;
        fx.generators.clusters.set(name, { ...cluster(name), altStatName: 'x'.repeat(1_000) });
      }
      const stuck = fx.client().sotw();
      stuck.send({ node: sidecarNode('stuck-1'), typeUrl: TypeUrl.Cluster });
      await stuck.next();
      stuck.pause();
      const healthy = fx.client().sotw();
      healthy.send({ node: sidecarNode('healthy-1'), typeUrl: TypeUrl.Cluster });
      await healthy.next();

      let version = 1;
      for (let round = 0; round < 200 && fx.server.connections().length === 2; round++) {
        fx.server.pushAll(fullPush(), { version: `v${++version}` });
        await fx.server.whenIdle();
      }

      expect(fx.server.connections().map((c) => c.proxyId)).toEqual([sidecarNode('healthy-1').id]);
      expect(fx.metrics.snapshot().sendErrors).toEqual({ cds: 1 });
      expect(fx.logger.at('warn').some((e) => e.message.includes('send timed out'))).toBe(true);
      // The healthy client kept up and has the last version.
      fx.server.pushAll(fullPush(), { version: 'last' });
      await fx.server.whenIdle();
      await eventually(() => (healthy.responses.at(-1)?.versionInfo === 'last' ? true : undefined));
      stuck.resume();
      expect((await stuck.ended).code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    } finally {
      await fx.stop();
    }
  }, 40_000);
});
