import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { DiscoveryRequest, TypeUrl } from '@mesh/xds';
import { decodeSotwRequest } from './request-decoding';

const names = Array.from({ length: 50 }, (_, i) => `outbound|9080|v${i % 3}|svc-${i}.default.svc.cluster.local`);
const full: DiscoveryRequest = {
  versionInfo: '2026-11-23T17:00:00Z/3',
  node: { id: 'sidecar~10.1.0.7~reviews-v1.default~default.svc.cluster.local', cluster: 'reviews.default' },
  resourceNames: names,
  typeUrl: TypeUrl.ClusterLoadAssignment,
  responseNonce: 'ab-7',
  errorDetail: { code: 3, message: 'bad cluster', details: [] },
};
const encode = (request: DiscoveryRequest) => Buffer.from(DiscoveryRequest.encode(request).finish());

/** Compares what matters with the generated decoder's output, through its JSON form. */
const normalized = (request: DiscoveryRequest) => DiscoveryRequest.toJSON(DiscoveryRequest.fromPartial(request));

describe('decodeSotwRequest', () => {
  it('decodes what the generated decoder decodes', () => {
    for (const request of [full, { typeUrl: TypeUrl.Cluster }, { ...full, errorDetail: undefined, node: undefined }]) {
      const bytes = encode(request);
      expect(normalized(decodeSotwRequest(bytes))).toEqual(normalized(DiscoveryRequest.decode(bytes)));
    }
  });

  it('gives equal name lists one digest and different ones another', () => {
    const a = decodeSotwRequest(encode({ ...full, responseNonce: 'x-1', versionInfo: 'v1' }));
    const b = decodeSotwRequest(encode({ ...full, responseNonce: 'x-2', versionInfo: 'v2' }));
    const c = decodeSotwRequest(encode({ ...full, resourceNames: [...names.slice(1), 'outbound|80||other'] }));
    expect(a.namesDigest).toBeDefined();
    expect(b.namesDigest).toBe(a.namesDigest);
    expect(c.namesDigest).not.toBe(a.namesDigest);
    expect(decodeSotwRequest(encode({ typeUrl: TypeUrl.Listener })).namesDigest).toBe('0');
  });

  it('falls back to the generated decoder (no digest) when the names are not in one run', () => {
    // Names, then the type URL, then another name: legal protobuf, not what Envoy writes.
    const writer = new BinaryWriter();
    writer.uint32(26).string('a');
    writer.uint32(34).string(TypeUrl.ClusterLoadAssignment);
    writer.uint32(26).string('b');
    const decoded = decodeSotwRequest(Buffer.from(writer.finish()));
    expect(decoded.namesDigest).toBeUndefined();
    expect(decoded.resourceNames).toEqual(['a', 'b']);
  });

  it('rejects truncated bytes as the generated decoder does', () => {
    const bytes = encode(full).subarray(0, 40);
    expect(() => decodeSotwRequest(bytes)).toThrow();
  });
});
