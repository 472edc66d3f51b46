/**
 * Istio's standard metrics end to end: requests and TCP connections through a real engine (real
 * sockets, configuration from the stub control plane) show up on `/stats/prometheus`, on the admin
 * port and on the separate Prometheus port, with the labels Istio gives them, and the exposition is
 * valid Prometheus text.
 */
import { connect, createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ClusterLoadAssignment } from '@mesh/xds';
import { EngineHarness, send, sleep, Upstream } from '../../testdata/engine-harness';
import {
  edsCluster,
  httpListener,
  listener,
  loadAssignment,
  prefixRoute,
  routes,
  staticCluster,
  tcpChain,
  virtualHost,
} from '../../testdata/engine-fixtures';
import { checkPrometheusText, type Sample } from '@mesh/testing';
import { DURATION_BUCKETS_MS } from './telemetry/histogram';

const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
const GATEWAY_NODE = {
  metadata: {
    NAME: 'istio-ingressgateway-5d4f8c-abcde',
    WORKLOAD_NAME: 'istio-ingressgateway',
    NAMESPACE: 'istio-system',
    LABELS: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    CLUSTER_ID: 'Kubernetes',
  },
};

/** The endpoint metadata pilot sends (`istio.workload`) on the cluster's one endpoint. */
function reviewsEndpoints(port: number): ClusterLoadAssignment {
  const assignment = loadAssignment(REVIEWS, [port]);
  assignment.endpoints![0].lbEndpoints![0].metadata = {
    filterMetadata: { istio: { workload: 'reviews-v2;default;reviews;v2;Kubernetes' } },
  };
  return assignment;
}

const reviewsCluster = {
  ...edsCluster(REVIEWS),
  metadata: {
    filterMetadata: {
      istio: { services: [{ host: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default' }] },
    },
  },
};

function find(samples: readonly Sample[], name: string, labels: Record<string, string>): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

describe('engine: Istio standard metrics', () => {
  let h: EngineHarness;
  let app: Upstream;
  let echo: Server;

  beforeAll(async () => {
    app = await Upstream.start('reviews', (req, res) => {
      const delay = Number(req.headers['x-delay-ms'] ?? 0);
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello from reviews'), delay);
    });
    echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    h = await EngineHarness.start({ telemetry: { node: GATEWAY_NODE }, prometheus: { address: '127.0.0.1', port: 0 } });
  });
  afterAll(async () => {
    await h.stop();
    await app.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  const scrape = async (url: string) => {
    const reply = await send(url);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return checkPrometheusText(reply.body);
  };
  const prometheusUrl = () => `http://127.0.0.1:${h.engine.prometheusAddress!.port}/stats/prometheus`;

  it('counts requests by outcome with source labels from the node and destination labels from EDS and CDS metadata', async () => {
    await h.configure({
      clusters: [
        reviewsCluster,
        staticCluster('empty', []),
        { ...staticCluster('tight', [app.port]), circuitBreakers: { thresholds: [{ maxRequests: 1 }] } },
      ],
      endpoints: [reviewsEndpoints(app.port)],
      listeners: [httpListener('http', 'main')],
      routes: [
        routes('main', [
          virtualHost(
            'reviews',
            ['reviews.example.com'],
            [prefixRoute('/empty', 'empty'), prefixRoute('/tight', 'tight'), prefixRoute('/', REVIEWS)],
          ),
        ]),
      ],
    });
    const headers = { host: 'reviews.example.com' };
    for (let i = 0; i < 2; i++) expect((await send(h.url('http', '/r'), { headers })).status).toBe(200);
    expect((await send(h.url('http', '/empty'), { headers })).status).toBe(503);
    expect((await send(h.url('http', '/'), { headers: { host: 'nowhere.example.com:8080' } })).status).toBe(404);
    // One slow request holds the only max_requests slot: the next one overflows.
    const held = send(h.url('http', '/tight'), { headers: { ...headers, 'x-delay-ms': '300' } });
    await sleep(100);
    expect((await send(h.url('http', '/tight'), { headers })).status).toBe(503);
    expect((await held).status).toBe(200);

    const { samples, types } = await scrape(h.adminUrl('/stats/prometheus'));
    expect(types.get('istio_requests_total')).toBe('counter');
    expect(types.get('istio_request_duration_milliseconds')).toBe('histogram');
    expect(types.get('istio_request_bytes')).toBe('histogram');
    expect(types.get('istio_response_bytes')).toBe('histogram');

    const source = {
      reporter: 'source',
      source_workload: 'istio-ingressgateway',
      source_workload_namespace: 'istio-system',
      source_app: 'istio-ingressgateway',
      source_version: 'unknown',
      source_canonical_service: 'istio-ingressgateway',
      source_canonical_revision: 'latest',
      source_cluster: 'Kubernetes',
      source_principal: 'unknown',
    };
    const ok = find(samples, 'istio_requests_total', {
      ...source,
      response_code: '200',
      destination_workload: 'reviews-v2',
    });
    expect(ok).toHaveLength(1);
    expect(ok[0].value).toBe(2);
    expect(ok[0].labels).toEqual({
      ...source,
      destination_workload: 'reviews-v2',
      destination_workload_namespace: 'default',
      destination_principal: 'unknown',
      destination_app: 'reviews',
      destination_version: 'v2',
      destination_service: 'reviews.default.svc.cluster.local',
      destination_service_name: 'reviews',
      destination_service_namespace: 'default',
      destination_canonical_service: 'reviews',
      destination_canonical_revision: 'v2',
      destination_cluster: 'Kubernetes',
      request_protocol: 'http',
      response_code: '200',
      grpc_response_status: '',
      response_flags: '-',
      connection_security_policy: 'unknown',
    });

    const uh = find(samples, 'istio_requests_total', { response_code: '503', response_flags: 'UH' });
    expect(uh.map((s) => [s.value, s.labels.destination_workload, s.labels.destination_service])).toEqual([
      [1, 'unknown', 'reviews.example.com'],
    ]);
    const nr = find(samples, 'istio_requests_total', { response_code: '404', response_flags: 'NR' });
    expect(nr.map((s) => [s.value, s.labels.destination_service, s.labels.destination_workload])).toEqual([
      [1, 'nowhere.example.com', 'unknown'],
    ]);
    const uo = find(samples, 'istio_requests_total', { response_code: '503', response_flags: 'UO' });
    expect(uo.map((s) => s.value)).toEqual([1]);
    expect(
      find(samples, 'istio_requests_total', { response_code: '200', response_flags: '-' })
        .map((s) => s.value)
        .sort(),
    ).toEqual([1, 2]);

    // Histograms: one bucket line per Istio bound plus +Inf, cumulative, count = requests.
    const okLabels = { ...source, response_code: '200', destination_workload: 'reviews-v2' };
    const buckets = find(samples, 'istio_request_duration_milliseconds_bucket', okLabels);
    expect(buckets.map((b) => b.labels.le)).toEqual([...DURATION_BUCKETS_MS.map(String), '+Inf']);
    expect(buckets.at(-1)!.value).toBe(2);
    expect(find(samples, 'istio_request_duration_milliseconds_count', okLabels)[0].value).toBe(2);
    const responseBytes = find(samples, 'istio_response_bytes_sum', okLabels);
    expect(responseBytes[0].value).toBe(2 * 'hello from reviews'.length);
    const sizeBuckets = find(samples, 'istio_response_bytes_bucket', okLabels);
    expect(sizeBuckets.find((b) => b.labels.le === '10')!.value).toBe(0);
    expect(sizeBuckets.find((b) => b.labels.le === '100')!.value).toBe(2);
  });

  it('reports a TCP connection: opened, closed and its bytes in each direction', async () => {
    await h.configure({
      clusters: [
        { ...staticCluster('echo', [(echo.address() as AddressInfo).port]), metadata: reviewsCluster.metadata },
      ],
      listeners: [listener('tcp', [tcpChain('tcp_echo', 'echo')])],
    });
    const socket = connect(h.port('tcp'), '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (Buffer.concat(received).length >= 5) socket.end();
    });
    socket.write('hello');
    await new Promise((resolve) => socket.once('close', resolve));
    // The proxy counts the connection when its downstream side closes.
    let samples: Sample[] = [];
    for (let i = 0; i < 50; i++) {
      samples = (await scrape(prometheusUrl())).samples;
      if (find(samples, 'istio_tcp_connections_closed_total', {}).length > 0) break;
      await sleep(20);
    }
    const tcpLabels = {
      reporter: 'source',
      request_protocol: 'tcp',
      response_flags: '-',
      destination_service: 'reviews.default.svc.cluster.local',
      destination_workload: 'unknown',
    };
    expect(find(samples, 'istio_tcp_connections_opened_total', tcpLabels).map((s) => s.value)).toEqual([1]);
    expect(find(samples, 'istio_tcp_connections_closed_total', tcpLabels).map((s) => s.value)).toEqual([1]);
    expect(find(samples, 'istio_tcp_received_bytes_total', tcpLabels).map((s) => s.value)).toEqual([5]);
    expect(find(samples, 'istio_tcp_sent_bytes_total', tcpLabels).map((s) => s.value)).toEqual([5]);
    expect(find(samples, 'istio_tcp_sent_bytes_total', tcpLabels)[0].labels).not.toHaveProperty('response_code');
  });

  it('serves Envoy stats converted as Envoy does, the scope name as a label', async () => {
    const { samples, types } = await scrape(prometheusUrl());
    const total = find(samples, 'envoy_cluster_upstream_rq_total', { cluster_name: REVIEWS });
    expect(total.map((s) => s.value)).toEqual([2]);
    expect(types.get('envoy_cluster_upstream_rq_total')).toBe('counter');
    expect(
      find(samples, 'envoy_tcp_downstream_cx_total', { envoy_tcp_prefix: 'tcp_echo' }).map((s) => s.value),
    ).toEqual([1]);
    expect(types.get('envoy_server_live')).toBe('gauge');
    expect(find(samples, 'envoy_server_live', {}).map((s) => s.value)).toEqual([1]);
    const notFound = await send(prometheusUrl().replace('/stats/prometheus', '/stats'));
    expect(notFound.status).toBe(404);
  });
});
