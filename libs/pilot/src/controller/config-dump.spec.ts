import { Any, Cluster, fromCanonicalJson, Listener, packAny, Secret, TypeUrl, unpackAnyAs } from '@mesh/xds';
import { ConfigDump as AdminConfigDump } from '@mesh/xds/generated/envoy/admin/v3/config_dump';
import { DownstreamTlsContext } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/tls';
import { buildConfigDump } from './config-dump';
import type { GeneratedType } from './discovery-controller';

const watched = (typeUrl: string) => ({ typeUrl, resourceNames: new Set<string>() });

const generatedOf = (typeUrl: string, resources: Array<{ name: string; resource: Any }>): GeneratedType => ({
  typeUrl,
  watched: watched(typeUrl),
  generated: { resources },
});

describe('buildConfigDump', () => {
  const cluster = Cluster.fromPartial({
    name: 'outbound|9080||reviews.default.svc.cluster.local',
    type: 3, // EDS
    connectTimeout: { seconds: 10 },
    perConnectionBufferLimitBytes: 32768,
  });
  const listener = Listener.fromPartial({
    name: '0.0.0.0_9080',
    address: { socketAddress: { address: '0.0.0.0', portValue: 9080 } },
  });

  it("lays generated resources out as Envoy's admin config dump, in canonical JSON with @type on every resource", () => {
    const dump = buildConfigDump(
      'v7',
      [
        generatedOf(TypeUrl.Cluster, [{ name: cluster.name ?? '', resource: packAny(Cluster, cluster) }]),
        generatedOf(TypeUrl.Listener, [{ name: listener.name ?? '', resource: packAny(Listener, listener) }]),
      ],
      new Map([[TypeUrl.Cluster, '2026-01-01T00:00:00.000Z']]),
    );
    expect(dump).toEqual({
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          version_info: 'v7',
          dynamic_active_clusters: [
            {
              version_info: 'v7',
              cluster: {
                '@type': TypeUrl.Cluster,
                name: 'outbound|9080||reviews.default.svc.cluster.local',
                type: 'EDS',
                connect_timeout: '10s',
                per_connection_buffer_limit_bytes: 32768,
              },
              last_updated: '2026-01-01T00:00:00.000Z',
            },
          ],
        },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
          version_info: 'v7',
          dynamic_listeners: [
            {
              name: '0.0.0.0_9080',
              active_state: {
                version_info: 'v7',
                listener: {
                  '@type': TypeUrl.Listener,
                  name: '0.0.0.0_9080',
                  address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
                },
              },
            },
          ],
        },
      ],
    });
    // "@type" leads each resource, as Envoy prints it.
    const first = (dump.configs[0].dynamic_active_clusters as Array<{ cluster: object }>)[0].cluster;
    expect(Object.keys(first)[0]).toBe('@type');
  });

  it('is a valid envoy.admin.v3.ConfigDump whose resources decode back to what was generated', () => {
    const dump = buildConfigDump(
      'v1',
      [generatedOf(TypeUrl.Cluster, [{ name: cluster.name ?? '', resource: packAny(Cluster, cluster) }])],
      new Map([[TypeUrl.Cluster, '2026-01-01T00:00:00.000Z']]),
    );
    // Every key is a field of Envoy's admin protos (unknown fields would be an error).
    const parsed = fromCanonicalJson(AdminConfigDump, dump);
    if (!parsed.ok) throw new Error(`${parsed.error.path}: ${parsed.error.message}`);
    const clusters = parsed.message.configs?.[0];
    expect(clusters?.typeUrl).toBe('type.googleapis.com/envoy.admin.v3.ClustersConfigDump');

    const json = (dump.configs[0].dynamic_active_clusters as Array<{ cluster: unknown }>)[0].cluster;
    const any = fromCanonicalJson(Any, json);
    if (!any.ok) throw new Error(any.error.message);
    expect(Cluster.encode(unpackAnyAs(Cluster, any.message)).finish()).toEqual(Cluster.encode(cluster).finish());
  });

  it('redacts private keys of secrets and of TLS contexts inside listeners', () => {
    const secret = Secret.fromPartial({
      name: 'default',
      tlsCertificate: {
        certificateChain: { inlineString: '-----BEGIN CERTIFICATE-----' },
        privateKey: { inlineString: '-----BEGIN PRIVATE KEY----- do not show' },
      },
    });
    const tlsListener = Listener.fromPartial({
      name: 'virtualInbound',
      filterChains: [
        {
          transportSocket: {
            name: 'envoy.transport_sockets.tls',
            typedConfig: packAny(DownstreamTlsContext, {
              commonTlsContext: {
                tlsCertificates: [
                  {
                    certificateChain: { inlineString: 'CHAIN' },
                    privateKey: { inlineBytes: Buffer.from('inline key bytes, do not show') },
                  },
                ],
              },
            }),
          },
        },
      ],
    });
    const dump = buildConfigDump('v1', [
      generatedOf(TypeUrl.Secret, [{ name: 'default', resource: packAny(Secret, secret) }]),
      generatedOf(TypeUrl.Listener, [{ name: 'virtualInbound', resource: packAny(Listener, tlsListener) }]),
    ]);
    const text = JSON.stringify(dump);
    expect(text).not.toContain('do not show');
    expect(text).not.toContain(Buffer.from('inline key bytes, do not show').toString('base64'));
    const secretJson = (dump.configs[1].dynamic_active_secrets as Array<{ secret: Record<string, unknown> }>)[0].secret;
    expect(secretJson.tls_certificate).toEqual({
      certificate_chain: { inline_string: '-----BEGIN CERTIFICATE-----' },
      private_key: { inline_string: '[redacted]' },
    });
    expect(text).toContain('"inline_bytes":"' + Buffer.from('[redacted]').toString('base64') + '"');
    expect(text).toContain('"certificate_chain":{"inline_string":"CHAIN"}');
  });

  it('names a resource it cannot render instead of failing the dump', () => {
    const dump = buildConfigDump('v1', [
      generatedOf(TypeUrl.Cluster, [
        { name: 'odd', resource: { typeUrl: 'type.googleapis.com/example.v1.Unknown', value: Buffer.from([8, 1]) } },
        { name: cluster.name ?? '', resource: packAny(Cluster, cluster) },
      ]),
    ]);
    const entries = dump.configs[0].dynamic_active_clusters as Array<{ cluster: Record<string, unknown> }>;
    expect(entries[0].cluster).toMatchObject({ '@type': 'type.googleapis.com/example.v1.Unknown', name: 'odd' });
    expect(entries[0].cluster.error).toMatch(/example\.v1\.Unknown/);
    expect(entries[1].cluster.connect_timeout).toBe('10s');
  });
});
