import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromManifest } from './from-manifest';
import { parseManifests } from './manifest';
import {
  isHttp2Protocol,
  isHttpProtocol,
  isTcpProtocol,
  isTlsProtocol,
  parseProtocol,
  type Protocol,
  protocolFromPortName,
} from './protocol';
import { isConfigOfKind } from './types/spec-of';

describe('protocolFromPortName', () => {
  it.each([
    ['http', 'HTTP'],
    ['http-web', 'HTTP'],
    ['HTTP', 'HTTP'],
    ['http2', 'HTTP2'],
    ['http2-api', 'HTTP2'],
    ['https', 'HTTPS'],
    ['https-admin', 'HTTPS'],
    ['grpc', 'GRPC'],
    ['grpc-api', 'GRPC'],
    ['grpc-web', 'GRPC-Web'],
    ['grpc-web-ui', 'GRPC-Web'],
    ['tcp', 'TCP'],
    ['tcp-db', 'TCP'],
    ['tls', 'TLS'],
    ['tls-passthrough', 'TLS'],
    ['mongo', 'Mongo'],
    ['mysql', 'MySQL'],
    ['redis-cache', 'Redis'],
    ['udp', 'UDP'],
    ['http_proxy', 'HTTP_PROXY'],
    // Not following the convention: sniffed.
    ['web', 'UNKNOWN'],
    ['httpx', 'UNKNOWN'],
    ['api-http', 'UNKNOWN'],
    ['', 'UNKNOWN'],
  ] as const)('port name %j → %s', (name, expected) => {
    expect(protocolFromPortName(name)).toBe(expected);
  });

  it('lets appProtocol win over the name', () => {
    expect(protocolFromPortName('web', 'http')).toBe('HTTP');
    expect(protocolFromPortName('http', 'tcp')).toBe('TCP');
    expect(protocolFromPortName('grpc', 'grpc-web')).toBe('GRPC-Web');
    // An appProtocol that is not a known protocol is not a reason to look at the name.
    expect(protocolFromPortName('http', 'my-protocol')).toBe('UNKNOWN');
    expect(protocolFromPortName(undefined, 'https')).toBe('HTTPS');
    // Empty counts as unset.
    expect(protocolFromPortName('http', '')).toBe('HTTP');
  });

  it('reads the appProtocol values Kubernetes defines', () => {
    expect(protocolFromPortName('web', 'kubernetes.io/h2c')).toBe('HTTP2');
    expect(protocolFromPortName('web', 'kubernetes.io/ws')).toBe('HTTP');
    expect(protocolFromPortName('web', 'kubernetes.io/wss')).toBe('HTTPS');
  });

  it('treats UDP ports as UDP and unnamed server-first ports as TCP', () => {
    expect(protocolFromPortName('http', undefined, { transport: 'UDP' })).toBe('UDP');
    expect(protocolFromPortName('db', undefined, { port: 3306 })).toBe('TCP');
    expect(protocolFromPortName('mysql', undefined, { port: 3306 })).toBe('MySQL');
    expect(protocolFromPortName('dns', undefined, { port: 53 })).toBe('TCP');
    expect(protocolFromPortName('db', undefined, { port: 5432 })).toBe('UNKNOWN');
  });

  it('finds HTTP on every Bookinfo service port', () => {
    const file = join(
      process.cwd(),
      '..',
      'shared',
      'istio-corpus',
      'samples',
      'bookinfo',
      'platform',
      'kube',
      'bookinfo.yaml',
    );
    const ports = parseManifests(readFileSync(file, 'utf8'), file)
      .manifests.map((m) => configFromManifest(m))
      .flatMap((r) => (r.ok && isConfigOfKind(r.config, 'Service') ? (r.config.spec.ports ?? []) : []));
    expect(ports).toHaveLength(4);
    expect(ports.map((p) => protocolFromPortName(p.name, p.appProtocol, { port: p.port }))).toEqual([
      'HTTP',
      'HTTP',
      'HTTP',
      'HTTP',
    ]);
  });
});

describe('parseProtocol and the protocol families', () => {
  it('parses protocol fields case-insensitively', () => {
    expect(['HTTP', 'https', 'GRPC-WEB', 'Mongo', 'TLS', 'SMTP'].map(parseProtocol)).toEqual([
      'HTTP',
      'HTTPS',
      'GRPC-Web',
      'Mongo',
      'TLS',
      'UNKNOWN',
    ]);
  });

  it('groups protocols as the routing layer needs', () => {
    const all: Protocol[] = [
      'HTTP',
      'HTTP2',
      'HTTPS',
      'HTTP_PROXY',
      'GRPC',
      'GRPC-Web',
      'TCP',
      'TLS',
      'UDP',
      'Mongo',
      'MySQL',
      'Redis',
      'UNKNOWN',
    ];
    expect(all.filter(isHttpProtocol)).toEqual(['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-Web']);
    expect(all.filter(isHttp2Protocol)).toEqual(['HTTP2', 'GRPC', 'GRPC-Web']);
    expect(all.filter(isTlsProtocol)).toEqual(['HTTPS', 'TLS']);
    expect(all.filter(isTcpProtocol)).toEqual(['HTTPS', 'TCP', 'TLS', 'Mongo', 'MySQL', 'Redis']);
  });
});
