// Shared Jest settings. Every project's jest.config.js calls projectJestConfig(import.meta.url).
//
// The workspace is ESM ("type": "module") because @kubernetes/client-node 2.x ships only ESM;
// Jest runs ESM under `node --experimental-vm-modules` (see the `test` target in nx.json).
// TypeScript is compiled by esbuild (tools/jest/esbuild-transform.js).
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const workspaceRoot = dirname(fileURLToPath(import.meta.url));

/** Maps the tsconfig path aliases (e.g. `@mesh/xds`) to their sources, for Jest's resolver. */
function aliasesFromTsconfig() {
  const tsconfig = JSON.parse(readFileSync(join(workspaceRoot, 'tsconfig.base.json'), 'utf8'));
  const mapper = {};
  for (const [alias, [target]] of Object.entries(tsconfig.compilerOptions.paths ?? {})) {
    const escaped = alias.replace(/[.+?^${}()|[\]\\/]/g, '\\$&');
    if (alias.endsWith('/*')) {
      mapper[`^${escaped.slice(0, -1)}(.*)$`] = join(workspaceRoot, target.replace('*', '$1'));
    } else {
      mapper[`^${escaped}$`] = join(workspaceRoot, target);
    }
  }
  return mapper;
}

export function projectJestConfig(configFileUrl, overrides = {}) {
  const projectRoot = dirname(fileURLToPath(configFileUrl));
  return {
    displayName: relative(workspaceRoot, projectRoot),
    rootDir: projectRoot,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: aliasesFromTsconfig(),
    transform: { '^.+\\.ts$': join(workspaceRoot, 'tools', 'jest', 'esbuild-transform.js') },
    ...overrides,
  };
}
