import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatIssue, isIstioKind, parseManifests } from '@mesh/config-model';
import { validateManifest } from './validate';

/** Istio's own samples (Bookinfo, httpbin, helloworld, curl): every Istio object must validate cleanly. */
const samples = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const files = yamlFiles(samples);

describe('Istio samples corpus', () => {
  it('finds the sample files', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((file) => [relative(samples, file), file]))('%s: Istio objects have no errors', (_name, file) => {
    const { manifests, errors } = parseManifests(readFileSync(file, 'utf8'), file);
    expect(errors).toEqual([]);
    const istio = manifests.filter((m) => typeof m.object.kind === 'string' && isIstioKind(m.object.kind));
    const problems = istio.flatMap((m) => validateManifest(m).errors.map(formatIssue));
    expect(problems).toEqual([]);
    for (const manifest of istio) expect(validateManifest(manifest).config).toBeDefined();
  });

  it('validates every Istio kind object of the corpus (the test is not vacuous)', () => {
    const kinds = new Set<string>();
    for (const file of files) {
      for (const m of parseManifests(readFileSync(file, 'utf8'), file).manifests) {
        if (typeof m.object.kind === 'string' && isIstioKind(m.object.kind)) kinds.add(m.object.kind);
      }
    }
    expect([...kinds].sort()).toEqual(['DestinationRule', 'Gateway', 'ServiceEntry', 'VirtualService']);
  });

  it('Kubernetes Services of the samples have no errors either', () => {
    const problems = files.flatMap((file) =>
      parseManifests(readFileSync(file, 'utf8'), file)
        .manifests.filter((m) => m.object.kind === 'Service')
        .flatMap((m) => validateManifest(m).errors.map(formatIssue)),
    );
    expect(problems).toEqual([]);
  });
});
