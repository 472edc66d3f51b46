import { Cluster, packAny, TypeUrl } from '@mesh/xds';
import { edsCluster } from '../../testdata/envoy-fixtures';
import { decodeResponse } from './decode-response';

const cluster = (name: string) => packAny(Cluster, edsCluster(name));

describe('decodeResponse', () => {
  it('decodes every resource of a response into its checked form', () => {
    const result = decodeResponse(TypeUrl.Cluster, [
      { any: cluster('a'), version: 'v1' },
      { any: cluster('b'), version: 'v1' },
    ]);
    expect(result.ok && result.resources.map((r) => [r.name, r.version])).toEqual([
      ['a', 'v1'],
      ['b', 'v1'],
    ]);
  });

  it('rejects the whole response for one bad resource and lists every error', () => {
    const result = decodeResponse(TypeUrl.Cluster, [
      { any: cluster('a'), version: '1' },
      { any: cluster(''), version: '1' },
      { any: cluster('a'), version: '1' },
    ]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(
      'Cluster at resources[1]: name: must not be empty; Cluster "a": appears twice in the response',
    );
  });

  it('checks delta wrapper names and bodies', () => {
    const result = decodeResponse(TypeUrl.Cluster, [
      { any: cluster('a'), wrapperName: 'b', version: '1' },
      { any: undefined, wrapperName: 'c', version: '1' },
    ]);
    expect(!result.ok && result.errors.map((e) => e.message)).toEqual([
      'Cluster "a": is wrapped under the different name "b"',
      'Cluster at resources[1] (named "c" in the response): the resource has no body',
    ]);
  });

  it('rejects a type it does not know, and summarises long error lists', () => {
    const unknown = decodeResponse('type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration', []);
    expect(!unknown.ok && unknown.message).toBe(
      'resource type "type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration" is not supported by this proxy',
    );
    const many = decodeResponse(
      TypeUrl.Cluster,
      Array.from({ length: 8 }, () => ({ any: cluster(''), version: '1' })),
    );
    expect(!many.ok && many.errors.length).toBe(8);
    expect(!many.ok && many.message).toMatch(/; and 3 more errors$/);
  });
});
