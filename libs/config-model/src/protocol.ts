/**
 * Application protocols of ports, with Istio's names. Kubernetes Service ports declare theirs by
 * `appProtocol` or by name (`<protocol>[-<suffix>]`, e.g. `http-web`, `grpc`, `tcp-db`); Gateway,
 * ServiceEntry and Sidecar ports by their `protocol` field. A port whose protocol cannot be told
 * is UNKNOWN: the proxy sniffs it (and analysis reports the port name, IST0118).
 */

export type Protocol =
  | 'HTTP'
  | 'HTTP2'
  | 'HTTPS'
  | 'HTTP_PROXY'
  | 'GRPC'
  | 'GRPC-Web'
  | 'TCP'
  | 'TLS'
  | 'UDP'
  | 'Mongo'
  | 'MySQL'
  | 'Redis'
  | 'UNKNOWN';

const BY_NAME: ReadonlyMap<string, Protocol> = new Map<string, Protocol>([
  ['http', 'HTTP'],
  ['http2', 'HTTP2'],
  ['https', 'HTTPS'],
  ['http_proxy', 'HTTP_PROXY'],
  ['grpc', 'GRPC'],
  ['grpc-web', 'GRPC-Web'],
  ['tcp', 'TCP'],
  ['tls', 'TLS'],
  ['udp', 'UDP'],
  ['mongo', 'Mongo'],
  ['mysql', 'MySQL'],
  ['redis', 'Redis'],
]);

/** A protocol name as written in a `protocol` field (any case): `HTTP`, `grpc-web`, ...; else UNKNOWN. */
export function parseProtocol(name: string): Protocol {
  return BY_NAME.get(name.toLowerCase()) ?? 'UNKNOWN';
}

/**
 * `appProtocol` values Kubernetes itself defines (KEP-3726). `kubernetes.io/ws` is WebSocket over
 * cleartext HTTP/1.1; `kubernetes.io/wss` is WebSocket inside TLS, which the proxy sees as TLS
 * carrying HTTP.
 */
const KUBERNETES_APP_PROTOCOLS: ReadonlyMap<string, Protocol> = new Map<string, Protocol>([
  ['kubernetes.io/h2c', 'HTTP2'],
  ['kubernetes.io/ws', 'HTTP'],
  ['kubernetes.io/wss', 'HTTPS'],
]);

/**
 * Ports where sniffing would break the application (the server speaks first): SMTP, DNS, MySQL,
 * MongoDB. A port among them whose name says nothing is treated as TCP, as Istio does.
 */
const SERVER_FIRST_PORTS: ReadonlySet<number> = new Set([25, 53, 3306, 27017]);

export interface PortProtocolOptions {
  /** The port number, for the server-first ports above. */
  readonly port?: number;
  /** The Kubernetes transport protocol of the port; UDP ports are UDP whatever their name. */
  readonly transport?: string;
}

/**
 * The protocol of a Kubernetes Service port. `appProtocol`, when set, wins and the name is not
 * looked at. Otherwise the name's prefix before the first `-` is the protocol (`grpc-web` is
 * matched whole first, since it contains a dash): `http-api` → HTTP, `tcp` → TCP, `web` → UNKNOWN.
 */
export function protocolFromPortName(
  name: string | undefined,
  appProtocol?: string,
  options: PortProtocolOptions = {},
): Protocol {
  if (options.transport?.toUpperCase() === 'UDP') return 'UDP';
  let label = name ?? '';
  if (appProtocol !== undefined && appProtocol !== '') {
    const known = KUBERNETES_APP_PROTOCOLS.get(appProtocol);
    if (known) return known;
    label = appProtocol;
  }
  let protocol: Protocol;
  if (label.toLowerCase().startsWith('grpc-web')) protocol = 'GRPC-Web';
  else {
    const dash = label.indexOf('-');
    protocol = parseProtocol(dash === -1 ? label : label.slice(0, dash));
  }
  if (protocol === 'UNKNOWN' && options.port !== undefined && SERVER_FIRST_PORTS.has(options.port)) return 'TCP';
  return protocol;
}

/** Carried over HTTP (1.1 or 2): routed with HTTP routes. */
export function isHttpProtocol(protocol: Protocol): boolean {
  return (
    protocol === 'HTTP' ||
    protocol === 'HTTP2' ||
    protocol === 'HTTP_PROXY' ||
    protocol === 'GRPC' ||
    protocol === 'GRPC-Web'
  );
}

/** Needs HTTP/2 to the upstream. */
export function isHttp2Protocol(protocol: Protocol): boolean {
  return protocol === 'HTTP2' || protocol === 'GRPC' || protocol === 'GRPC-Web';
}

/** TLS the proxy does not terminate: routed by SNI with TLS routes. */
export function isTlsProtocol(protocol: Protocol): boolean {
  return protocol === 'HTTPS' || protocol === 'TLS';
}

/** Opaque byte streams over TCP (including TLS and the database protocols). */
export function isTcpProtocol(protocol: Protocol): boolean {
  return (
    protocol === 'TCP' ||
    protocol === 'HTTPS' ||
    protocol === 'TLS' ||
    protocol === 'Mongo' ||
    protocol === 'MySQL' ||
    protocol === 'Redis'
  );
}
