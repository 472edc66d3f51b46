/**
 * Interoperability: an xDS client nobody here wrote (@grpc/grpc-js-xds, proxyless gRPC) resolves
 * an `xds:///` target through the stub, ACKs what it serves, and its RPC reaches the backend
 * the stub's endpoints name.
 */
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceError,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { Cluster, ClusterLoadAssignment, Listener, packAny, TypeUrl } from '@mesh/xds';
import { Cluster_DiscoveryType, Cluster_LbPolicy } from '@mesh/xds/generated/envoy/config/cluster/v3/cluster';
import { Router } from '@mesh/xds/generated/envoy/extensions/filters/http/router/v3/router';
import { HttpConnectionManager } from '@mesh/xds/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager';
import { StubControlPlane } from './stub-control-plane';
import { stubResource } from './stub-resource';

const identity = (b: Buffer) => b;
/** A one-method service on raw bytes: the backend echoes what it gets, prefixed. */
const echoService: ServiceDefinition = {
  echo: {
    path: '/mesh.test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

const TARGET = 'echo.mesh.test:50051';
const CLUSTER = 'outbound|50051||echo.mesh.test';

function serveEcho(stub: StubControlPlane, backendPort: number): void {
  const hcm = packAny(HttpConnectionManager, {
    routeConfig: {
      name: TARGET,
      virtualHosts: [
        { name: 'echo', domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: CLUSTER } }] },
      ],
    },
    httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: packAny(Router, {}) }],
  });
  stub.setResources(TypeUrl.Listener, [stubResource(Listener, { name: TARGET, apiListener: { apiListener: hcm } })]);
  stub.setResources(TypeUrl.Cluster, [
    stubResource(Cluster, {
      name: CLUSTER,
      type: Cluster_DiscoveryType.EDS,
      edsClusterConfig: { edsConfig: { ads: {} } },
      lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
    }),
  ]);
  stub.setResources(TypeUrl.ClusterLoadAssignment, [
    stubResource(ClusterLoadAssignment, {
      clusterName: CLUSTER,
      endpoints: [
        {
          locality: { region: 'r', zone: 'z', subZone: '' },
          loadBalancingWeight: 1,
          lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: backendPort } } } }],
        },
      ],
    }),
  ]);
}

describe('StubControlPlane with @grpc/grpc-js-xds', () => {
  let stub: StubControlPlane;
  let backend: Server;
  let backendPort: number;
  /** Kept open across tests: grpc-js-xds ends its ADS stream when no channel watches anything. */
  let client: Client;

  beforeAll(async () => {
    stub = await StubControlPlane.start();
    backend = new Server();
    backend.addService(echoService, {
      echo: (call: { request: Buffer }, callback: (error: null, reply: Buffer) => void) =>
        callback(null, Buffer.concat([Buffer.from('echo:'), call.request])),
    });
    backendPort = await new Promise<number>((resolve, reject) =>
      backend.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, port) =>
        e ? reject(e) : resolve(port),
      ),
    );
    serveEcho(stub, backendPort);
    // The bootstrap is read once per process, on the first xds: channel.
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [{ server_uri: stub.address, channel_creds: [{ type: 'insecure' }], server_features: [] }],
      node: { id: 'proxyless~127.0.0.1~echo-client.default~default.svc.cluster.local', locality: {} },
    });
    const xds = await import('@grpc/grpc-js-xds');
    xds.register();
    client = new Client(`xds:///${TARGET}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
    backend.forceShutdown();
    await stub.stop();
  });

  it('resolves an xds:/// target through the stub, ACKs every type and reaches the backend', async () => {
    const reply = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(
        '/mesh.test.Echo/Echo',
        identity,
        identity,
        Buffer.from('hello'),
        new Metadata(),
        { deadline: Date.now() + 5000 },
        (error: ServiceError | null, value?: Buffer) => (error ? reject(error) : resolve(value!)),
      ),
    );
    expect(reply.toString()).toBe('echo:hello');

    // grpc-js-xds speaks SotW and asks for LDS by the target's name.
    const requests = stub.requests.all((r) => r.protocol === 'sotw');
    expect(requests[0].node?.id).toBe('proxyless~127.0.0.1~echo-client.default~default.svc.cluster.local');
    expect(requests.find((r) => r.typeUrl === TypeUrl.Listener)?.resourceNames).toEqual([TARGET]);
    for (const response of stub.responses.all((r) => r.protocol === 'sotw')) {
      const ack = await stub.requests.waitFor(
        (r) => r.typeUrl === response.typeUrl && r.responseNonce === response.nonce,
      );
      expect({ type: response.typeUrl, error: ack.errorDetail, version: ack.versionInfo }).toEqual({
        type: response.typeUrl,
        error: undefined,
        version: response.versionInfo,
      });
    }
    expect(new Set(stub.responses.all().map((r) => r.typeUrl))).toEqual(
      new Set([TypeUrl.Listener, TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment]),
    );
  });

  it('records the NACK of a resource grpc-js-xds rejects, with the version it keeps', async () => {
    const before = stub.responses.size;
    const acceptedVersion = stub.versionOf(TypeUrl.Cluster);
    // A cluster with a load balancing policy gRPC does not implement.
    stub.setResources(TypeUrl.Cluster, [
      stubResource(Cluster, {
        name: CLUSTER,
        type: Cluster_DiscoveryType.EDS,
        edsClusterConfig: { edsConfig: { ads: {} } },
        lbPolicy: Cluster_LbPolicy.RANDOM,
      }),
    ]);
    const response = await stub.responses.waitFor((r) => r.typeUrl === TypeUrl.Cluster, { after: before });
    const nack = await stub.requests.waitFor((r) => r.responseNonce === response.nonce);
    expect(nack.errorDetail?.message).toContain('unsupported lb_policy: RANDOM');
    expect(nack.versionInfo).toBe(acceptedVersion);
    expect(response.versionInfo).not.toBe(acceptedVersion);
  });
});
