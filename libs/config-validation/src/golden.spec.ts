/**
 * The golden corpus: every document in testdata/ declares the issues it must produce in the
 * annotation `test.mesh/expect`, one per line:
 *
 *     error spec.http[0].route[1].weight: must not be negative
 *     warning spec.http[1]: unreachable
 *
 * Paths must match exactly and the message must contain the text after the colon. Every issue
 * the validator reports must be declared (nothing more, nothing less). Documents in valid/ may
 * only declare warnings; documents in invalid/ must declare at least one error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPath, parseManifests, type ConfigIssue, type Manifest } from '@mesh/config-model';
import { validateManifest } from './validate';

const testdata = fileURLToPath(new URL('../testdata', import.meta.url));
const EXPECT = 'test.mesh/expect';

interface Expectation {
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly fragment: string;
}

function expectationsOf(manifest: Manifest): Expectation[] {
  const metadata = manifest.object.metadata as { annotations?: Record<string, unknown> } | undefined;
  const text = metadata?.annotations?.[EXPECT];
  if (typeof text !== 'string') return [];
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const match = /^(error|warning) (.+?): (.+)$/.exec(line);
      if (!match) throw new Error(`bad expectation line: ${line}`);
      return {
        severity: match[1] as 'error' | 'warning',
        path: match[2] === '(root)' ? '' : match[2],
        fragment: match[3],
      };
    });
}

function show(issue: ConfigIssue): string {
  return `${issue.severity} ${formatPath(issue.path) || '(root)'}: ${issue.message}`;
}

/** Pairs expectations with issues; returns what is left unmatched on either side. */
function compare(expected: Expectation[], actual: ConfigIssue[]): { missing: string[]; unexpected: string[] } {
  const remaining = [...actual];
  const missing: string[] = [];
  for (const e of expected) {
    const index = remaining.findIndex(
      (issue) =>
        issue.severity === e.severity && formatPath(issue.path) === e.path && issue.message.includes(e.fragment),
    );
    if (index === -1) missing.push(`${e.severity} ${e.path || '(root)'}: ${e.fragment}`);
    else remaining.splice(index, 1);
  }
  return { missing, unexpected: remaining.map(show) };
}

interface Case {
  readonly name: string;
  readonly manifest: Manifest;
  readonly expected: Expectation[];
}

function casesIn(folder: 'valid' | 'invalid'): Case[] {
  const dir = join(testdata, folder);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .flatMap((file) => {
      const path = join(dir, file);
      const { manifests, errors } = parseManifests(readFileSync(path, 'utf8'), path);
      if (errors.length > 0)
        throw new Error(`${file}: ${errors.map((e) => `${e.source.line}: ${e.message}`).join('; ')}`);
      return manifests.map((manifest) => {
        const { kind, metadata } = manifest.object as { kind?: unknown; metadata?: { name?: unknown } };
        return {
          name: `${file}:${manifest.source.line} ${String(kind)} ${String(metadata?.name)}`,
          manifest,
          expected: expectationsOf(manifest),
        };
      });
    });
}

const valid = casesIn('valid');
const invalid = casesIn('invalid');

describe('golden corpus: valid', () => {
  it('has cases', () => expect(valid.length).toBeGreaterThanOrEqual(20));

  it.each(valid.map((c) => [c.name, c]))('%s', (_name, c) => {
    expect(c.expected.filter((e) => e.severity === 'error')).toEqual([]);
    const result = validateManifest(c.manifest);
    expect(compare(c.expected, [...result.errors, ...result.warnings])).toEqual({ missing: [], unexpected: [] });
    expect(result.config).toBeDefined();
  });
});

describe('golden corpus: invalid', () => {
  it('has at least 60 cases', () => expect(invalid.length).toBeGreaterThanOrEqual(60));

  it.each(invalid.map((c) => [c.name, c]))('%s', (_name, c) => {
    expect(c.expected.some((e) => e.severity === 'error')).toBe(true);
    const result = validateManifest(c.manifest);
    expect(compare(c.expected, [...result.errors, ...result.warnings])).toEqual({ missing: [], unexpected: [] });
    expect(result.config).toBeUndefined();
  });
});
