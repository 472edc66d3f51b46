/**
 * Kubernetes Service and EndpointSlice → Services and endpoints, following Istio's conversion:
 * - hostname `<name>.<namespace>.svc.<domain>`; addresses from `clusterIPs` (or `clusterIP`);
 * - resolution: ExternalName → DNSLB (and mesh-external; its one endpoint is the external name),
 *   `clusterIP: None` (headless) → Passthrough (Istio does not load-balance headless services; their
 *   endpoints are still tracked), otherwise ClientSideLB. A Service read from a file may have no
 *   clusterIP at all (the API server never allocated one): it is kept ClientSideLB without
 *   addresses rather than mistaken for a headless one;
 * - port protocol from `appProtocol` or the port name (`protocolFromPortName`);
 * - `networking.istio.io/exportTo` annotation (comma-separated) as the service's exportTo.
 *
 * EndpointSlice endpoints: health from the conditions (ready → Healthy; serving and terminating →
 * Draining; otherwise Unhealthy; a Service with publishNotReadyAddresses keeps every address
 * Healthy), labels, service account, network and TLS mode from the Pod named by `targetRef`,
 * locality from that pod's override label or its Node (`localityOfPod`). The slice's own `zone`
 * hint is not used, as in Istio: an endpoint without a known pod and node has no locality.
 */
import {
  configKey,
  endpointSliceOf,
  protocolFromPortName,
  serviceFqdn,
  DEFAULT_DOMAIN_SUFFIX,
  type Config,
  type ConfigIssue,
  type ConfigOfKind,
  type KubeEndpoint,
} from '@mesh/config-model';
import type { Endpoint, HealthStatus, Service, ServicePort } from '../service';
import { dropUndefined, localityOfPod, NETWORK_LABEL, tlsModeOfPod, type NodeLocalityLookup } from './workload';

export type KubeServiceConfig = ConfigOfKind<'Service'>;
export type PodConfig = ConfigOfKind<'Pod'>;

/** The label Kubernetes puts on an EndpointSlice naming its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Service annotation listing the namespaces that may see it. */
export const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';

export function serviceFromKubernetes(
  config: KubeServiceConfig,
  domainSuffix: string = DEFAULT_DOMAIN_SUFFIX,
): Service {
  const spec = config.spec;
  const clusterIps = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : [spec.clusterIP ?? ''];
  const addresses = clusterIps.filter((ip) => ip !== '' && ip !== 'None');
  const externalName = spec.type === 'ExternalName' && spec.externalName ? spec.externalName : undefined;
  const headless = clusterIps[0] === 'None';
  const resolution = externalName ? 'DNSLB' : headless ? 'Passthrough' : 'ClientSideLB';
  const ports: ServicePort[] = (spec.ports ?? []).map((port) =>
    dropUndefined({
      name: port.name ?? '',
      port: port.port,
      protocol: protocolFromPortName(port.name, port.appProtocol, { port: port.port, transport: port.protocol }),
      targetPort: typeof port.targetPort === 'number' ? port.targetPort : undefined,
    }),
  );
  const exportTo = (config.annotations[EXPORT_TO_ANNOTATION] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => (entry === '.' ? config.namespace : entry));
  const selector = spec.selector && Object.keys(spec.selector).length > 0 ? { ...spec.selector } : undefined;
  return dropUndefined({
    hostname: serviceFqdn(config.name, config.namespace, domainSuffix),
    namespace: config.namespace,
    name: config.name,
    registry: 'Kubernetes' as const,
    ports,
    resolution,
    meshExternal: externalName !== undefined,
    addresses,
    labels: config.labels,
    exportTo,
    selector,
    sourceKey: configKey(config),
    creationTimestamp: config.creationTimestamp,
    externalName,
  });
}

/** An ExternalName service's endpoints: the external name on every port. */
export function externalNameEndpoints(service: Service): Endpoint[] {
  if (!service.externalName) return [];
  return service.ports.map((port) => ({
    hostname: service.hostname,
    servicePortName: port.name,
    address: service.externalName!,
    port: port.port,
    labels: {},
    namespace: service.namespace,
    health: 'Healthy' as const,
    tlsMode: 'disabled' as const,
  }));
}

/** Name of the Service an EndpointSlice belongs to (its `kubernetes.io/service-name` label). */
export function serviceNameOfSlice(slice: Config): string | undefined {
  return slice.labels[SERVICE_NAME_LABEL] || undefined;
}

/** Pods an EndpointSlice's endpoints point at, as `Pod/ns/name` keys. */
export function podKeysOfSlice(slice: Config): string[] {
  const { value } = endpointSliceOf(slice);
  if (!value) return [];
  const keys: string[] = [];
  for (const endpoint of value.endpoints) {
    const ref = endpoint.targetRef;
    if (ref?.kind === 'Pod' && ref.name) {
      keys.push(configKey({ kind: 'Pod', namespace: ref.namespace || slice.namespace, name: ref.name }));
    }
  }
  return keys;
}

export function healthOf(conditions: KubeEndpoint['conditions'], publishNotReady: boolean): HealthStatus {
  if (publishNotReady) return 'Healthy';
  // Per the EndpointSlice API, an unknown (absent) `ready` means ready, `serving` defaults to
  // `ready`, and `terminating` to false.
  const ready = conditions?.ready ?? true;
  const serving = conditions?.serving ?? ready;
  const terminating = conditions?.terminating ?? false;
  if (ready) return 'Healthy';
  if (serving && terminating) return 'Draining';
  return 'Unhealthy';
}

export interface SliceEndpoints {
  readonly endpoints: Endpoint[];
  readonly issues: ConfigIssue[];
}

/**
 * The endpoints of one EndpointSlice for its Service. A slice port is matched to the service
 * port of the same name (both empty for a single unnamed port). FQDN slices are skipped: Istio
 * does not use them either. Only the first address of an endpoint is used (the API says they
 * are fungible).
 */
export function endpointsFromEndpointSlice(
  slice: Config,
  service: Service,
  publishNotReadyAddresses: boolean,
  podOf: (namespace: string, name: string) => PodConfig | undefined,
  nodeLocality: NodeLocalityLookup,
): SliceEndpoints {
  const { value, issues } = endpointSliceOf(slice);
  if (!value || value.addressType === 'FQDN') return { endpoints: [], issues };
  const out: Endpoint[] = [];
  const portsByName = new Map(service.ports.map((port) => [port.name, port]));
  for (const slicePort of value.ports ?? []) {
    const servicePort = portsByName.get(slicePort.name ?? '');
    if (!servicePort || slicePort.port === undefined) continue;
    for (const endpoint of value.endpoints) {
      const ref = endpoint.targetRef;
      const pod = ref?.kind === 'Pod' && ref.name ? podOf(ref.namespace || slice.namespace, ref.name) : undefined;
      const labels = pod?.labels ?? {};
      out.push(
        dropUndefined({
          hostname: service.hostname,
          servicePortName: servicePort.name,
          address: endpoint.addresses[0],
          port: slicePort.port,
          labels,
          namespace: service.namespace,
          serviceAccount: pod ? pod.spec.serviceAccountName || 'default' : undefined,
          locality: pod ? localityOfPod(pod, nodeLocality) : undefined,
          health: healthOf(endpoint.conditions, publishNotReadyAddresses),
          tlsMode: tlsModeOfPod(labels),
          workloadName: pod?.name ?? ref?.name,
          network: labels[NETWORK_LABEL] || undefined,
        }),
      );
    }
  }
  return { endpoints: out, issues };
}
