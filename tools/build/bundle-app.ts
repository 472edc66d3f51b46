/**
 * Bundles one app into a single runnable file: dist/apps/<app>/main.js.
 *
 *   node tools/build/bundle-app.ts <app>
 *
 * esbuild follows the tsconfig path aliases (`@mesh/*`), so each app carries exactly the libs it
 * imports (istiod carries the four control-plane components). Output is ESM for Node 24; `require`,
 * `__filename` and `__dirname` shims are added because bundled CommonJS dependencies use them.
 * Dependencies that load files beside their code at run time (WASM) get those files copied next
 * to main.js, where their `__dirname` now points.
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../xds-gen/sources.ts';

const app = process.argv[2];
if (!app || !/^[a-z][a-z0-9-]*$/.test(app)) {
  console.error('usage: node tools/build/bundle-app.ts <app>');
  process.exit(2);
}
const appRoot = join(repoRoot, 'apps', app);
const entry = join(appRoot, 'src', 'main.ts');
if (!existsSync(entry)) {
  console.error(`no entry point at ${entry}`);
  process.exit(2);
}

const outDir = join(repoRoot, 'dist', 'apps', app);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

const result = await build({
  entryPoints: [entry],
  outfile: join(outDir, 'main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  tsconfig: join(appRoot, 'tsconfig.json'),
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  // Only free (undeclared) uses of __dirname/__filename are replaced, so ESM modules that declare
  // their own keep them.
  define: { __MESH_VERSION__: JSON.stringify(version), __dirname: '__meshDirname', __filename: '__meshFilename' },
  logLevel: 'warning',
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __meshCreateRequire } from 'node:module';",
      'const require = __meshCreateRequire(import.meta.url);',
      "import { fileURLToPath as __meshFileURLToPath } from 'node:url';",
      "import { dirname as __meshDirnameOf } from 'node:path';",
      'const __meshFilename = __meshFileURLToPath(import.meta.url);',
      'const __meshDirname = __meshDirnameOf(__meshFilename);',
    ].join('\n'),
  },
});
/** Files a bundled package reads from its own folder at run time, by package path prefix. */
const runtimeAssets: Record<string, readonly string[]> = {
  'node_modules/re2-wasm/': ['node_modules/re2-wasm/build/wasm/re2.wasm'],
  'libs/agent/src/capture/original-dst.ts': ['libs/agent/native/original-dst/build/Release/original_dst.node'],
};
const inputs = Object.keys(result.metafile.inputs);
for (const [prefix, files] of Object.entries(runtimeAssets)) {
  if (!inputs.some((input) => input.includes(prefix))) continue;
  for (const file of files) copyFileSync(join(repoRoot, file), join(outDir, file.slice(file.lastIndexOf('/') + 1)));
}

// Marks the folder as ESM so `node main.js` works wherever the bundle is copied (e.g. an image).
writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }) + '\n');
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`dist/apps/${app}/main.js (${(bytes / 1024).toFixed(0)} KiB with maps)`);
