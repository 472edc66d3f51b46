/**
 * Small objects of the kinds the config source reads, as a user (or, for Pods, Services and
 * EndpointSlices, a controller) would create them. No controllers run in envtest, so the specs
 * create EndpointSlices themselves.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Kind } from '@mesh/config-model';

type Fixture = KubernetesObject & { metadata: { name: string; namespace: string } } & Record<string, unknown>;

export function virtualService(namespace: string, name: string, spec?: Record<string, unknown>): Fixture {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: spec ?? { hosts: [name], http: [{ route: [{ destination: { host: name, subset: 'v1' } }] }] },
  };
}

export function destinationRule(namespace: string, name: string): Fixture {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace },
    spec: { host: name, subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
  };
}

export function service(namespace: string, name: string): Fixture {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { app: name } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP' }] },
  };
}

export function endpointSlice(namespace: string, name: string): Fixture {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
  };
}

export function pod(namespace: string, name: string): Fixture {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name, version: 'v1' } },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
  };
}

/** One fixture per kind the specs exercise end to end. */
export const fixtureOf: Readonly<
  Record<
    'VirtualService' | 'DestinationRule' | 'Service' | 'EndpointSlice' | 'Pod',
    (namespace: string, name: string) => Fixture
  >
> = {
  VirtualService: virtualService,
  DestinationRule: destinationRule,
  Service: service,
  EndpointSlice: endpointSlice,
  Pod: pod,
};

export type FixtureKind = keyof typeof fixtureOf & Kind;

/** A copy of `object` (as the API server returned it) with one more label: a change every kind accepts. */
export function withLabel<T extends KubernetesObject>(object: T, key: string, value: string): T {
  return { ...object, metadata: { ...object.metadata, labels: { ...object.metadata?.labels, [key]: value } } };
}

/** A copy of `object` (as the API server returned it) with another spec. */
export function withSpec<T extends KubernetesObject>(object: T, spec: Record<string, unknown>): T & { spec: unknown } {
  return { ...object, spec };
}
