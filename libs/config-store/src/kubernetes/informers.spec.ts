/**
 * The production informers (makeInformer + listAsServed) over real HTTP, against a small stand-in
 * that answers list and watch like the API server does. This checks the paths, the list calls and
 * the conversion of what comes back; e2e/envtest runs the same against a real kube-apiserver.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordEvents, waitFor } from '../../testdata/helpers';
import { informersFromKubeConfig } from './informers';
import { KubernetesConfigSource } from './kubernetes-source';

const lists: Record<string, object> = {
  '/api/v1/services': {
    kind: 'ServiceList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '20' },
    items: [
      {
        metadata: {
          name: 'reviews',
          namespace: 'bookinfo',
          resourceVersion: '11',
          creationTimestamp: '2026-01-01T00:00:00Z',
        },
        spec: { ports: [{ name: 'http', port: 9080, protocol: 'TCP' }], selector: { app: 'reviews' } },
      },
    ],
  },
  '/apis/networking.istio.io/v1/virtualservices': {
    kind: 'VirtualServiceList',
    apiVersion: 'networking.istio.io/v1',
    metadata: { resourceVersion: '20' },
    items: [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'reviews', namespace: 'bookinfo', resourceVersion: '12' },
        spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] },
      },
    ],
  },
};

describe('informersFromKubeConfig', () => {
  let server: Server;
  const watches = new Map<string, ServerResponse>();
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push(`${url.pathname}${url.searchParams.get('watch') ? '?watch' : ''}`);
      const list = lists[url.pathname];
      if (!list) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      if (url.searchParams.get('watch') === 'true') {
        res.flushHeaders();
        watches.set(url.pathname, res);
        return;
      }
      res.end(JSON.stringify(list));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const res of watches.values()) res.end();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('lists and watches Istio and core kinds through client-node, and says which kinds are not served', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [
        { name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
      ],
      users: [{ name: 'test' }],
      contexts: [{ name: 'test', cluster: 'fake', user: 'test' }],
      currentContext: 'test',
    });
    const source = new KubernetesConfigSource({
      informers: informersFromKubeConfig(kubeConfig),
      kinds: ['VirtualService', 'Service', 'Telemetry'],
      backoff: { initialMs: 50, maxMs: 50 },
    });
    try {
      await source.ready();
      expect(source.get('Service', 'bookinfo', 'reviews')).toMatchObject({
        kind: 'Service',
        resourceVersion: '11',
        // As the API server wrote it (client-node's typed list calls used to turn it into a Date).
        creationTimestamp: '2026-01-01T00:00:00Z',
        spec: { selector: { app: 'reviews' } },
      });
      expect(source.get('VirtualService', 'bookinfo', 'reviews')).toMatchObject({ resourceVersion: '12' });
      expect(source.status().Telemetry).toMatchObject({
        synced: true,
        lastError: 'the API server does not serve telemetries.telemetry.istio.io (is the CRD installed?)',
      });

      const { events } = recordEvents(source);
      const vsWatch = await waitFor('the VirtualService watch', () =>
        watches.get('/apis/networking.istio.io/v1/virtualservices'),
      );
      const updated = {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'reviews', namespace: 'bookinfo', resourceVersion: '21' },
        spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] },
      };
      vsWatch.write(JSON.stringify({ type: 'MODIFIED', object: updated }) + '\n');
      await waitFor('the watch event', () => events.length === 1);
      expect(events[0]).toMatchObject({ type: 'update', config: { resourceVersion: '21', spec: updated.spec } });
      expect(requests).toEqual(
        expect.arrayContaining([
          '/api/v1/services',
          '/api/v1/services?watch',
          '/apis/networking.istio.io/v1/virtualservices',
          '/apis/networking.istio.io/v1/virtualservices?watch',
          '/apis/telemetry.istio.io/v1/telemetries',
        ]),
      );
    } finally {
      await source.close();
    }
  });
});
