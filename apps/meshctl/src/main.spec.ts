import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The `test` target depends on `build`, so this runs the real bundle, as users do.
const bundle = join(process.cwd(), 'dist', 'apps', 'meshctl', 'main.js');

function meshctl(...args: string[]) {
  return spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });
}

describe('meshctl bundle', () => {
  beforeAll(() => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npx nx build meshctl`);
  });

  it('answers --help with its commands', () => {
    const result = meshctl('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: meshctl <command> [flags]');
    expect(result.stdout).toMatch(/^ {2}version\s+print the version/m);
  });

  it('prints the build version and the runtime', () => {
    const result = meshctl('version');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^meshctl \d+\.\d+\.\d+ \(node 2\d\.\d+\.\d+\)\n$/);
  });

  it('refuses an unknown command or flag with exit code 2', () => {
    const unknownCommand = meshctl('frobnicate');
    expect(unknownCommand.status).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "frobnicate"');
    const unknownFlag = meshctl('version', '--bogus');
    expect(unknownFlag.status).toBe(2);
    expect(unknownFlag.stderr).toContain('unknown flag --bogus');
  });
});
