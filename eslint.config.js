// ESLint flat config. The rule that matters most here is @nx/enforce-module-boundaries: the
// dependency direction of ARCHITECTURE.md (generated → domain → adapters → apps; nothing imports
// an app; pilot and the data plane meet only on the wire) is a lint error, not a convention.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Node APIs and packages that only adapters may use: domain libs stay pure. */
const ioPackages = [
  '@grpc/*',
  '@kubernetes/*',
  'fastify',
  'node:net',
  'net',
  'node:tls',
  'tls',
  'node:http2',
  'http2',
  'node:dgram',
  'dgram',
];

/**
 * The dependency rules. Specs (and their test data) may also use `layer:testing` (the stub control
 * plane, fixtures); production code may not.
 */
function boundaryRule({ specs }) {
  const testing = specs ? ['layer:testing'] : [];
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      depConstraints: [
        { sourceTag: 'layer:platform', onlyDependOnLibsWithTags: [] },
        { sourceTag: 'layer:generated', onlyDependOnLibsWithTags: ['layer:generated'] },
        {
          sourceTag: 'layer:domain',
          onlyDependOnLibsWithTags: ['layer:domain', 'layer:generated', 'layer:platform', ...testing],
          bannedExternalImports: ioPackages,
        },
        {
          sourceTag: 'layer:adapter',
          onlyDependOnLibsWithTags: ['layer:adapter', 'layer:domain', 'layer:generated', 'layer:platform', ...testing],
        },
        {
          sourceTag: 'layer:app',
          onlyDependOnLibsWithTags: ['layer:adapter', 'layer:domain', 'layer:generated', 'layer:platform', ...testing],
        },
        {
          sourceTag: 'layer:testing',
          onlyDependOnLibsWithTags: [
            'layer:testing',
            'layer:adapter',
            'layer:domain',
            'layer:generated',
            'layer:platform',
          ],
        },
        {
          sourceTag: 'layer:e2e',
          onlyDependOnLibsWithTags: [
            'layer:testing',
            'layer:adapter',
            'layer:domain',
            'layer:generated',
            'layer:platform',
          ],
        },
        {
          sourceTag: 'layer:tools',
          onlyDependOnLibsWithTags: ['layer:generated', 'layer:domain', 'layer:platform', ...testing],
        },
        // The control plane and the data plane meet only on the wire.
        { sourceTag: 'scope:control-plane', notDependOnLibsWithTags: ['scope:data-plane'] },
        { sourceTag: 'scope:data-plane', notDependOnLibsWithTags: ['scope:control-plane'] },
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', 'tmp/**', '.nx/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaryRule({ specs: false }),
    },
  },
  {
    // pilot holds both the pure xDS translation (domain) and the ADS server (adapter) in one
    // project; the translation half stays pure by this rule, since tags apply per project.
    files: ['libs/pilot/src/generators/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          // Exact module names for Node built-ins and fastify (a pattern `tls` would also match
          // generated paths like `.../transport_sockets/tls/v3/tls`), patterns for package scopes.
          paths: ioPackages
            .filter((name) => !name.includes('*'))
            .map((name) => ({ name, message: 'xDS translation is pure: no gRPC, Kubernetes or sockets.' })),
          patterns: [
            {
              group: ioPackages.filter((name) => name.includes('*')),
              message: 'xDS translation is pure: no gRPC, Kubernetes or sockets.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benchmarks may use what they assert on loosely and the test helpers of
    // @mesh/testing (processes, clients); the boundary rule still applies otherwise.
    files: ['**/*.spec.ts', '**/testdata/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@nx/enforce-module-boundaries': boundaryRule({ specs: true }),
    },
  },
);
