/**
 * The dependency rules of ARCHITECTURE.md are lint errors. These tests lint small pieces of code
 * as if they lived in real projects of the workspace and expect the boundary rule to fire.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = process.cwd();
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(code: string, fileInRepo: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, fileInRepo) });
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

beforeAll(() => {
  // The boundary rule reads Nx's cached project graph; compute it so the rule cannot be skipped.
  const nx = spawnSync(join(root, 'node_modules', '.bin', 'nx'), ['show', 'projects'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false' },
    encoding: 'utf8',
  });
  if (nx.status !== 0) throw new Error(`nx show projects failed: ${nx.stderr}`);
}, 60_000);

describe('module boundaries', () => {
  it('forbids importing an app from a lib', async () => {
    const errors = await boundaryErrors(
      "import { commands } from '../../../apps/meshctl/src/commands';\nexport const n = commands.length;\n",
      'libs/platform/src/bad.ts',
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('forbids platform from importing any other lib of ours', async () => {
    const errors = await boundaryErrors(
      "import { TypeUrl } from '@mesh/xds';\nexport const t = TypeUrl.Cluster;\n",
      'libs/platform/src/bad.ts',
    );
    expect(errors).toEqual(['A project tagged with "layer:platform" cannot depend on any libs with tags']);
  });

  it('forbids generated code from depending on platform', async () => {
    const errors = await boundaryErrors(
      "import { meshVersion } from '@mesh/platform';\nexport const v = meshVersion();\n",
      'libs/xds/src/bad.ts',
    );
    expect(errors).toEqual([
      expect.stringContaining('tagged with "layer:generated" can only depend on libs tagged with'),
    ]);
  });

  it('allows an app to import platform and xds', async () => {
    const errors = await boundaryErrors(
      "import { meshVersion } from '@mesh/platform';\nimport { TypeUrl } from '@mesh/xds';\nexport const v = [meshVersion(), TypeUrl.Cluster];\n",
      'apps/meshctl/src/ok.ts',
    );
    expect(errors).toEqual([]);
  });
});
