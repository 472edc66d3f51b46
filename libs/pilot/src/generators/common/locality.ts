/**
 * Localities (`region/zone/subzone`) as locality-aware load balancing compares them: where the
 * proxy is, whether a locality matches a DestinationRule pattern (`us-west/*`), and how close an
 * endpoint's locality is to the proxy's.
 */
import { parseLocality, type Locality, type Proxy } from '@mesh/mesh-model';

const LOCALITY_LABEL = 'istio-locality';
const REGION_LABEL = 'topology.kubernetes.io/region';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const SUBZONE_LABEL = 'topology.istio.io/subzone';

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Where the proxy runs: `proxy.locality` (the xDS `Node.locality` Envoy and Istio's agent
 * announce) first; else node metadata `LOCALITY` (`region/zone/subzone`, or an object with
 * `region`, `zone`, `subZone`/`subzone`); else the workload's labels (`istio-locality`, else the
 * topology labels). Undefined when none says anything.
 */
export function proxyLocality(proxy: Proxy): Locality | undefined {
  if (proxy.locality) return proxy.locality;
  const fromMetadata = proxy.metadata.LOCALITY;
  if (typeof fromMetadata === 'string') return parseLocality(fromMetadata);
  if (typeof fromMetadata === 'object' && fromMetadata !== null && !Array.isArray(fromMetadata)) {
    const record = fromMetadata as Record<string, unknown>;
    const locality = {
      region: stringOf(record.region),
      zone: stringOf(record.zone),
      subzone: stringOf(record.subZone) || stringOf(record.subzone) || stringOf(record.sub_zone),
    };
    if (locality.region || locality.zone || locality.subzone) return locality;
  }
  const labels = proxy.labels;
  const override = parseLocality(labels[LOCALITY_LABEL]);
  if (override) return override;
  const region = labels[REGION_LABEL] ?? '';
  const zone = labels[ZONE_LABEL] ?? '';
  const subzone = labels[SUBZONE_LABEL] ?? '';
  if (!region && !zone && !subzone) return undefined;
  return { region, zone, subzone };
}

/**
 * Does a locality match a rule's pattern `region[/zone[/subzone]]`? `*` matches anything at its
 * level, and levels the pattern leaves out match anything (`us-west` covers every zone there).
 */
export function localityMatches(locality: Locality | undefined, pattern: string): boolean {
  const [region = '', zone = '', subzone = ''] = pattern.split('/');
  const regionOk = region === '*' || (locality !== undefined && locality.region === region);
  const zoneOk = zone === '*' || zone === '' || (locality !== undefined && locality.zone === zone);
  const subzoneOk = subzone === '*' || subzone === '' || (locality !== undefined && locality.subzone === subzone);
  return regionOk && zoneOk && subzoneOk;
}

/**
 * Closeness of an endpoint locality to the proxy's: 0 same subzone, 1 same zone, 2 same region,
 * 3 elsewhere (the default failover priorities).
 */
export function localityPriority(proxy: Locality | undefined, endpoint: Locality | undefined): number {
  const p = proxy ?? { region: '', zone: '', subzone: '' };
  const e = endpoint ?? { region: '', zone: '', subzone: '' };
  if (p.region !== e.region) return 3;
  if (p.zone !== e.zone) return 2;
  if (p.subzone !== e.subzone) return 1;
  return 0;
}
