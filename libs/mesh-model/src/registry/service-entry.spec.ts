import { isConfigOfKind, type ConfigOfKind, type ServiceEntrySpec } from '@mesh/config-model';
import { corpusConfigs, make } from '../../testdata/fixtures';
import { ownEndpointsOfServiceEntry, resolutionOf, servicesFromServiceEntry } from './service-entry';

function entry(spec: ServiceEntrySpec, namespace = 'default', name = 'external'): ConfigOfKind<'ServiceEntry'> {
  return make('ServiceEntry', namespace, name, spec);
}

describe('servicesFromServiceEntry', () => {
  it('converts the googleapis egress sample: one DNS service with HTTP and HTTPS ports, endpoints by DNS', () => {
    const config = corpusConfigs('bookinfo/networking/egress-rule-google-apis.yaml').find((c) =>
      isConfigOfKind(c, 'ServiceEntry'),
    )!;
    if (!isConfigOfKind(config, 'ServiceEntry')) throw new Error('fixture');
    const services = servicesFromServiceEntry(config);
    expect(services).toEqual([
      {
        hostname: 'www.googleapis.com',
        namespace: 'default',
        name: 'googleapis',
        registry: 'External',
        ports: [
          { name: 'http', port: 80, protocol: 'HTTP' },
          { name: 'https', port: 443, protocol: 'HTTPS' },
        ],
        resolution: 'DNSLB',
        meshExternal: true,
        addresses: [],
        labels: {},
        exportTo: [],
        sourceKey: 'ServiceEntry/default/googleapis',
      },
    ]);
    // DNS resolution and no endpoints: the host itself is the endpoint, on each port.
    expect(
      ownEndpointsOfServiceEntry(config, services).map((e) => `${e.servicePortName} ${e.address}:${e.port}`),
    ).toEqual(['http www.googleapis.com:80', 'https www.googleapis.com:443']);
  });

  it.each([
    ['NONE', 'Passthrough'],
    ['STATIC', 'ClientSideLB'],
    ['DNS', 'DNSLB'],
    ['DNS_ROUND_ROBIN', 'DNSRoundRobinLB'],
    [undefined, 'Passthrough'],
  ] as const)('maps resolution %s to %s', (resolution, expected) => {
    expect(resolutionOf(resolution)).toBe(expected);
    const [service] = servicesFromServiceEntry(entry({ hosts: ['a.example.com'], resolution }));
    expect(service.resolution).toBe(expected);
  });

  it('makes one service per host, sharing ports, addresses and location; MESH_INTERNAL is not external', () => {
    const services = servicesFromServiceEntry(
      entry(
        {
          hosts: ['a.internal', 'b.internal'],
          addresses: ['240.0.0.1'],
          location: 'MESH_INTERNAL',
          resolution: 'STATIC',
          ports: [
            { number: 3306, name: 'mysql', protocol: 'MySQL', targetPort: 13306 },
            { number: 9000, name: 'x' },
          ],
          exportTo: ['.', 'other'],
          subjectAltNames: ['spiffe://cluster.local/ns/db/sa/mysql'],
          workloadSelector: { labels: { app: 'db' } },
        },
        'db',
      ),
    );
    expect(services.map((s) => s.hostname)).toEqual(['a.internal', 'b.internal']);
    for (const service of services) {
      expect(service.meshExternal).toBe(false);
      expect(service.addresses).toEqual(['240.0.0.1']);
      expect(service.ports).toEqual([
        { name: 'mysql', port: 3306, protocol: 'MySQL', targetPort: 13306 },
        // No protocol: sniffed.
        { name: 'x', port: 9000, protocol: 'UNKNOWN' },
      ]);
      expect(service.exportTo).toEqual(['db', 'other']);
      expect(service.selector).toEqual({ app: 'db' });
      expect(service.subjectAltNames).toEqual(['spiffe://cluster.local/ns/db/sa/mysql']);
    }
  });
});

describe('ownEndpointsOfServiceEntry', () => {
  it('turns inline endpoints into one endpoint per host and port, with the endpoint port map', () => {
    const config = entry({
      hosts: ['api.example.com', 'api2.example.com'],
      resolution: 'STATIC',
      ports: [
        { number: 80, name: 'http', protocol: 'HTTP' },
        { number: 443, name: 'https', protocol: 'HTTPS', targetPort: 8443 },
      ],
      endpoints: [
        {
          address: '10.1.0.1',
          ports: { http: 8080 },
          labels: { version: 'v1' },
          locality: 'us-east1/us-east1-b/rack1',
          weight: 3,
          network: 'net-a',
          serviceAccount: 'api',
        },
        { address: '10.1.0.2', labels: { 'security.istio.io/tlsMode': 'disabled' }, serviceAccount: 'api' },
        { network: 'net-b' },
      ],
    });
    const endpoints = ownEndpointsOfServiceEntry(config, servicesFromServiceEntry(config));
    expect(endpoints.map((e) => `${e.hostname} ${e.servicePortName} ${e.address}:${e.port}`)).toEqual([
      // port from the endpoint's map, else targetPort, else the service port
      'api.example.com http 10.1.0.1:8080',
      'api.example.com https 10.1.0.1:8443',
      'api2.example.com http 10.1.0.1:8080',
      'api2.example.com https 10.1.0.1:8443',
      'api.example.com http 10.1.0.2:80',
      'api.example.com https 10.1.0.2:8443',
      'api2.example.com http 10.1.0.2:80',
      'api2.example.com https 10.1.0.2:8443',
      // the address-less endpoint (reachable only through its network's gateway) is skipped
    ]);
    expect(endpoints[0]).toEqual({
      hostname: 'api.example.com',
      servicePortName: 'http',
      address: '10.1.0.1',
      port: 8080,
      labels: { version: 'v1' },
      namespace: 'default',
      serviceAccount: 'api',
      locality: { region: 'us-east1', zone: 'us-east1-b', subzone: 'rack1' },
      weight: 3,
      health: 'Healthy',
      // a service account means a sidecar with an identity
      tlsMode: 'istio',
      workloadName: 'external',
      network: 'net-a',
    });
    // the label wins over the service account
    expect(endpoints[4].tlsMode).toBe('disabled');
  });

  it('uses inline endpoints rather than the hosts for DNS resolution when both are there', () => {
    const config = entry({
      hosts: ['db.example.com'],
      resolution: 'DNS',
      ports: [{ number: 5432, name: 'tcp-pg', protocol: 'TCP' }],
      endpoints: [{ address: 'replica1.example.com' }, { address: 'replica2.example.com' }],
    });
    const endpoints = ownEndpointsOfServiceEntry(config, servicesFromServiceEntry(config));
    expect(endpoints.map((e) => e.address)).toEqual(['replica1.example.com', 'replica2.example.com']);
  });

  it('gives DNS_ROUND_ROBIN entries host endpoints (targetPort honoured) but none for wildcard hosts', () => {
    const config = entry({
      hosts: ['svc.example.com', '*.wild.example.com'],
      resolution: 'DNS_ROUND_ROBIN',
      ports: [{ number: 443, name: 'tls', protocol: 'TLS', targetPort: 8443 }],
    });
    const endpoints = ownEndpointsOfServiceEntry(config, servicesFromServiceEntry(config));
    expect(endpoints.map((e) => `${e.hostname} ${e.address}:${e.port} ${e.tlsMode}`)).toEqual([
      'svc.example.com svc.example.com:8443 disabled',
    ]);
  });

  it('gives no endpoints of its own to NONE, to STATIC without endpoints, or to a selector entry', () => {
    for (const spec of [
      { hosts: ['x.example.com'], resolution: 'NONE' },
      { hosts: ['x.example.com'], resolution: 'STATIC' },
      { hosts: ['x.example.com'], resolution: 'DNS', workloadSelector: { labels: { app: 'x' } } },
    ] as ServiceEntrySpec[]) {
      const config = entry({ ...spec, ports: [{ number: 80, name: 'http', protocol: 'HTTP' }] });
      expect(ownEndpointsOfServiceEntry(config, servicesFromServiceEntry(config))).toEqual([]);
    }
  });
});
