/**
 * Loads a directory of 5,000 Istio objects with the directory source and reports how long the
 * initial load took. Bundled and run by tools/bench/config-store-load.ts (which prints the figures).
 *
 * The objects are Bookinfo-shaped (VirtualServices with weighted routes, DestinationRules with
 * subsets, ServiceEntries, Services) spread over files of a few documents each, in subdirectories
 * per namespace, plus a Deployment in every tenth file that the store must skip; every object is
 * validated with config-validation's validateConfig, as istiod does. `load_ms` is wall time and
 * `cpu_ms` the process's CPU time for the load (on a busy machine the first grows, not the second).
 */
import { validateConfig } from '@mesh/config-validation';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryConfigSource } from '../src/directory/directory-source';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 5000);
const OBJECTS_PER_FILE = Number(process.env.BENCH_OBJECTS_PER_FILE ?? 5);
const NAMESPACES = 20;

function documentFor(i: number, namespace: string): string {
  const name = `svc-${i}`;
  switch (i % 4) {
    case 0:
      return [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        `metadata: {name: ${name}, namespace: ${namespace}}`,
        'spec:',
        `  hosts: [${name}.${namespace}.svc.cluster.local]`,
        '  http:',
        '  - match: [{headers: {end-user: {exact: jason}}}]',
        `    route: [{destination: {host: ${name}, subset: v2}}]`,
        '  - route:',
        `    - destination: {host: ${name}, subset: v1}`,
        '      weight: 80',
        `    - destination: {host: ${name}, subset: v3}`,
        '      weight: 20',
        '    timeout: 5s',
        '    retries: {attempts: 3, perTryTimeout: 2s}',
      ].join('\n');
    case 1:
      return [
        'apiVersion: networking.istio.io/v1',
        'kind: DestinationRule',
        `metadata: {name: ${name}, namespace: ${namespace}}`,
        'spec:',
        `  host: ${name}`,
        '  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}, connectionPool: {tcp: {maxConnections: 100}}}',
        '  subsets:',
        '  - {name: v1, labels: {version: v1}}',
        '  - {name: v2, labels: {version: v2}}',
        '  - {name: v3, labels: {version: v3}}',
      ].join('\n');
    case 2:
      return [
        'apiVersion: networking.istio.io/v1',
        'kind: ServiceEntry',
        `metadata: {name: ${name}, namespace: ${namespace}}`,
        'spec:',
        `  hosts: [${name}.example.com]`,
        '  ports: [{number: 443, name: https, protocol: HTTPS}]',
        '  resolution: DNS',
        '  location: MESH_EXTERNAL',
      ].join('\n');
    default:
      return [
        'apiVersion: v1',
        'kind: Service',
        `metadata: {name: ${name}, namespace: ${namespace}, labels: {app: ${name}}}`,
        'spec:',
        '  ports: [{port: 9080, name: http}]',
        `  selector: {app: ${name}}`,
      ].join('\n');
  }
}

const deployment = (file: number): string =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: deploy-${file}}`,
    'spec: {replicas: 1, template: {spec: {containers: [{name: app, image: example/app:1}]}}}',
  ].join('\n');

function writeTree(dir: string): number {
  let files = 0;
  for (let start = 0; start < OBJECTS; start += OBJECTS_PER_FILE) {
    const namespace = `ns-${files % NAMESPACES}`;
    const documents: string[] = [];
    for (let i = start; i < Math.min(start + OBJECTS_PER_FILE, OBJECTS); i++) documents.push(documentFor(i, namespace));
    if (files % 10 === 0) documents.push(deployment(files));
    mkdirSync(join(dir, namespace), { recursive: true });
    writeFileSync(join(dir, namespace, `file-${files}.yaml`), documents.join('\n---\n') + '\n');
    files++;
  }
  return files;
}

const dir = mkdtempSync(join(tmpdir(), 'config-store-bench-'));
try {
  const files = writeTree(dir);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const store = new DirectoryConfigSource({ dir, validate: validateConfig });
  await store.ready();
  const loadMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const stats = store.stats();
  await store.close();
  const served = Object.values(stats.objects).reduce((sum, n) => sum + (n ?? 0), 0);
  if (served !== OBJECTS || stats.rejected !== 0) {
    console.error(`expected ${OBJECTS} objects and no rejections, got ${served} and ${stats.rejected}:`);
    console.error(store.rejected().slice(0, 5));
    process.exitCode = 1;
  }
  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  console.log(`served ${served} objects from ${files} files (ignored: ${JSON.stringify(stats.ignored)})`);
  console.log(`initial load ${loadMs.toFixed(0)} ms (${cpuMs.toFixed(0)} ms of CPU), rss ${rssMb.toFixed(0)} MB`);
  const ignored = Object.values(stats.ignored).reduce((sum, n) => sum + n, 0);
  console.log(
    JSON.stringify({
      objects: served,
      files,
      load_ms: Math.round(loadMs),
      cpu_ms: Math.round(cpuMs),
      rss_mb: Math.round(rssMb),
      rejected: stats.rejected,
      ignored,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
