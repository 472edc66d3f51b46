/**
 * What the HTTP connection manager does to request headers at the edge of the proxy, before
 * routing (Envoy's ConnectionManagerUtility, the parts this proxy's settings reach):
 * - `use_remote_address`: the peer's address is appended to `x-forwarded-for`, a peer outside the
 *   internal ranges (RFC 1918, loopback, IPv6 unique-local) is named in
 *   `x-envoy-external-address`, and `x-forwarded-proto` is set to the connection's scheme;
 * - `x-forwarded-client-cert` (`forward_client_cert_details`): on a connection whose client
 *   presented a verified certificate (mTLS), `forward_only` keeps the header, `append_forward`
 *   appends this connection's element, `sanitize_set` replaces the header with it; `sanitize`
 *   removes it. Without mTLS only `always_forward_only` keeps it, as in Envoy.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { clientCertElement, clientCertificateOf } from '../tls/client-cert-details';
import type { XdsHttpConnectionManager } from '../../xds/model';
import { cidrContains, parseCidr, parseIp } from '../net/ip';

const INTERNAL_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '::1/128', 'fc00::/7'].map(
  parseCidr,
);

export function isInternalAddress(address: string): boolean {
  const ip = parseIp(address);
  return ip !== undefined && INTERNAL_RANGES.some((range) => cidrContains(range, ip));
}

/** The peer address as Envoy prints it: IPv4-mapped IPv6 addresses in their IPv4 form. */
function peerAddress(remoteAddress: string | undefined): string | undefined {
  if (remoteAddress === undefined) return undefined;
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}

export function mutateEdgeHeaders(
  headers: IncomingHttpHeaders,
  config: XdsHttpConnectionManager,
  socket: Socket,
): void {
  forwardClientCert(headers, config, socket);
  if (!config.useRemoteAddress) return;
  const peer = peerAddress(socket.remoteAddress);
  if (peer !== undefined) {
    const xff = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = xff ? `${xff}, ${peer}` : peer;
    if (isInternalAddress(peer)) delete headers['x-envoy-external-address'];
    else headers['x-envoy-external-address'] = peer;
  }
  headers['x-forwarded-proto'] = connectionScheme(socket);
}

function forwardClientCert(headers: IncomingHttpHeaders, config: XdsHttpConnectionManager, socket: Socket): void {
  const mode = config.forwardClientCertDetails;
  if (mode === 'always_forward_only') return;
  const client = socket instanceof TLSSocket ? clientCertificateOf(socket) : undefined;
  if (!client || mode === 'sanitize') {
    delete headers['x-forwarded-client-cert'];
    return;
  }
  if (mode === 'forward_only') return;
  const element = clientCertElement(socket as TLSSocket, client, config.setCurrentClientCertDetails);
  const existing = headers['x-forwarded-client-cert'];
  headers['x-forwarded-client-cert'] = mode === 'append_forward' && existing ? `${existing},${element}` : element;
}

/** `https` on a connection this proxy terminated TLS for. */
export function connectionScheme(socket: Socket): 'http' | 'https' {
  return socket instanceof TLSSocket && socket.encrypted ? 'https' : 'http';
}
