/**
 * EDS priorities follow where the proxy says it runs in its xDS `Node.locality`: over a real ADS
 * stream (the server hands the node's locality to the Proxy), and ahead of the `LOCALITY`
 * metadata and topology labels.
 */
import { proxyFromNode, type PushContext } from '@mesh/mesh-model';
import { ClusterLoadAssignment, TypeUrl, unpackAnyAs, type Node } from '@mesh/xds';
import { addressesByPriority, loadAssignmentsOf, named } from '../cluster/testdata/generate';
import { scenarioPush } from '../cluster/testdata/scenarios';
import { DiscoveryServer, GeneratorRegistry } from '../../xds-server';
import { TestAdsClient } from '../../xds-server/testing/ads-test-client';
import { RecordingLogger } from '../../xds-server/testing/fixture';
import { registerEndpointGenerators } from './index';

const FAILOVER = 'outbound|80||failover.geo.internal';
const CLIENT_ID = 'sidecar~10.6.9.1~client-0.geo~geo.svc.cluster.local';
const CLIENT_METADATA = { NAMESPACE: 'geo', LABELS: { app: 'client', 'topology.istio.io/network': 'n1' } };

describe('EDS priorities from Node.locality', () => {
  const { push } = scenarioPush('locality');

  it('prefers the node locality to the LOCALITY metadata and the topology labels', () => {
    const proxy = proxyFromNode(
      CLIENT_ID,
      {
        ...CLIENT_METADATA,
        LOCALITY: 'us-east/zone-a/rack-1',
        LABELS: { ...CLIENT_METADATA.LABELS, 'topology.kubernetes.io/region': 'eu-central' },
      },
      { region: 'us-west', zone: 'zone-c', subzone: '' },
    );
    expect(addressesByPriority(named(loadAssignmentsOf(push, proxy), FAILOVER))).toEqual({
      0: ['10.6.0.4:80'],
      1: ['10.6.0.1:80', '10.6.0.2:80', '10.6.0.3:80', '10.6.0.5:80'],
    });
  });

  describe('over an ADS stream', () => {
    let server: DiscoveryServer<PushContext>;
    let client: TestAdsClient;

    beforeAll(async () => {
      const registry = new GeneratorRegistry<PushContext>();
      registerEndpointGenerators(registry);
      server = new DiscoveryServer<PushContext>({
        generators: registry,
        pushContext: push,
        logger: new RecordingLogger(),
      });
      const port = await server.listen('127.0.0.1:0');
      client = new TestAdsClient(`127.0.0.1:${port}`);
    });

    afterAll(async () => {
      client.close();
      await server.close();
    });

    async function failoverPriorities(node: Node): Promise<Record<number, string[]>> {
      const stream = client.sotw();
      stream.send({ typeUrl: TypeUrl.ClusterLoadAssignment, node, resourceNames: [FAILOVER] });
      const response = await stream.next();
      stream.cancel();
      const assignments = (response.resources ?? []).map((any) => unpackAnyAs(ClusterLoadAssignment, any));
      return addressesByPriority(named(assignments, FAILOVER));
    }

    it('orders endpoints by closeness to the locality the node announces', async () => {
      const east = {
        id: CLIENT_ID,
        metadata: CLIENT_METADATA,
        locality: { region: 'us-east', zone: 'zone-a', subZone: 'rack-1' },
      };
      expect(await failoverPriorities(east)).toEqual({
        0: ['10.6.0.1:80'],
        1: ['10.6.0.2:80'],
        2: ['10.6.0.3:80'],
        3: ['10.6.0.5:80'],
        4: ['10.6.0.4:80'],
      });
      const west = { id: CLIENT_ID, metadata: CLIENT_METADATA, locality: { region: 'us-west', zone: 'zone-c' } };
      expect(await failoverPriorities(west)).toEqual({
        0: ['10.6.0.4:80'],
        1: ['10.6.0.1:80', '10.6.0.2:80', '10.6.0.3:80', '10.6.0.5:80'],
      });
    });
  });
});
