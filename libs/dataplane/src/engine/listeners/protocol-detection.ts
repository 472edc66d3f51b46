/**
 * What the listener filters learn from a connection's first bytes, without consuming them:
 * a TLS ClientHello's server name (SNI) and ALPN list (tls_inspector), or whether plaintext is
 * HTTP/1.x or HTTP/2 with prior knowledge (http_inspector). Pure functions over a buffer that
 * may still be incomplete: each returns `more` while the answer depends on bytes not yet read.
 */

export type TlsDetection =
  | { readonly kind: 'more' }
  | { readonly kind: 'not_tls' }
  | { readonly kind: 'tls'; readonly serverName: string; readonly alpn: readonly string[] };

export type HttpDetection =
  | { readonly kind: 'more' }
  | { readonly kind: 'not_http' }
  | { readonly kind: 'http'; readonly protocol: 'http/1.0' | 'http/1.1' | 'h2c' };

const RECORD_HEADER = 5;
const CONTENT_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXTENSION_SERVER_NAME = 0;
const EXTENSION_ALPN = 16;
/** Larger ClientHellos (post-quantum key shares are ~1.2 KB) fit well inside this. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

export function detectTls(data: Buffer): TlsDetection {
  if (data.length === 0) return { kind: 'more' };
  if (data[0] !== CONTENT_HANDSHAKE) return { kind: 'not_tls' };
  if (data.length >= 2 && data[1] !== 0x03) return { kind: 'not_tls' };
  // The handshake message may span several records: gather their payloads.
  const payload: Buffer[] = [];
  let payloadLength = 0;
  let offset = 0;
  let handshakeLength: number | undefined;
  while (handshakeLength === undefined || payloadLength < handshakeLength + 4) {
    if (data.length < offset + RECORD_HEADER) return moreUnlessTooLarge(data);
    if (data[offset] !== CONTENT_HANDSHAKE) return { kind: 'not_tls' };
    const recordLength = data.readUInt16BE(offset + 3);
    if (recordLength === 0 || recordLength > 16384 + 2048) return { kind: 'not_tls' };
    if (data.length < offset + RECORD_HEADER + recordLength) return moreUnlessTooLarge(data);
    payload.push(data.subarray(offset + RECORD_HEADER, offset + RECORD_HEADER + recordLength));
    payloadLength += recordLength;
    offset += RECORD_HEADER + recordLength;
    if (handshakeLength === undefined && payloadLength >= 4) {
      const head = Buffer.concat(payload);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return { kind: 'not_tls' };
      handshakeLength = head.readUIntBE(1, 3);
    }
  }
  const hello = Buffer.concat(payload).subarray(4, 4 + handshakeLength);
  return parseClientHello(hello) ?? { kind: 'not_tls' };
}

function moreUnlessTooLarge(data: Buffer): TlsDetection {
  return data.length > MAX_CLIENT_HELLO_BYTES ? { kind: 'not_tls' } : { kind: 'more' };
}

/** The ClientHello body (after the 4-byte handshake header); undefined when malformed. */
function parseClientHello(hello: Buffer): TlsDetection | undefined {
  const reader = new Reader(hello);
  if (!reader.skip(2 + 32)) return undefined; // client_version, random
  if (!reader.skipVector(1) || !reader.skipVector(2) || !reader.skipVector(1)) return undefined;
  let serverName = '';
  let alpn: string[] = [];
  if (reader.remaining === 0) return { kind: 'tls', serverName, alpn }; // no extensions
  const extensions = reader.vector(2);
  if (!extensions) return undefined;
  while (extensions.remaining > 0) {
    const type = extensions.uint(2);
    const body = extensions.vector(2);
    if (type === undefined || !body) return undefined;
    if (type === EXTENSION_SERVER_NAME) {
      const list = body.vector(2);
      while (list && list.remaining > 0) {
        const nameType = list.uint(1);
        const name = list.vector(2);
        if (nameType === undefined || !name) return undefined;
        if (nameType === 0) serverName = name.rest().toString('ascii');
      }
    } else if (type === EXTENSION_ALPN) {
      const list = body.vector(2);
      alpn = [];
      while (list && list.remaining > 0) {
        const protocol = list.vector(1);
        if (!protocol) return undefined;
        alpn.push(protocol.rest().toString('ascii'));
      }
    }
  }
  return { kind: 'tls', serverName, alpn };
}

/** Bounds-checked reads over a TLS structure. */
class Reader {
  private offset = 0;

  constructor(private readonly data: Buffer) {}

  get remaining(): number {
    return this.data.length - this.offset;
  }

  skip(bytes: number): boolean {
    if (this.remaining < bytes) return false;
    this.offset += bytes;
    return true;
  }

  uint(bytes: 1 | 2): number | undefined {
    if (this.remaining < bytes) return undefined;
    const value = this.data.readUIntBE(this.offset, bytes);
    this.offset += bytes;
    return value;
  }

  /** A length-prefixed sub-structure. */
  vector(lengthBytes: 1 | 2): Reader | undefined {
    const length = this.uint(lengthBytes);
    if (length === undefined || this.remaining < length) return undefined;
    const sub = new Reader(this.data.subarray(this.offset, this.offset + length));
    this.offset += length;
    return sub;
  }

  skipVector(lengthBytes: 1 | 2): boolean {
    return this.vector(lengthBytes) !== undefined;
  }

  rest(): Buffer {
    const rest = this.data.subarray(this.offset);
    this.offset = this.data.length;
    return rest;
  }
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** Request lines longer than this are not worth waiting for. */
const MAX_REQUEST_LINE = 8192;
const REQUEST_LINE = /^([A-Z-]+) \S+ HTTP\/1\.([01])$/;
/** The methods an HTTP/1 parser (llhttp, as Envoy's inspector and Node use) knows; anything else is not HTTP. */
const METHODS = new Set(
  (
    'DELETE GET HEAD POST PUT CONNECT OPTIONS TRACE COPY LOCK MKCOL MOVE PROPFIND PROPPATCH SEARCH UNLOCK BIND ' +
    'REBIND UNBIND ACL REPORT MKACTIVITY CHECKOUT MERGE M-SEARCH NOTIFY SUBSCRIBE UNSUBSCRIBE PATCH PURGE ' +
    'MKCALENDAR LINK UNLINK SOURCE QUERY'
  ).split(' '),
);
const METHOD_PREFIXES = new Set([...METHODS].flatMap((m) => [...m].map((_, i) => m.slice(0, i + 1))));

export function detectHttp(data: Buffer): HttpDetection {
  const prefaceBytes = Math.min(data.length, H2_PREFACE.length);
  if (data.subarray(0, prefaceBytes).equals(H2_PREFACE.subarray(0, prefaceBytes))) {
    return prefaceBytes === H2_PREFACE.length ? { kind: 'http', protocol: 'h2c' } : { kind: 'more' };
  }
  // Decide on the method as soon as it is complete, as a parser would: most non-HTTP fails here.
  const head = data.subarray(0, Math.min(data.length, 16)).toString('latin1');
  const space = head.indexOf(' ');
  const method = space < 0 ? head : head.slice(0, space);
  if (space < 0 ? !METHOD_PREFIXES.has(method) : !METHODS.has(method)) return { kind: 'not_http' };
  const lineEnd = data.indexOf('\r\n', 0, 'latin1');
  if (lineEnd < 0) return data.length > MAX_REQUEST_LINE ? { kind: 'not_http' } : { kind: 'more' };
  const match = REQUEST_LINE.exec(data.subarray(0, lineEnd).toString('latin1'));
  if (!match) return { kind: 'not_http' };
  return { kind: 'http', protocol: match[2] === '0' ? 'http/1.0' : 'http/1.1' };
}
