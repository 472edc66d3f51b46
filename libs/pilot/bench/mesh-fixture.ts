/**
 * The benchmark's mesh as a config directory of ordinary Istio YAML, one file per service:
 * a STATIC, MESH_INTERNAL ServiceEntry with two ports (http 8080, grpc 9090) and five inline
 * endpoints (three labelled v1, two v2), a DestinationRule with subsets v1/v2 and a traffic
 * policy, and a VirtualService splitting 80/20 with a header marker the simulated proxies look for.
 * `writeService` rewrites one file, which is how the benchmark makes a change (istiod watches the
 * directory, as in --config-dir mode).
 */
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export const NAMESPACE = 'bench';
export const ENDPOINTS_PER_SERVICE = 5;

export interface ServiceRevision {
  /** Set as a request header by the VirtualService: appears in RDS bytes when the route changes. */
  readonly routeMarker: string;
  /** Replaces the address of the first endpoint when set: appears in EDS bytes. */
  readonly movedEndpoint?: string;
}

export function hostOf(index: number): string {
  return `svc-${index}.${NAMESPACE}.svc.cluster.local`;
}

/** 10.<a>.<b>.<k+1>: distinct per service and endpoint for up to 62,500 services. */
function endpointAddress(index: number, k: number): string {
  return `10.${Math.floor(index / 250)}.${index % 250}.${k + 1}`;
}

export function serviceYaml(index: number, revision: ServiceRevision): string {
  const name = `svc-${index}`;
  const host = hostOf(index);
  const endpoints: string[] = [];
  for (let k = 0; k < ENDPOINTS_PER_SERVICE; k++) {
    const address = k === 0 && revision.movedEndpoint ? revision.movedEndpoint : endpointAddress(index, k);
    endpoints.push(`  - address: ${address}`, `    labels: {version: ${k < 3 ? 'v1' : 'v2'}}`);
  }
  return [
    'apiVersion: networking.istio.io/v1',
    'kind: ServiceEntry',
    `metadata: {name: ${name}, namespace: ${NAMESPACE}}`,
    'spec:',
    `  hosts: [${host}]`,
    '  location: MESH_INTERNAL',
    '  resolution: STATIC',
    '  ports:',
    '  - {number: 8080, name: http, protocol: HTTP}',
    '  - {number: 9090, name: grpc, protocol: GRPC}',
    '  endpoints:',
    ...endpoints,
    '---',
    'apiVersion: networking.istio.io/v1',
    'kind: DestinationRule',
    `metadata: {name: ${name}, namespace: ${NAMESPACE}}`,
    'spec:',
    `  host: ${host}`,
    '  trafficPolicy:',
    '    connectionPool: {http: {http1MaxPendingRequests: 1024, maxRequestsPerConnection: 100}}',
    '    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}',
    '  subsets:',
    '  - {name: v1, labels: {version: v1}}',
    '  - {name: v2, labels: {version: v2}}',
    '---',
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    `metadata: {name: ${name}, namespace: ${NAMESPACE}}`,
    'spec:',
    `  hosts: [${host}]`,
    '  http:',
    '  - headers:',
    `      request: {set: {x-bench-revision: ${revision.routeMarker}}}`,
    '    route:',
    `    - destination: {host: ${host}, subset: v1}`,
    '      weight: 80',
    `    - destination: {host: ${host}, subset: v2}`,
    '      weight: 20',
    '    timeout: 5s',
    '',
  ].join('\n');
}

/** Writes a file whole (temp file + rename) so the watcher never reads half of it. */
export function writeService(dir: string, index: number, revision: ServiceRevision): void {
  const file = join(dir, `svc-${index}.yaml`);
  writeFileSync(`${file}.tmp`, serviceYaml(index, revision));
  renameSync(`${file}.tmp`, file);
}

export function writeMesh(dir: string, services: number): void {
  for (let i = 0; i < services; i++) writeService(dir, i, { routeMarker: 'rev-0' });
}
