import { Any, Cluster, Listener, packAny, Secret, TypeUrl } from '@mesh/xds';
import { buildConfigDump } from './config-dump';
import type { GeneratedType } from './discovery-controller';

const watched = (typeUrl: string) => ({ typeUrl, resourceNames: new Set<string>() });

describe('buildConfigDump', () => {
  it("lays generated resources out as Envoy's admin config dump, with @type on every resource", () => {
    const cluster = Cluster.fromPartial({
      name: 'outbound|9080||reviews.default.svc.cluster.local',
      connectTimeout: { seconds: 2 },
    });
    const listener = Listener.fromPartial({
      name: '0.0.0.0_9080',
      address: { socketAddress: { address: '0.0.0.0', portValue: 9080 } },
    });
    const generated: GeneratedType[] = [
      {
        typeUrl: TypeUrl.Cluster,
        watched: watched(TypeUrl.Cluster),
        generated: { resources: [{ name: cluster.name ?? '', resource: packAny(Cluster, cluster) }] },
      },
      {
        typeUrl: TypeUrl.Listener,
        watched: watched(TypeUrl.Listener),
        generated: { resources: [{ name: listener.name ?? '', resource: packAny(Listener, listener) }] },
      },
    ];
    const dump = buildConfigDump('v7', generated, new Map([[TypeUrl.Cluster, '2026-01-01T00:00:00.000Z']]));
    expect(dump).toEqual({
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          versionInfo: 'v7',
          dynamicActiveClusters: [
            {
              versionInfo: 'v7',
              lastUpdated: '2026-01-01T00:00:00.000Z',
              cluster: {
                '@type': TypeUrl.Cluster,
                name: 'outbound|9080||reviews.default.svc.cluster.local',
                // ts-proto's JSON of google.protobuf.Duration (not proto3's "2s"; its fromJSON reads it back).
                connectTimeout: { seconds: 2 },
              },
            },
          ],
        },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
          versionInfo: 'v7',
          dynamicListeners: [
            {
              name: '0.0.0.0_9080',
              activeState: {
                versionInfo: 'v7',
                lastUpdated: undefined,
                listener: {
                  '@type': TypeUrl.Listener,
                  name: '0.0.0.0_9080',
                  address: { socketAddress: { address: '0.0.0.0', portValue: 9080 } },
                },
              },
            },
          ],
        },
      ],
    });
    // What the dump says decodes back to the same message.
    const json = (dump.configs[0].dynamicActiveClusters as Array<{ cluster: unknown }>)[0].cluster;
    expect(Cluster.encode(Cluster.decode(Any.fromJSON(json).value ?? new Uint8Array())).finish()).toEqual(
      Cluster.encode(cluster).finish(),
    );
  });

  it('redacts private keys of secrets', () => {
    const secret = Secret.fromPartial({
      name: 'default',
      tlsCertificate: {
        certificateChain: { inlineString: '-----BEGIN CERTIFICATE-----' },
        privateKey: { inlineString: '-----BEGIN PRIVATE KEY----- do not show' },
      },
    });
    const dump = buildConfigDump('v1', [
      {
        typeUrl: TypeUrl.Secret,
        watched: watched(TypeUrl.Secret),
        generated: { resources: [{ name: 'default', resource: packAny(Secret, secret) }] },
      },
    ]);
    const text = JSON.stringify(dump);
    expect(text).not.toContain('do not show');
    expect(text).toContain('[redacted]');
    expect(text).toContain('-----BEGIN CERTIFICATE-----');
  });
});
