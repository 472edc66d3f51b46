/**
 * `npm start`: will run the local mesh (istiod in --config-dir mode, demo workloads and the
 * ingress gateway) once those apps exist. Until then it says so and lists what is available.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../xds-gen/sources.ts';

const apps = readdirSync(join(repoRoot, 'apps')).filter((name) =>
  existsSync(join(repoRoot, 'apps', name, 'project.json')),
);

console.log(
  [
    'The local mesh is not available yet: the proxy and the ingress gateway are still being built.',
    '',
    `Apps in this workspace: ${apps.join(', ')}`,
    'Build them:   npx nx run-many -t build     (bundles land in dist/apps/<app>/main.js)',
    'Try one:      node dist/apps/meshctl/main.js --help',
    'Control plane on a directory of Istio YAML (no Kubernetes):',
    '              node dist/apps/istiod/main.js --config-dir ../shared/istio-corpus/samples/bookinfo',
    '              then http://127.0.0.1:8080/debug/syncz and http://127.0.0.1:15014/metrics',
    'Run tests:    npm test',
  ].join('\n'),
);
