/**
 * `meshctl validate -f FILE|DIR [-f ...] [-o json]`: checks every object of the files the way the
 * control plane and the admission webhook do (envelope and spec, config-validation's rules) and
 * exits 0 only if every object is valid. Problems are printed one per line on stdout:
 *   VirtualService default/reviews reviews.yaml:14: spec.http[0].route[1].weight: must be ...
 * Kinds the mesh does not read (Deployment, ServiceAccount...) are counted, not validated.
 */
import { isKindReadByTheMesh } from '@mesh/config-analysis';
import { formatIssue, formatPath, parseManifests, type ConfigIssue } from '@mesh/config-model';
import { validateManifest } from '@mesh/config-validation';
import { FlagError, formatFlagHelp, optionalStringFlag, parseFlags, stringFlag, type FlagSpecs } from '@mesh/platform';
import { expandAliases, outputFormat, takeRepeated } from './arguments';
import type { Command } from './command';
import { readConfigFiles } from './config-files';

const flags = {
  filename: optionalStringFlag(
    'filename',
    'a file or directory (read recursively: *.yaml, *.yml, *.json) to validate; repeatable; -f',
  ),
  output: stringFlag('output', 'log', 'output format: log or json; -o'),
  namespace: stringFlag('namespace', 'default', 'namespace of objects that name none; -n'),
} satisfies FlagSpecs;

const USAGE = 'Usage: meshctl validate -f FILE|DIR [-f FILE|DIR ...] [-o json]';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'validate Istio and Kubernetes objects in files (exit 1 if any is invalid)',
  async run(argv) {
    const { values, rest } = takeRepeated(
      expandAliases(argv, { f: 'filename', o: 'output', n: 'namespace' }),
      'filename',
    );
    const parsed = parseFlags(flags, rest);
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n\n${formatFlagHelp(flags)}\n`);
      return 0;
    }
    const targets = [...values, ...parsed.positional];
    if (targets.length === 0) throw new FlagError('give the files or directories to validate with -f');
    const format = outputFormat(parsed.flags.output);
    const report = validateFiles(targets, parsed.flags.namespace);

    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(toJson(report), null, 2)}\n`);
    } else {
      for (const issue of [...report.errors, ...report.warnings]) process.stdout.write(`${formatIssue(issue)}\n`);
      process.stderr.write(`${summary(report)}\n`);
    }
    return report.errors.length === 0 ? 0 : 1;
  },
};

interface ValidationReport {
  readonly files: number;
  objects: number;
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
  /** Objects of kinds the mesh does not read, by kind. */
  readonly skipped: Record<string, number>;
}

function validateFiles(targets: readonly string[], defaultNamespace: string): ValidationReport {
  const files = readConfigFiles(targets);
  const report: ValidationReport = { files: files.length, objects: 0, errors: [], warnings: [], skipped: {} };
  for (const { file, text } of files) {
    const parsed = parseManifests(text, file);
    for (const error of parsed.errors)
      report.errors.push({ severity: 'error', message: error.message, path: [], source: error.source });
    for (const manifest of parsed.manifests) {
      const { apiVersion, kind } = manifest.object;
      if (typeof apiVersion === 'string' && typeof kind === 'string' && !isKindReadByTheMesh(apiVersion, kind)) {
        report.skipped[kind] = (report.skipped[kind] ?? 0) + 1;
        continue;
      }
      report.objects++;
      const result = validateManifest(manifest, { defaultNamespace });
      report.errors.push(...result.errors);
      report.warnings.push(...result.warnings);
    }
  }
  return report;
}

function summary(report: ValidationReport): string {
  const skipped = Object.entries(report.skipped).sort(([a], [b]) => (a < b ? -1 : 1));
  const skippedCount = skipped.reduce((sum, [, count]) => sum + count, 0);
  const skippedText =
    skippedCount > 0
      ? ` (skipped ${skippedCount} of kinds the mesh does not read: ${skipped.map(([kind, n]) => `${n} ${kind}`).join(', ')})`
      : '';
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const counted = `${plural(report.objects, 'object')} in ${plural(report.files, 'file')}`;
  if (report.errors.length === 0) return `\u2714 ${counted} are valid${skippedText}.`;
  const errors = `${report.errors.length} error${report.errors.length === 1 ? '' : 's'}`;
  return `\u2718 ${errors} in ${counted}${skippedText}.`;
}

function toJson(report: ValidationReport): unknown {
  const issue = (i: ConfigIssue) => ({
    severity: i.severity,
    ...(i.resource ? { resource: i.resource } : {}),
    ...(i.source ? { file: i.source.file, line: i.source.line } : {}),
    path: formatPath(i.path),
    message: i.message,
  });
  return {
    valid: report.errors.length === 0,
    files: report.files,
    objects: report.objects,
    skipped: report.skipped,
    errors: report.errors.map(issue),
    warnings: report.warnings.map(issue),
  };
}
