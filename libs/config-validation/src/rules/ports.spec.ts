import { parseProtocol, protocolFromPortName } from './ports';

describe('protocols', () => {
  it('parses protocol names case-insensitively', () => {
    expect(parseProtocol('http')).toBe('HTTP');
    expect(parseProtocol('GRPC-WEB')).toBe('GRPC-Web');
    expect(parseProtocol('Mongo')).toBe('Mongo');
    expect(parseProtocol('SMTP')).toBeUndefined();
  });

  it.each([
    ['http', 'HTTP'],
    ['http-api', 'HTTP'],
    ['http2-internal', 'HTTP2'],
    ['grpc', 'GRPC'],
    ['grpc-web', 'GRPC-Web'],
    ['grpc-web-ui', 'GRPC-Web'],
    ['grpc-admin', 'GRPC'],
    ['HTTPS-public', 'HTTPS'],
    ['tcp', 'TCP'],
    ['mysql-primary', 'MySQL'],
    ['redis', 'Redis'],
    ['tls-passthrough', 'TLS'],
  ])("reads the protocol from Istio's port naming: %s → %s", (name, protocol) =>
    expect(protocolFromPortName(name)).toBe(protocol),
  );

  it.each(['web', 'httpx', 'metrics', 'api-http', ''])('does not find a protocol in %j', (name) =>
    expect(protocolFromPortName(name)).toBeUndefined(),
  );
});
