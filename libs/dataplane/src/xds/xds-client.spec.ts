/**
 * The xDS client against a real gRPC control plane (StubControlPlane from @mesh/testing) over
 * loopback sockets, in both protocol variants.
 */
import { Cluster, ClusterLoadAssignment, Listener, packAny, RouteConfiguration, Secret, TypeUrl } from '@mesh/xds';
import { UpstreamTlsContext } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { type RecordedRequest, StubControlPlane, stubResource, WaitableLog } from '@mesh/testing';
import {
  certificateSecret,
  edsCluster,
  endpoints,
  httpListener,
  listenerWithUnknownFilter,
  routeConfiguration,
  staticCluster,
  tcpListener,
} from '../../testdata/envoy-fixtures';
import type { Snapshot } from './snapshot';
import { type XdsClientEvent, type XdsClientOptions, XdsClient, type XdsMode } from './xds-client';

const NODE = {
  id: 'sidecar~10.1.0.7~reviews-v1-abc.default~default.svc.cluster.local',
  cluster: 'reviews.default',
  metadata: { NAMESPACE: 'default', LABELS: { app: 'reviews', version: 'v1' } },
  locality: { region: 'eu', zone: 'eu-1' },
};

/** Every snapshot a client published, checked for consistency as it arrives. */
class SnapshotLog extends WaitableLog<Snapshot> {
  readonly inconsistencies: string[] = [];

  constructor(client: XdsClient) {
    super('snapshot');
    client.onUpdate((snapshot) => {
      this.inconsistencies.push(...inconsistenciesOf(snapshot));
      this.push(snapshot);
    });
  }
}

/** What warming promises: nothing referenced is absent unless it was given up on. */
function inconsistenciesOf(snapshot: Snapshot): string[] {
  const missing = new Set(snapshot.missing.map((d) => `${d.typeUrl}|${d.name}`));
  const problems: string[] = [];
  for (const cluster of snapshot.clusters.values()) {
    if (cluster.type !== 'eds') continue;
    const key = `${TypeUrl.ClusterLoadAssignment}|${cluster.serviceName}`;
    if (!snapshot.endpoints.has(cluster.serviceName) && !missing.has(key)) {
      problems.push(`generation ${snapshot.generation}: cluster ${cluster.name} without endpoints`);
    }
  }
  for (const listener of snapshot.listeners.values()) {
    if (listener.kind !== 'socket') continue;
    for (const chain of listener.filterChains) {
      if (chain.filter.kind !== 'http_connection_manager' || !('rds' in chain.filter.routes)) continue;
      const name = chain.filter.routes.rds;
      if (!snapshot.routeConfigurations.has(name) && !missing.has(`${TypeUrl.RouteConfiguration}|${name}`)) {
        problems.push(`generation ${snapshot.generation}: listener ${listener.name} without routes ${name}`);
      }
    }
  }
  return problems;
}

const clusters = (...list: Cluster[]) => list.map((c) => stubResource(Cluster, c));
const loadAssignments = (...list: ClusterLoadAssignment[]) => list.map((c) => stubResource(ClusterLoadAssignment, c));
const listeners = (...list: Listener[]) => list.map((l) => stubResource(Listener, l));
const routes = (...list: RouteConfiguration[]) => list.map((r) => stubResource(RouteConfiguration, r));

/** A small mesh: an HTTP listener routed over RDS to an EDS cluster, and a TCP listener to a static one. */
function serveBaseline(stub: StubControlPlane): void {
  stub.setResources(TypeUrl.Cluster, clusters(edsCluster('reviews', 'reviews.svc'), staticCluster('db', 5432)));
  stub.setResources(TypeUrl.ClusterLoadAssignment, loadAssignments(endpoints('reviews.svc', [9080])));
  stub.setResources(
    TypeUrl.Listener,
    listeners(httpListener('http', 8080, 'http-routes'), tcpListener('tcp', 5432, 'db')),
  );
  stub.setResources(TypeUrl.RouteConfiguration, routes(routeConfiguration('http-routes', 'reviews')));
}

const portOf = (snapshot: Snapshot, serviceName: string) =>
  snapshot.endpoints.get(serviceName)?.localities[0]?.endpoints[0]?.address.port;

/** How many live handles of a type (`TCPSocketWrap`, `Timeout`, ...) the process has. */
const countOf = (type: string) => process.getActiveResourcesInfo().filter((t) => t === type).length;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<XdsMode>(['sotw', 'delta'])('XdsClient over %s ADS', (mode) => {
  let stub: StubControlPlane;
  let client: XdsClient | undefined;
  let events: XdsClientEvent[];

  const isAckOf = (typeUrl: string, nonce: string) => (r: RecordedRequest) =>
    r.protocol === mode && r.typeUrl === typeUrl && r.responseNonce === nonce;

  function startClient(overrides: Partial<XdsClientOptions> = {}): { client: XdsClient; snapshots: SnapshotLog } {
    events = [];
    client = new XdsClient({
      serverAddress: stub.address,
      node: NODE,
      mode,
      backoff: { baseMs: 20, capMs: 200 },
      onEvent: (event) => events.push(event),
      ...overrides,
    });
    const snapshots = new SnapshotLog(client);
    client.start();
    return { client, snapshots };
  }

  beforeEach(async () => {
    stub = await StubControlPlane.start();
  });
  afterEach(async () => {
    client?.close();
    client = undefined;
    await stub.stop();
  });

  it('fetches LDS and CDS, then the RDS and EDS names they reference, and publishes one consistent snapshot', async () => {
    serveBaseline(stub);
    const { snapshots } = startClient();

    const first = await snapshots.waitFor(() => true);
    expect([...first.clusters.keys()].sort()).toEqual(['db', 'reviews']);
    expect([...first.listeners.keys()].sort()).toEqual(['http', 'tcp']);
    expect(first.routeConfigurations.get('http-routes')?.virtualHosts[0].routes[0].action).toMatchObject({
      destination: { cluster: 'reviews' },
    });
    expect(portOf(first, 'reviews.svc')).toBe(9080);
    expect(first.missing).toEqual([]);
    expect(first.generation).toBe(1);
    expect(snapshots.size).toBe(1);
    expect(snapshots.inconsistencies).toEqual([]);

    // The node identity goes on the stream's first request only.
    const requests = stub.requests.all((r) => r.protocol === mode);
    expect(requests[0].node).toMatchObject({
      id: NODE.id,
      cluster: 'reviews.default',
      userAgentName: 'mesh-proxy',
      locality: { region: 'eu', zone: 'eu-1', subZone: '' },
      metadata: NODE.metadata,
    });
    expect(requests.slice(1).every((r) => r.node === undefined)).toBe(true);
    // Named types are asked for by the names the listeners and clusters reference.
    const named = (typeUrl: string) =>
      requests.filter((r) => r.typeUrl === typeUrl).flatMap((r) => [...r.resourceNames, ...r.resourceNamesSubscribe]);
    expect(new Set(named(TypeUrl.ClusterLoadAssignment))).toEqual(new Set(['reviews.svc']));
    expect(new Set(named(TypeUrl.RouteConfiguration))).toEqual(new Set(['http-routes']));
    expect(named(TypeUrl.Cluster)).toEqual([]); // wildcard
  });

  it('ACKs every response with its version and nonce', async () => {
    serveBaseline(stub);
    const { snapshots } = startClient();
    await snapshots.waitFor(() => true);

    const sent = stub.responses.all((r) => r.protocol === mode);
    expect(sent.map((r) => r.typeUrl).sort()).toEqual(
      [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration].sort(),
    );
    for (const response of sent) {
      const ack = await stub.requests.waitFor(isAckOf(response.typeUrl, response.nonce));
      expect(ack.errorDetail).toBeUndefined();
      if (mode === 'sotw') expect(ack.versionInfo).toBe(response.versionInfo);
      expect(client!.typeStatus(response.typeUrl).versionInfo).toBe(response.versionInfo);
    }
  });

  it('NACKs a listener with an unknown network filter, naming it, and keeps the last good snapshot', async () => {
    serveBaseline(stub);
    const { client, snapshots } = startClient();
    const good = await snapshots.waitFor(() => true);
    const goodVersion = stub.versionOf(TypeUrl.Listener);

    const before = stub.responses.size;
    stub.setResources(
      TypeUrl.Listener,
      listeners(httpListener('http', 8080, 'http-routes'), listenerWithUnknownFilter('rbac-only', 9000)),
    );
    const response = await stub.responses.waitFor((r) => r.typeUrl === TypeUrl.Listener, { after: before });
    const nack = await stub.requests.waitFor(isAckOf(TypeUrl.Listener, response.nonce));

    expect(nack.errorDetail?.code).toBe(3);
    expect(nack.errorDetail?.message).toBe(
      `Listener "rbac-only": filter_chains[0].filters[0].typed_config: unknown network filter "envoy.filters.network.rbac" (${TypeUrl.NetworkRbac})`,
    );
    // SotW: the NACK carries the version still in use, not the rejected one.
    if (mode === 'sotw') expect(nack.versionInfo).toBe(goodVersion);
    expect(client.typeStatus(TypeUrl.Listener)).toEqual({
      versionInfo: goodVersion,
      rejected: { nonce: response.nonce, message: nack.errorDetail?.message },
    });
    await sleep(100);
    expect(client.snapshot).toBe(good);
    expect([...client.snapshot!.listeners.keys()].sort()).toEqual(['http', 'tcp']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'rejected', typeUrl: TypeUrl.Listener }));
  });

  it('NACKs a cluster without a name and recovers with the next good version', async () => {
    serveBaseline(stub);
    const { client, snapshots } = startClient();
    const good = await snapshots.waitFor(() => true);

    const before = stub.responses.size;
    stub.setResources(TypeUrl.Cluster, [
      stubResource(Cluster, edsCluster('reviews', 'reviews.svc')),
      stubResource(Cluster, { ...edsCluster('x'), name: '' }, 'nameless'),
    ]);
    const response = await stub.responses.waitFor((r) => r.typeUrl === TypeUrl.Cluster, { after: before });
    const nack = await stub.requests.waitFor(isAckOf(TypeUrl.Cluster, response.nonce));
    // Delta sends only the changed resource, under the name the response gives it.
    expect(nack.errorDetail).toEqual({
      code: 3,
      message:
        mode === 'sotw'
          ? 'Cluster at resources[1]: name: must not be empty'
          : 'Cluster at resources[0] (named "nameless" in the response): name: must not be empty',
    });
    await sleep(100);
    expect(client.snapshot).toBe(good);
    expect(client.snapshot!.clusters.has('db')).toBe(true);

    stub.setResources(TypeUrl.Cluster, clusters(edsCluster('reviews', 'reviews.svc'), staticCluster('cache', 6379)));
    const next = await snapshots.waitFor((s) => s.clusters.has('cache'));
    // SotW resends the whole set, so db is gone. Delta does not repeat db's removal: it came in
    // the rejected response and the server believes the client applied it (no xDS server
    // resends after a NACK); the client keeps db until the server says otherwise.
    expect([...next.clusters.keys()].sort()).toEqual(
      mode === 'sotw' ? ['cache', 'reviews'] : ['cache', 'db', 'reviews'],
    );
    expect(client.typeStatus(TypeUrl.Cluster).rejected).toBeUndefined();
    expect(snapshots.inconsistencies).toEqual([]);
  });

  it('follows updates: new endpoints, and a new EDS cluster only once its endpoints arrived', async () => {
    serveBaseline(stub);
    const { snapshots } = startClient();
    await snapshots.waitFor(() => true);

    stub.setResources(TypeUrl.ClusterLoadAssignment, loadAssignments(endpoints('reviews.svc', [9081])));
    const moved = await snapshots.waitFor((s) => portOf(s, 'reviews.svc') === 9081);
    expect(moved.generation).toBe(2);

    const beforeRequests = stub.requests.size;
    stub.setResources(TypeUrl.Cluster, clusters(edsCluster('reviews', 'reviews.svc'), edsCluster('ratings')));
    // The client asks for the new cluster's endpoints...
    await stub.requests.waitFor(
      (r) =>
        r.typeUrl === TypeUrl.ClusterLoadAssignment &&
        (r.resourceNames.includes('ratings') || r.resourceNamesSubscribe.includes('ratings')),
      { after: beforeRequests },
    );
    await sleep(100);
    // ...and publishes nothing with the cluster until they are there.
    expect(snapshots.all((s) => s.clusters.has('ratings'))).toEqual([]);

    stub.setResources(
      TypeUrl.ClusterLoadAssignment,
      loadAssignments(endpoints('reviews.svc', [9081]), endpoints('ratings', [9082])),
    );
    const withRatings = await snapshots.waitFor((s) => s.clusters.has('ratings'));
    expect(portOf(withRatings, 'ratings')).toBe(9082);
    expect(snapshots.inconsistencies).toEqual([]);
  });

  it('waits for the RDS of a new listener before publishing it', async () => {
    serveBaseline(stub);
    const { snapshots } = startClient();
    await snapshots.waitFor(() => true);

    stub.setResources(
      TypeUrl.Listener,
      listeners(
        httpListener('http', 8080, 'http-routes'),
        tcpListener('tcp', 5432, 'db'),
        httpListener('admin', 9090, 'admin-routes'),
      ),
    );
    await stub.requests.waitFor(
      (r) => r.resourceNames.includes('admin-routes') || r.resourceNamesSubscribe.includes('admin-routes'),
    );
    await sleep(100);
    expect(snapshots.all((s) => s.listeners.has('admin'))).toEqual([]);

    stub.setResources(
      TypeUrl.RouteConfiguration,
      routes(routeConfiguration('http-routes', 'reviews'), routeConfiguration('admin-routes', 'db')),
    );
    const withAdmin = await snapshots.waitFor((s) => s.listeners.has('admin'));
    expect(withAdmin.routeConfigurations.has('admin-routes')).toBe(true);
    expect(snapshots.inconsistencies).toEqual([]);
  });

  it('holds the first snapshot until endpoints arrive, or publishes it without them after the initial fetch timeout', async () => {
    stub.setResources(TypeUrl.Cluster, clusters(edsCluster('reviews')));
    stub.setResources(TypeUrl.Listener, []);
    const started = Date.now();
    const { snapshots } = startClient({ initialFetchTimeoutMs: 400 });
    await stub.requests.waitFor((r) => r.typeUrl === TypeUrl.ClusterLoadAssignment);

    const first = await snapshots.waitFor(() => true, { timeoutMs: 3000 });
    // Not before the EDS name's timer fired (it starts once CDS is accepted, after `started`).
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(snapshots.size).toBe(1);
    expect(first.clusters.has('reviews')).toBe(true);
    expect(first.endpoints.size).toBe(0);
    expect(first.missing).toEqual([{ typeUrl: TypeUrl.ClusterLoadAssignment, name: 'reviews' }]);

    // Late endpoints still arrive and clear the missing entry.
    stub.setResources(TypeUrl.ClusterLoadAssignment, loadAssignments(endpoints('reviews', [80])));
    const late = await snapshots.waitFor((s) => s.endpoints.has('reviews'));
    expect(late.missing).toEqual([]);
  });

  it('removes deleted resources and unsubscribes what they referenced', async () => {
    serveBaseline(stub);
    const { snapshots } = startClient();
    await snapshots.waitFor(() => true);

    const beforeRequests = stub.requests.size;
    stub.setResources(TypeUrl.Cluster, clusters(staticCluster('db', 5432)));
    stub.setResources(TypeUrl.Listener, listeners(tcpListener('tcp', 5432, 'db')));
    const trimmed = await snapshots.waitFor((s) => !s.clusters.has('reviews') && !s.listeners.has('http'));
    expect(trimmed.endpoints.has('reviews.svc')).toBe(false);
    expect(trimmed.routeConfigurations.has('http-routes')).toBe(false);

    const unsubscribed = (typeUrl: string, name: string) => (r: RecordedRequest) =>
      r.typeUrl === typeUrl &&
      (mode === 'delta' ? r.resourceNamesUnsubscribe.includes(name) : !r.resourceNames.includes(name));
    await stub.requests.waitFor(unsubscribed(TypeUrl.ClusterLoadAssignment, 'reviews.svc'), { after: beforeRequests });
    await stub.requests.waitFor(unsubscribed(TypeUrl.RouteConfiguration, 'http-routes'), { after: beforeRequests });
    if (mode === 'delta') {
      const removal = stub.responses.all((r) => r.typeUrl === TypeUrl.Cluster && r.removedResources.length > 0);
      expect(removal.map((r) => r.removedResources)).toEqual([['reviews']]);
    }
    expect(snapshots.inconsistencies).toEqual([]);
  });

  it('serves the last snapshot while the control plane is down, then reconnects, re-subscribes and catches up', async () => {
    serveBaseline(stub);
    const { client, snapshots } = startClient();
    const beforeOutage = await snapshots.waitFor(() => true);
    await stub.requests.waitFor((r) => r.typeUrl === TypeUrl.RouteConfiguration && r.responseNonce !== '');
    const knownVersions = {
      [TypeUrl.Cluster]: client.typeStatus(TypeUrl.Cluster).versionInfo,
      [TypeUrl.Listener]: client.typeStatus(TypeUrl.Listener).versionInfo,
    };

    await stub.stop();
    await snapshots.waitFor(() => false, { timeoutMs: 300 }).catch(() => undefined);
    expect(events.some((e) => e.type === 'disconnected')).toBe(true);
    expect(client.connected).toBe(false);
    expect(client.snapshot).toBe(beforeOutage);
    expect(portOf(client.snapshot!, 'reviews.svc')).toBe(9080);

    // The control plane comes back on the same port with new endpoints.
    stub.setResources(TypeUrl.ClusterLoadAssignment, loadAssignments(endpoints('reviews.svc', [9999])));
    const beforeRestart = stub.requests.size;
    await stub.restart();
    const after = await snapshots.waitFor((s) => portOf(s, 'reviews.svc') === 9999, { timeoutMs: 5000 });
    expect(client.connected).toBe(true);
    expect([...after.listeners.keys()].sort()).toEqual(['http', 'tcp']);

    // The first request of each type on the new stream (some may still be in flight).
    const first = (typeUrl: string) =>
      stub.requests.waitFor((r) => r.protocol === mode && r.typeUrl === typeUrl, { after: beforeRestart });
    const [cds, eds, lds, rds] = await Promise.all(
      [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration].map(first),
    );
    expect(cds.node?.id).toBe(NODE.id);
    expect(new Set([cds, eds, lds, rds].map((r) => r.streamId)).size).toBe(1);
    if (mode === 'sotw') {
      // A new stream says which versions the client already has, and re-lists its names.
      expect(cds.versionInfo).toBe(knownVersions[TypeUrl.Cluster]);
      expect(lds.versionInfo).toBe(knownVersions[TypeUrl.Listener]);
      expect(eds.resourceNames).toEqual(['reviews.svc']);
      expect(rds.resourceNames).toEqual(['http-routes']);
    } else {
      // Delta: the names and the versions held, so the server sends only what changed.
      expect(Object.keys(cds.initialResourceVersions).sort()).toEqual(['db', 'reviews']);
      expect(eds).toMatchObject({ resourceNamesSubscribe: ['reviews.svc'] });
      expect(Object.keys(eds.initialResourceVersions)).toEqual(['reviews.svc']);
      expect(Object.keys(rds.initialResourceVersions)).toEqual(['http-routes']);
      const resent = stub.responses.all((r) => r.protocol === 'delta' && r.streamId === cds.streamId);
      expect(resent.flatMap((r) => r.resourceNames)).toEqual(['reviews.svc']);
    }
    expect(snapshots.inconsistencies).toEqual([]);
  });

  it('reopens a stream the server drops', async () => {
    serveBaseline(stub);
    const { snapshots } = startClient();
    await snapshots.waitFor(() => true);
    const opened = stub.streamEvents.all((e) => e.event === 'opened').length;
    expect(stub.dropStreams()).toBe(1);
    await stub.streamEvents.waitFor((e) => e.event === 'opened', { after: stub.streamEvents.size });
    expect(stub.streamEvents.all((e) => e.event === 'opened').length).toBe(opened + 1);
    stub.setResources(TypeUrl.ClusterLoadAssignment, loadAssignments(endpoints('reviews.svc', [7000])));
    await snapshots.waitFor((s) => portOf(s, 'reviews.svc') === 7000);
  });

  it('fetches the secrets a cluster references over ADS and waits for them', async () => {
    serveBaseline(stub);
    const { snapshots } = startClient();
    await snapshots.waitFor(() => true);
    const mtls = {
      ...edsCluster('reviews', 'reviews.svc'),
      transportSocket: {
        name: 'envoy.transport_sockets.tls',
        typedConfig: packAny(UpstreamTlsContext, {
          commonTlsContext: { tlsCertificateSdsSecretConfigs: [{ name: 'client-cert', sdsConfig: { ads: {} } }] },
        }),
      },
    };
    stub.setResources(TypeUrl.Cluster, clusters(mtls, staticCluster('db', 5432)));
    await stub.requests.waitFor(
      (r) => r.typeUrl === TypeUrl.Secret && [...r.resourceNames, ...r.resourceNamesSubscribe].includes('client-cert'),
    );
    await sleep(100);
    expect(snapshots.all((s) => s.clusters.get('reviews')?.tls !== undefined)).toEqual([]);

    stub.setResources(TypeUrl.Secret, [stubResource(Secret, certificateSecret('client-cert'))]);
    const withTls = await snapshots.waitFor((s) => s.clusters.get('reviews')?.tls !== undefined);
    expect(withTls.secrets.get('client-cert')).toMatchObject({ kind: 'tls_certificate' });
  });

  it('subscribes to explicitly requested secrets', async () => {
    serveBaseline(stub);
    stub.setResources(TypeUrl.Secret, [stubResource(Secret, certificateSecret('default'))]);
    const { client, snapshots } = startClient();
    await snapshots.waitFor(() => true);
    client.subscribe(TypeUrl.Secret, ['default']);
    const withSecret = await snapshots.waitFor((s) => s.secrets.has('default'));
    expect(withSecret.secrets.get('default')).toMatchObject({ kind: 'tls_certificate' });
    expect(() => client.subscribe(TypeUrl.Cluster, ['x'])).toThrow(/wildcard/);
  });

  it('closes its stream and leaves nothing running', async () => {
    serveBaseline(stub);
    await sleep(50); // lets the sockets of earlier tests finish closing
    const timersBefore = countOf('Timeout');
    const { client, snapshots } = startClient();
    await snapshots.waitFor(() => true);
    const streamId = stub.streamEvents.all((e) => e.event === 'opened')[0].streamId;
    client.close();
    await stub.streamEvents.waitFor((e) => e.event === 'closed' && e.streamId === streamId);
    expect(stub.openStreamCount).toBe(0);
    const requests = stub.requests.size;
    stub.setResources(TypeUrl.ClusterLoadAssignment, loadAssignments(endpoints('reviews.svc', [1])));
    await sleep(100);
    expect(stub.requests.size).toBe(requests);
    expect(client.snapshot?.generation).toBe(1);
    // No connection or timer of the client outlives close(); the stub still listens but has no
    // connection left. Sockets close asynchronously and gRPC's own short-lived timers may still
    // be running, hence the bounded wait.
    const settled = () => countOf('TCPSocketWrap') === 0 && countOf('Timeout') <= timersBefore;
    for (let i = 0; i < 50 && !settled(); i++) await sleep(20);
    expect(countOf('TCPSocketWrap')).toBe(0);
    expect(countOf('Timeout')).toBeLessThanOrEqual(timersBefore);
  });

  it('stops its initial-fetch timers when closed while warming', async () => {
    stub.setResources(TypeUrl.Cluster, clusters(edsCluster('reviews')));
    stub.setResources(TypeUrl.Listener, []);
    await sleep(50);
    const timersBefore = countOf('Timeout');
    const { client } = startClient({ initialFetchTimeoutMs: 60_000 });
    await stub.requests.waitFor((r) => r.typeUrl === TypeUrl.ClusterLoadAssignment);
    expect(countOf('Timeout')).toBeGreaterThan(timersBefore); // the EDS name's timer
    client.close();
    expect(countOf('Timeout')).toBeLessThanOrEqual(timersBefore);
    expect(client.snapshot).toBeUndefined();
  });
});
