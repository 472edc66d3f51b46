import { Cluster, DeltaDiscoveryResponse, DiscoveryResponse, packAny, TypeUrl, unpackAnyAs } from '@mesh/xds';
import { encodeControlPlane, encodeDeltaDiscoveryResponse, encodeDiscoveryResponse } from './response-encoding';

const reviews = packAny(Cluster, {
  name: 'outbound|9080||reviews.default.svc.cluster.local',
  connectTimeout: { seconds: 10, nanos: 0 },
});
const ratings = packAny(Cluster, { name: 'outbound|9080||ratings.default.svc.cluster.local' });
const controlPlane = encodeControlPlane({ identifier: 'istiod-0 1.28.0' });

describe('encodeDiscoveryResponse', () => {
  it('writes the bytes the generated codec writes, resources included', () => {
    const fields = {
      versionInfo: '2026-11-23T16:00:00Z/7',
      typeUrl: TypeUrl.Cluster,
      nonce: 'ab12-3',
      resources: [reviews, ratings],
    };
    const ours = encodeDiscoveryResponse({ ...fields, controlPlane });
    const generated = DiscoveryResponse.encode({ ...fields, controlPlane: { identifier: 'istiod-0 1.28.0' } }).finish();
    expect(Buffer.compare(ours, Buffer.from(generated))).toBe(0);
    const decoded = DiscoveryResponse.decode(ours);
    expect(decoded.resources!.map((any) => unpackAnyAs(Cluster, any).name)).toEqual([
      'outbound|9080||reviews.default.svc.cluster.local',
      'outbound|9080||ratings.default.svc.cluster.local',
    ]);
    expect(unpackAnyAs(Cluster, decoded.resources![0]).connectTimeout?.seconds).toBe(10);
  });

  it('leaves empty fields out and encodes a response without resources', () => {
    const ours = encodeDiscoveryResponse({
      versionInfo: '',
      typeUrl: TypeUrl.RouteConfiguration,
      nonce: 'n',
      resources: [],
    });
    expect(DiscoveryResponse.decode(ours)).toEqual(
      DiscoveryResponse.decode(DiscoveryResponse.encode({ typeUrl: TypeUrl.RouteConfiguration, nonce: 'n' }).finish()),
    );
  });

  it('reuses the encoded resource: a second response with it decodes the same', () => {
    const first = encodeDiscoveryResponse({
      versionInfo: 'v1',
      typeUrl: TypeUrl.Cluster,
      nonce: '1',
      resources: [reviews],
    });
    const second = encodeDiscoveryResponse({
      versionInfo: 'v2',
      typeUrl: TypeUrl.Cluster,
      nonce: '2',
      resources: [reviews],
    });
    expect(DiscoveryResponse.decode(second).resources).toEqual(DiscoveryResponse.decode(first).resources);
    expect(DiscoveryResponse.decode(second).versionInfo).toBe('v2');
  });
});

describe('encodeDeltaDiscoveryResponse', () => {
  it('decodes with the generated codec to the same response', () => {
    const ours = encodeDeltaDiscoveryResponse({
      systemVersionInfo: 'v3',
      typeUrl: TypeUrl.Cluster,
      nonce: 'cd-9',
      resources: [
        { name: 'outbound|9080||reviews.default.svc.cluster.local', version: 'b17', resource: reviews },
        { name: 'outbound|9080||ratings.default.svc.cluster.local', version: 'b18', resource: ratings },
      ],
      removedResources: ['outbound|9080||details.default.svc.cluster.local', 'outbound|80||gone.example'],
      controlPlane,
    });
    const decoded = DeltaDiscoveryResponse.decode(ours);
    expect(decoded.systemVersionInfo).toBe('v3');
    expect(decoded.typeUrl).toBe(TypeUrl.Cluster);
    expect(decoded.nonce).toBe('cd-9');
    expect(decoded.controlPlane?.identifier).toBe('istiod-0 1.28.0');
    expect(decoded.removedResources).toEqual([
      'outbound|9080||details.default.svc.cluster.local',
      'outbound|80||gone.example',
    ]);
    expect(decoded.resources!.map((r) => [r.name, r.version, unpackAnyAs(Cluster, r.resource!).name])).toEqual([
      ['outbound|9080||reviews.default.svc.cluster.local', 'b17', 'outbound|9080||reviews.default.svc.cluster.local'],
      ['outbound|9080||ratings.default.svc.cluster.local', 'b18', 'outbound|9080||ratings.default.svc.cluster.local'],
    ]);
  });

  it('encodes a resource larger than 2 MiB (multi-byte lengths) intact', () => {
    const big = packAny(Cluster, { name: 'x'.repeat(3 * 1024 * 1024) });
    const decoded = DeltaDiscoveryResponse.decode(
      encodeDeltaDiscoveryResponse({
        systemVersionInfo: 'v',
        typeUrl: TypeUrl.Cluster,
        nonce: 'n',
        resources: [{ name: 'big', version: '1', resource: big }],
        removedResources: [],
      }),
    );
    expect(unpackAnyAs(Cluster, decoded.resources![0].resource!).name).toHaveLength(3 * 1024 * 1024);
  });
});
