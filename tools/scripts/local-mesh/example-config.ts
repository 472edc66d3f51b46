/**
 * What the local-mesh launcher needs to know from a config directory before anything runs: the
 * ports the ingress gateway will listen on (the servers of the Gateways that select its labels)
 * and the demo workloads to start (every endpoint on a loopback address, of a ServiceEntry or a
 * WorkloadEntry: one demo upstream per port, answering with the endpoint's `version` label).
 * istiod reads the same files for real; this is only a light look, so malformed objects are
 * skipped here and reported by istiod and `meshctl validate`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface IngressServer {
  readonly gateway: string;
  readonly port: number;
  readonly protocol: string;
  readonly file: string;
}

export interface DemoEndpoint {
  /** `hello.mesh.test v1` style name for logs. */
  readonly name: string;
  readonly version: string;
  readonly address: string;
  readonly port: number;
  readonly file: string;
}

export interface LocalMeshConfig {
  readonly ingress: readonly IngressServer[];
  readonly demoEndpoints: readonly DemoEndpoint[];
  /** Files holding VirtualServices: where a user shifts traffic. */
  readonly virtualServiceFiles: readonly string[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Config files as istiod's directory source reads them: *.yaml, *.yml, *.json; hidden entries skipped. */
function configFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...configFiles(path));
    else if (/\.(ya?ml|json)$/.test(entry)) out.push(path);
  }
  return out;
}

function objectsIn(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as unknown)
    .filter(isRecord);
}

function isLoopback(address: string): boolean {
  return (isIP(address) === 4 && address.startsWith('127.')) || address === '::1';
}

function selects(selector: Record<string, string>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** A ServiceEntry endpoint's ports: its own `ports` map, else the service ports' targetPort or number. */
function endpointPorts(endpoint: Json, servicePorts: Json[]): number[] {
  const own = isRecord(endpoint.ports) ? Object.values(endpoint.ports) : [];
  if (own.length > 0) return own.filter((p): p is number => typeof p === 'number');
  return servicePorts
    .map((p) => (typeof p.targetPort === 'number' ? p.targetPort : p.number))
    .filter((p): p is number => typeof p === 'number');
}

export function readLocalMeshConfig(dir: string, gatewayLabels: Readonly<Record<string, string>>): LocalMeshConfig {
  const ingress: IngressServer[] = [];
  const demoEndpoints: DemoEndpoint[] = [];
  const virtualServiceFiles = new Set<string>();
  for (const path of configFiles(dir)) {
    const file = relative(process.cwd(), path) || path;
    for (const object of objectsIn(path)) {
      const spec = isRecord(object.spec) ? object.spec : {};
      const name = isRecord(object.metadata) && typeof object.metadata.name === 'string' ? object.metadata.name : '?';
      if (object.kind === 'Gateway' && selects(stringRecord(spec.selector), gatewayLabels)) {
        for (const server of Array.isArray(spec.servers) ? spec.servers.filter(isRecord) : []) {
          const port = isRecord(server.port) ? server.port : {};
          if (typeof port.number !== 'number') continue;
          ingress.push({ gateway: name, port: port.number, protocol: String(port.protocol ?? 'HTTP'), file });
        }
      }
      if (object.kind === 'VirtualService') virtualServiceFiles.add(file);
      if (object.kind === 'ServiceEntry') {
        const host = Array.isArray(spec.hosts) && typeof spec.hosts[0] === 'string' ? spec.hosts[0] : name;
        const servicePorts = Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : [];
        for (const endpoint of Array.isArray(spec.endpoints) ? spec.endpoints.filter(isRecord) : []) {
          if (typeof endpoint.address !== 'string' || !isLoopback(endpoint.address)) continue;
          const version = stringRecord(endpoint.labels).version ?? 'unversioned';
          for (const port of endpointPorts(endpoint, servicePorts)) {
            demoEndpoints.push({ name: `${host} ${version}`, version, address: endpoint.address, port, file });
          }
        }
      }
      if (object.kind === 'WorkloadEntry' && typeof spec.address === 'string' && isLoopback(spec.address)) {
        const version = stringRecord(spec.labels).version ?? 'unversioned';
        for (const port of isRecord(spec.ports) ? Object.values(spec.ports) : []) {
          if (typeof port !== 'number') continue;
          demoEndpoints.push({ name: `${name} ${version}`, version, address: spec.address, port, file });
        }
      }
    }
  }
  return { ingress, demoEndpoints, virtualServiceFiles: [...virtualServiceFiles] };
}
