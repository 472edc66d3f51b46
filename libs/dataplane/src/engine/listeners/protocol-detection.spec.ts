import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { detectHttp, detectTls } from './protocol-detection';

/** The first bytes Node's TLS client sends: a real ClientHello. */
async function captureClientHello(servername: string, alpn: string[]): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const received = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', resolve)));
    const client = tlsConnect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      servername,
      ALPNProtocols: alpn,
    });
    client.on('error', () => undefined);
    const hello = await received;
    client.destroy();
    return hello;
  } finally {
    server.close();
  }
}

describe('protocol detection (tls_inspector, http_inspector)', () => {
  it('reads SNI and ALPN from a ClientHello, and asks for more while it is incomplete', async () => {
    const hello = await captureClientHello('reviews.default.svc.cluster.local', ['istio-peer-exchange', 'h2']);
    expect(detectTls(hello)).toEqual({
      kind: 'tls',
      serverName: 'reviews.default.svc.cluster.local',
      alpn: ['istio-peer-exchange', 'h2'],
    });
    expect(detectTls(hello.subarray(0, 3))).toEqual({ kind: 'more' });
    expect(detectTls(hello.subarray(0, hello.length - 1))).toEqual({ kind: 'more' });
    // The same handshake message split over two records.
    const body = hello.subarray(5);
    const split = Math.floor(body.length / 2);
    const record = (payload: Buffer) =>
      Buffer.concat([Buffer.from([0x16, 0x03, 0x01, payload.length >> 8, payload.length & 0xff]), payload]);
    expect(detectTls(Buffer.concat([record(body.subarray(0, split)), record(body.subarray(split))]))).toMatchObject({
      kind: 'tls',
      serverName: 'reviews.default.svc.cluster.local',
    });
  });

  it('says not TLS for plaintext and for malformed handshakes', () => {
    expect(detectTls(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ kind: 'not_tls' });
    expect(detectTls(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 1, 0]))).toEqual({ kind: 'not_tls' });
  });

  it('detects HTTP/1.0, HTTP/1.1 and the HTTP/2 preface, and rejects other protocols early', () => {
    expect(detectHttp(Buffer.from('GET /path HTTP/1.1\r\nHost: x\r\n'))).toEqual({
      kind: 'http',
      protocol: 'http/1.1',
    });
    expect(detectHttp(Buffer.from('POST / HTTP/1.0\r\n'))).toEqual({ kind: 'http', protocol: 'http/1.0' });
    expect(detectHttp(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'))).toEqual({ kind: 'http', protocol: 'h2c' });
    expect(detectHttp(Buffer.from('PRI * HTTP/2'))).toEqual({ kind: 'more' });
    expect(detectHttp(Buffer.from('GE'))).toEqual({ kind: 'more' });
    expect(detectHttp(Buffer.from('GET /long/path'))).toEqual({ kind: 'more' });
    expect(detectHttp(Buffer.from('SSH-2.0-OpenSSH\r\n'))).toEqual({ kind: 'not_http' });
    expect(detectHttp(Buffer.from('hello'))).toEqual({ kind: 'not_http' });
    expect(detectHttp(Buffer.from('GET / SPDY/3\r\n'))).toEqual({ kind: 'not_http' });
  });
});
