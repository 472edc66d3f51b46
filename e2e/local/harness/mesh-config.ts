/**
 * The mesh of this suite as ordinary Istio YAML, the only thing pilot is given: a ServiceEntry
 * for `echo.mesh.test:50051` whose STATIC endpoints are the echo backends (their ports are known
 * only once they listen, hence generated), a DestinationRule with a subset per version, and a
 * VirtualService that routes.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { EchoBackend } from './echo-backends';

export const ECHO_HOST = 'echo.mesh.test';
export const ECHO_PORT = 50051;

export function serviceEntryYaml(backends: readonly EchoBackend[]): string {
  const endpoints = backends
    .map(
      (backend) => `    - address: 127.0.0.1
      ports:
        grpc: ${backend.port}
      labels:
        version: ${backend.version}`,
    )
    .join('\n');
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: echo
  namespace: default
spec:
  hosts:
    - ${ECHO_HOST}
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
    - number: ${ECHO_PORT}
      name: grpc
      protocol: GRPC
  endpoints:
${endpoints}
`;
}

export function destinationRuleYaml(versions: readonly string[]): string {
  const subsets = versions.map((version) => `    - name: ${version}\n      labels:\n        version: ${version}`);
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: echo
  namespace: default
spec:
  host: ${ECHO_HOST}
  subsets:
${subsets.join('\n')}
`;
}

/** `x-route: canary` goes to `canary`; everything else is split by `weights` (subset → percent). */
export function virtualServiceYaml(weights: Readonly<Record<string, number>>, canary: string): string {
  const destinations = Object.entries(weights).map(
    ([subset, weight]) => `        - destination:
            host: ${ECHO_HOST}
            subset: ${subset}
          weight: ${weight}`,
  );
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: echo
  namespace: default
spec:
  hosts:
    - ${ECHO_HOST}
  http:
    - name: canary
      match:
        - headers:
            x-route:
              exact: canary
      route:
        - destination:
            host: ${ECHO_HOST}
            subset: ${canary}
    - name: split
      route:
${destinations.join('\n')}
`;
}

/**
 * Replaces a file in one step (write beside it, then rename), as editors and `kubectl`-style tools
 * do, so the watcher never reads half a file.
 */
export function replaceFile(dir: string, name: string, text: string): void {
  const staged = join(dir, `.${name}.tmp`);
  writeFileSync(staged, text);
  renameSync(staged, join(dir, name));
}
