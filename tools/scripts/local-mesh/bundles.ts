/**
 * Makes sure the app bundles the local mesh runs exist and are newer than their sources, so a
 * second `npm start` starts in a second instead of rebuilding. A bundle is rebuilt (with the
 * workspace's bundler, tools/build/bundle-app.ts) when it is missing or older than any source
 * file of the app, of the libs, the bundler or the lock file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'testdata' || entry.startsWith('.') || entry.endsWith('.spec.ts')) {
      continue;
    }
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export function bundlePath(repoRoot: string, app: string): string {
  return join(repoRoot, 'dist', 'apps', app, 'main.js');
}

/** Whether the bundle of `app` is missing or older than what it is built from. */
export function bundleIsStale(repoRoot: string, app: string): boolean {
  const bundle = bundlePath(repoRoot, app);
  if (!existsSync(bundle)) return true;
  const sources = Math.max(
    newestMtime(join(repoRoot, 'apps', app, 'src')),
    newestMtime(join(repoRoot, 'libs')),
    newestMtime(join(repoRoot, 'tools', 'build')),
    newestMtime(join(repoRoot, 'package-lock.json')),
  );
  return statSync(bundle).mtimeMs < sources;
}

/** Builds the stale bundles among `apps`; throws when the bundler fails. */
export function ensureBundles(
  repoRoot: string,
  apps: readonly string[],
  options: { force?: boolean; print: (line: string) => void },
): void {
  for (const app of apps) {
    if (!options.force && !bundleIsStale(repoRoot, app)) continue;
    options.print(`building ${app} (node tools/build/bundle-app.ts ${app}) ...`);
    const result = spawnSync(process.execPath, [join(repoRoot, 'tools', 'build', 'bundle-app.ts'), app], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(`building ${app} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
    }
  }
}
