/**
 * Listeners end to end: the TCP proxy, filter chain selection (destination port, SNI and
 * transport protocol from a real TLS ClientHello, HTTP detection), listener updates and removals
 * while connections are open, and listeners that are skipped.
 */
import { Agent } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type Listener, packAny, Secret, TypeUrl } from '@mesh/xds';
import { stubResource } from '@mesh/testing';
import { DownstreamTlsContext } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { ADS, certificateSecret } from '../../testdata/envoy-fixtures';
import { HttpInspector } from '@mesh/xds/generated/envoy/extensions/filters/listener/http_inspector/v3/http_inspector';
import { closedPort, EngineHarness, send, sleep, Upstream } from '../../testdata/engine-harness';
import {
  hcmChain,
  listener,
  LOCALHOST,
  prefixRoute,
  routes,
  staticCluster,
  tcpChain,
  tlsInspector,
  virtualHost,
} from '../../testdata/engine-fixtures';

/** A raw TCP server: echoes (or just records) what it receives. */
class TcpUpstream {
  readonly received: Buffer[] = [];
  connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(mode: 'echo' | 'record'): Promise<TcpUpstream> {
    const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
      upstream.connections++;
      upstream.sockets.add(socket);
      socket.on('data', (chunk: Buffer) => {
        upstream.received.push(chunk);
        if (mode === 'echo') socket.write(chunk);
      });
      socket.on('end', () => socket.end());
      socket.on('error', () => undefined);
      socket.once('close', () => upstream.sockets.delete(socket));
    });
    const upstream = new TcpUpstream(server);
    await new Promise<void>((resolve) => server.listen(0, LOCALHOST, resolve));
    return upstream;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get bytes(): Buffer {
    return Buffer.concat(this.received);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Writes, half-closes, and collects everything until the proxy closes. */
function tcpExchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: LOCALHOST, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.write(payload, () => socket.end());
  });
}

const inline = (cluster: string) => ({
  inline: routes('inline', [virtualHost('all', ['*'], [prefixRoute('/', cluster)])]),
});

describe('engine: listeners', () => {
  let h: EngineHarness;
  let echo: TcpUpstream;
  let a: Upstream;
  let b: Upstream;
  let slow: Upstream;

  beforeAll(async () => {
    echo = await TcpUpstream.start('echo');
    a = await Upstream.start('a');
    b = await Upstream.start('b');
    slow = await Upstream.start('slow', (req, res) => {
      setTimeout(() => res.end(JSON.stringify({ upstream: 'slow' })), Number(req.headers['x-delay-ms'] ?? 0));
    });
    h = await EngineHarness.start();
  });
  afterAll(async () => {
    await h.stop();
    await Promise.all([echo.close(), a.close(), b.close(), slow.close()]);
  });

  it('proxies TCP both ways, half-close included, and counts the bytes', async () => {
    await h.configure({
      clusters: [staticCluster('echo', [echo.port])],
      listeners: [listener('tcp', [tcpChain('tcp_echo', 'echo')])],
    });
    const reply = await tcpExchange(h.port('tcp'), 'hello through the proxy');
    expect(reply).toBe('hello through the proxy');
    await waitUntil(() => (h.engine.stats.valueOf('tcp.tcp_echo.downstream_cx_tx_bytes_total') ?? 0) > 0);
    expect(h.engine.stats.valueOf('tcp.tcp_echo.downstream_cx_rx_bytes_total')).toBe(23);
    expect(h.engine.stats.valueOf('tcp.tcp_echo.downstream_cx_tx_bytes_total')).toBe(23);
    expect(h.engine.stats.valueOf('cluster.echo.upstream_cx_tx_bytes_total')).toBe(23);
    expect(h.accessLog.at(-1)).toMatch(/"- - -" 0 - 23 23 \d+ - "-" "-" "-" "-" "127\.0\.0\.1:\d+"$/);
  });

  it('closes an idle TCP connection after the idle timeout (flag IT)', async () => {
    await h.configure({
      clusters: [staticCluster('echo', [echo.port])],
      listeners: [listener('tcp', [tcpChain('tcp_idle', 'echo', 150)])],
    });
    const started = Date.now();
    const closed = await new Promise<number>((resolve) => {
      const socket = connect({ host: LOCALHOST, port: h.port('tcp') });
      socket.on('error', () => undefined);
      socket.once('close', () => resolve(Date.now() - started));
    });
    expect(closed).toBeGreaterThanOrEqual(140);
    expect(closed).toBeLessThan(2000);
    expect(h.engine.stats.valueOf('tcp.tcp_idle.idle_timeout')).toBe(1);
    await waitUntil(() => / IT /.test(h.accessLog.at(-1) ?? ''));
  });

  it('chooses filter chains by destination port, falling back to the default chain', async () => {
    const port = await closedPort();
    const other = port === 65535 ? port - 1 : port + 1;
    const chainFor = (destinationPort: number, cluster: string) => ({
      ...hcmChain('by_port', inline(cluster)),
      filterChainMatch: { destinationPort },
    });
    const bound = { address: { socketAddress: { address: LOCALHOST, portValue: port } } };
    await h.configure({
      clusters: [staticCluster('a', [a.port]), staticCluster('b', [b.port])],
      listeners: [listener('ports', [chainFor(port, 'a'), chainFor(other, 'b')], bound)],
    });
    expect((await send(h.url('ports', '/'))).json().upstream).toBe('a');
    await h.configure({
      listeners: [
        listener('ports', [chainFor(other, 'a')], { ...bound, defaultFilterChain: hcmChain('by_port', inline('b')) }),
      ],
    });
    expect((await send(h.url('ports', '/'))).json().upstream).toBe('b');
  });

  it('reads SNI and the transport protocol from a real TLS ClientHello to choose among chains', async () => {
    const [exact, wildcard, fallback] = await Promise.all([
      TcpUpstream.start('record'),
      TcpUpstream.start('record'),
      TcpUpstream.start('record'),
    ]);
    try {
      await h.configure({
        clusters: [
          staticCluster('exact', [exact.port]),
          staticCluster('wildcard', [wildcard.port]),
          staticCluster('fallback', [fallback.port]),
          staticCluster('a', [a.port]),
        ],
        listeners: [
          listener(
            'sni',
            [
              {
                ...tcpChain('sni_exact', 'exact'),
                filterChainMatch: { serverNames: ['api.example.com'], transportProtocol: 'tls' },
              },
              {
                ...tcpChain('sni_wild', 'wildcard'),
                filterChainMatch: { serverNames: ['*.example.com'], transportProtocol: 'tls' },
              },
              { ...tcpChain('sni_other', 'fallback'), filterChainMatch: { transportProtocol: 'tls' } },
              { ...hcmChain('plain', inline('a')), filterChainMatch: { transportProtocol: 'raw_buffer' } },
            ],
            { listenerFilters: [tlsInspector] },
          ),
        ],
      });
      const helloTo = async (servername: string | undefined, upstream: TcpUpstream) => {
        const socket = tlsConnect({
          host: LOCALHOST,
          port: h.port('sni'),
          servername,
          ALPNProtocols: ['h2', 'http/1.1'],
        });
        socket.on('error', () => undefined); // the recording upstream never answers the handshake
        await waitUntil(() => upstream.bytes.length > 0);
        socket.destroy();
        return upstream.bytes;
      };
      const toExact = await helloTo('api.example.com', exact);
      expect(toExact[0]).toBe(0x16); // the ClientHello reached the upstream unchanged
      expect(toExact.includes(Buffer.from('api.example.com'))).toBe(true);
      expect((await helloTo('www.example.com', wildcard)).includes(Buffer.from('www.example.com'))).toBe(true);
      expect((await helloTo('example.org', fallback)).length).toBeGreaterThan(0);
      expect(exact.connections + wildcard.connections + fallback.connections).toBe(3);
      // Plaintext on the same listener is HTTP.
      expect((await send(h.url('sni', '/plain'))).json().upstream).toBe('a');
    } finally {
      await Promise.all([exact.close(), wildcard.close(), fallback.close()]);
    }
  });

  it('detects HTTP with the http inspector and keeps every byte of a large body it looked at', async () => {
    await h.configure({
      clusters: [staticCluster('a', [a.port]), staticCluster('echo', [echo.port])],
      listeners: [
        listener(
          'sniff',
          [{ ...hcmChain('sniffed', inline('a')), filterChainMatch: { applicationProtocols: ['http/1.1'] } }],
          {
            listenerFilters: [
              { name: 'envoy.filters.listener.http_inspector', typedConfig: packAny(HttpInspector, {}) },
            ],
            defaultFilterChain: tcpChain('not_http', 'echo'),
          },
        ),
      ],
    });
    const body = 'x'.repeat(1024 * 1024);
    const reply = await send(h.url('sniff', '/upload'), {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(reply.json().body.length).toBe(body.length);
    expect(await tcpExchange(h.port('sniff'), 'not http at all\n')).toBe('not http at all\n');
  });

  it('skips an inspector on the destination ports its filter_disabled names (Istio gates inspectors by port)', async () => {
    const sniffing = (filterDisabled: NonNullable<Listener['listenerFilters']>[number]['filterDisabled']) =>
      h.configure({
        clusters: [staticCluster('a', [a.port]), staticCluster('echo', [echo.port])],
        listeners: [
          listener(
            'gated',
            [{ ...hcmChain('gated', inline('a')), filterChainMatch: { applicationProtocols: ['http/1.1'] } }],
            {
              listenerFilters: [
                {
                  name: 'envoy.filters.listener.http_inspector',
                  typedConfig: packAny(HttpInspector, {}),
                  filterDisabled,
                },
              ],
              defaultFilterChain: tcpChain('gated_tcp', 'echo'),
            },
          ),
        ],
      });
    const request = 'GET /x HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n';
    // Disabled on every port but 1: HTTP is not detected, the bytes go to the TCP chain (echoed back).
    await sniffing({ notMatch: { destinationPortRange: { start: 1, end: 2 } } });
    expect(await tcpExchange(h.port('gated'), request)).toBe(request);
    // Disabled only on another port: detected, routed over HTTP.
    const port = h.port('gated');
    await sniffing({ destinationPortRange: { start: port + 1, end: port + 2 } });
    expect((await send(h.url('gated', '/x'))).json().upstream).toBe('a');
  });

  it('swaps a listener configuration: new connections use it, an in-flight request finishes and its connection drains', async () => {
    await h.configure({
      clusters: [staticCluster('a', [a.port]), staticCluster('b', [b.port]), staticCluster('slow', [slow.port])],
      listeners: [listener('swap', [hcmChain('swap', inline('slow'))])],
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = h.url('swap', '/');
    const inFlight = send(url, { agent, headers: { 'x-delay-ms': '400' } });
    await waitUntil(() => slow.requests.length > 0);
    await h.configure({ listeners: [listener('swap', [hcmChain('swap', inline('b'))])] });
    expect(h.url('swap', '/')).toBe(url); // same socket, not rebound
    expect((await send(url)).json().upstream).toBe('b');
    const old = await inFlight;
    expect(old.json().upstream).toBe('slow');
    expect(old.headers.connection).toBe('close');
    expect(h.engine.stats.valueOf('listener_manager.listener_modified')).toBeGreaterThanOrEqual(1);
    agent.destroy();
  });

  it('stops accepting on a removed listener while its in-flight request completes', async () => {
    await h.configure({
      clusters: [staticCluster('slow', [slow.port])],
      listeners: [
        listener('gone', [hcmChain('gone', inline('slow'))]),
        listener('kept', [hcmChain('kept', inline('slow'))]),
      ],
    });
    const url = h.url('gone', '/');
    const inFlight = send(url, { headers: { 'x-delay-ms': '300' } });
    await sleep(50);
    await h.configure({ listeners: [listener('kept', [hcmChain('kept', inline('slow'))])] });
    expect(h.engine.listenerAddress('gone')).toBeUndefined();
    await expect(send(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect((await inFlight).status).toBe(200);
  });

  it('skips listeners that bind_to_port false, counting the reason', async () => {
    await h.configure({
      clusters: [staticCluster('a', [a.port])],
      listeners: [
        listener('virtual', [hcmChain('virtual', inline('a'))], {
          bindToPort: false,
          address: { socketAddress: { address: '0.0.0.0', portValue: 9080 } },
        }),
        listener('http', [hcmChain('http', inline('a'))]),
      ],
    });
    expect(h.engine.listenerAddress('virtual')).toBeUndefined();
    expect(h.engine.stats.valueOf('listener_manager.listeners_skipped.bind_to_port_false')).toBe(1);
    await h.events.waitFor(
      (e) => e.type === 'listener-skipped' && e.name === 'virtual' && e.reason === 'bind_to_port_false',
    );
    expect((await send(h.url('http', '/'))).status).toBe(200);
  });

  it('never serves plaintext on a TLS-terminating chain (here its certificate cannot even be loaded)', async () => {
    h.stub.setResources(TypeUrl.Secret, [stubResource(Secret, certificateSecret('default'))]);
    const tlsChain = {
      ...hcmChain('tls', inline('a')),
      transportSocket: {
        name: 'envoy.transport_sockets.tls',
        typedConfig: packAny(DownstreamTlsContext, {
          commonTlsContext: { tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: ADS }] },
        }),
      },
    };
    await h.configure({ clusters: [staticCluster('a', [a.port])], listeners: [listener('tls', [tlsChain])] });
    const before = a.requests.length;
    await expect(send(h.url('tls', '/'))).rejects.toMatchObject({ code: 'ECONNRESET' });
    const port = h.port('tls');
    expect(h.engine.stats.valueOf(`listener.127.0.0.1_${port}.ssl.connection_error`)).toBe(1);
    expect(a.requests.length).toBe(before);
  });
});

/** Polls a condition every 10 ms, for at most 3 s. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (condition()) return;
    await sleep(10);
  }
  throw new Error('condition not met within 3 s');
}
