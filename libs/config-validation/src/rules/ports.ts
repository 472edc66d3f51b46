/**
 * Ports and protocols. Istio names protocols case-insensitively (HTTP, HTTPS, GRPC, GRPC-WEB,
 * HTTP2, MONGO, REDIS, MYSQL, TCP, TLS, UDP, HTTP_PROXY, HBONE) and, for Kubernetes Services
 * without `appProtocol`, reads the protocol from the port name: `<protocol>[-<suffix>]`.
 */
import type { Field } from '../walker';
import { isDNS1123Label } from './hosts';

export type Protocol =
  | 'HTTP'
  | 'HTTPS'
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTP2'
  | 'HTTP_PROXY'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'TCP'
  | 'TLS'
  | 'UDP'
  | 'HBONE';

const PROTOCOLS: ReadonlyMap<string, Protocol> = new Map<string, Protocol>([
  ['http', 'HTTP'],
  ['https', 'HTTPS'],
  ['grpc', 'GRPC'],
  ['grpc-web', 'GRPC-Web'],
  ['http2', 'HTTP2'],
  ['http_proxy', 'HTTP_PROXY'],
  ['mongo', 'Mongo'],
  ['redis', 'Redis'],
  ['mysql', 'MySQL'],
  ['tcp', 'TCP'],
  ['tls', 'TLS'],
  ['udp', 'UDP'],
  ['hbone', 'HBONE'],
]);

export const PROTOCOL_NAMES = 'HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, REDIS, MYSQL, TCP, TLS, UDP';

/** The protocol a name stands for (case-insensitive), or undefined when Istio does not know it. */
export function parseProtocol(name: string): Protocol | undefined {
  return PROTOCOLS.get(name.toLowerCase());
}

export function isHTTPProtocol(protocol: Protocol | undefined): boolean {
  return (
    protocol === 'HTTP' ||
    protocol === 'HTTP2' ||
    protocol === 'HTTP_PROXY' ||
    protocol === 'GRPC' ||
    protocol === 'GRPC-Web'
  );
}

export function isTLSProtocol(protocol: Protocol | undefined): boolean {
  return protocol === 'HTTPS' || protocol === 'TLS';
}

/** Protocols carried over TCP that Istio proxies without parsing HTTP (opaque, TLS, databases). */
export function isTCPProtocol(protocol: Protocol | undefined): boolean {
  return (
    protocol === 'TCP' ||
    protocol === 'HTTPS' ||
    protocol === 'TLS' ||
    protocol === 'Mongo' ||
    protocol === 'Redis' ||
    protocol === 'MySQL'
  );
}

/**
 * The protocol a Kubernetes port name declares under Istio's naming convention: the part before
 * the first "-" (`http-api` → HTTP, `grpc-web` → GRPC-Web, `tcp` → TCP). Undefined when the name
 * does not follow it (the mesh then sniffs the protocol).
 */
export function protocolFromPortName(name: string): Protocol | undefined {
  const lower = name.toLowerCase();
  if (lower === 'grpc-web' || lower.startsWith('grpc-web-')) return 'GRPC-Web';
  const dash = lower.indexOf('-');
  return parseProtocol(dash === -1 ? lower : lower.slice(0, dash));
}

/** A port number in 1..65535. */
export function checkPortNumber(field: Field): number | undefined {
  if (!field.present) return undefined;
  const value = field.integer();
  if (value === undefined) return undefined;
  if (value < 1 || value > 65535) {
    field.error(`port number must be between 1 and 65535 (got ${value})`);
    return undefined;
  }
  return value;
}

/** A required port number. */
export function checkRequiredPort(field: Field): number | undefined {
  if (!field.present) {
    field.error('port number is required');
    return undefined;
  }
  return checkPortNumber(field);
}

/** A protocol name; `optional` allows it unset (the proxy then sniffs). */
export function checkProtocol(field: Field, optional: boolean): Protocol | undefined {
  const text = field.string();
  if (text === undefined || text === '') {
    if (!optional) field.error(`protocol is required (one of ${PROTOCOL_NAMES})`);
    return undefined;
  }
  const protocol = parseProtocol(text);
  if (!protocol) field.error(`unsupported protocol "${text}" (one of ${PROTOCOL_NAMES})`);
  return protocol;
}

/** Port names must be DNS-1123 labels. */
export function checkPortName(field: Field, name: string): boolean {
  if (isDNS1123Label(name)) return true;
  field.error(`"${name}" is not a valid port name (DNS-1123 label: letters, digits and "-", at most 63)`);
  return false;
}
