/**
 * Generates libs/xds/src/generated from Envoy's upstream protos with ts-proto, compiled by buf.
 *
 *   node tools/xds-gen/generate.ts          regenerate in place
 *   node tools/xds-gen/generate.ts --check  regenerate into a temporary folder and fail if the
 *                                           committed files differ (CI runs this)
 *
 * Steps: merge the proto roots into a staging tree with validate annotations stripped, run
 * `buf generate` with ts-proto as a local plugin, write the descriptors of the same files (see
 * descriptor-set.ts), then replace (or compare) the output.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { descriptorSetModule, DESCRIPTOR_SET_FILE } from './descriptor-set.ts';
import { entryProtos, generatedDir, protoRoots, repoRoot, tsProtoOptions } from './sources.ts';
import { stripValidateAnnotations } from './strip-validate.ts';

function main(): void {
  const check = process.argv.includes('--check');
  const work = mkdtempSync(join(tmpdir(), 'xds-gen-'));
  try {
    const stage = join(work, 'protos');
    const out = join(work, 'out');
    stageProtos(stage);
    runBuf(stage, out);
    writeDescriptorSet(stage, out);
    if (check) {
      const differences = compareTrees(out, generatedDir);
      if (differences.length > 0) {
        console.error('Generated xDS code is stale or was edited by hand. Run `npm run generate:xds`.');
        for (const d of differences.slice(0, 20)) console.error(`  ${d}`);
        process.exit(1);
      }
      console.log(`generated code is up to date (${listFiles(out).length} files)`);
    } else {
      rmSync(generatedDir, { recursive: true, force: true });
      mkdirSync(generatedDir, { recursive: true });
      cpSync(out, generatedDir, { recursive: true });
      console.log(`wrote ${listFiles(out).length} files to ${relative(repoRoot, generatedDir)}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function stageProtos(stage: string): void {
  for (const root of protoRoots) {
    for (const file of listFiles(root).filter((f) => f.endsWith('.proto'))) {
      const target = join(stage, file);
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, stripValidateAnnotations(readFileSync(join(root, file), 'utf8')));
    }
  }
  writeFileSync(join(stage, 'buf.yaml'), 'version: v2\n');
}

function runBuf(stage: string, out: string): void {
  const plugin = join(repoRoot, 'node_modules', '.bin', 'protoc-gen-ts_proto');
  const template = JSON.stringify({
    version: 'v2',
    plugins: [{ local: plugin, out, opt: tsProtoOptions, include_imports: true }],
  });
  const args = ['generate', '--template', template, ...entryProtos.flatMap((p) => ['--path', p])];
  const buf = join(repoRoot, 'node_modules', '.bin', 'buf');
  const result = spawnSync(buf, args, { cwd: stage, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`buf generate failed with status ${result.status ?? result.signal}`);
  }
}

/**
 * The FileDescriptorSet of the entry protos and everything they import (no source info), as a
 * TypeScript module: @mesh/xds reads it for proto3 canonical JSON, which needs descriptors that
 * ts-proto's code does not carry.
 */
function writeDescriptorSet(stage: string, out: string): void {
  const binary = join(stage, '..', 'descriptors.binpb');
  const args = ['build', '--as-file-descriptor-set', '--exclude-source-info', '-o', binary];
  args.push(...entryProtos.flatMap((p) => ['--path', p]));
  const buf = join(repoRoot, 'node_modules', '.bin', 'buf');
  const result = spawnSync(buf, args, { cwd: stage, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`buf build failed with status ${result.status ?? result.signal}`);
  }
  writeFileSync(join(out, DESCRIPTOR_SET_FILE), descriptorSetModule(readFileSync(binary)));
}

/** Relative paths of all files under dir, sorted. */
function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const full = join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.push(relative(dir, full));
    }
  };
  walk(dir);
  return files.sort();
}

function compareTrees(expected: string, actual: string): string[] {
  const want = listFiles(expected);
  let have: string[] = [];
  try {
    have = listFiles(actual);
  } catch {
    return [`${relative(repoRoot, actual)} does not exist`];
  }
  const haveSet = new Set(have);
  const differences: string[] = [];
  for (const file of want) {
    if (!haveSet.has(file)) differences.push(`missing: ${file}`);
    else if (!readFileSync(join(expected, file)).equals(readFileSync(join(actual, file)))) {
      differences.push(`differs: ${file}`);
    }
  }
  const wantSet = new Set(want);
  for (const file of have) if (!wantSet.has(file)) differences.push(`not generated: ${file}`);
  return differences;
}

main();
