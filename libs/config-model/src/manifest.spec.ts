import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromManifest, configFromObject } from './from-manifest';
import { formatIssue, formatPath } from './issues';
import { parseManifests } from './manifest';

const corpus = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples');

describe('parseManifests', () => {
  it('reads every document of a file with the line it starts on and the line of each field', () => {
    const text = [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata:',
      '  name: reviews',
      'spec:',
      '  hosts: [reviews]',
      '  http:',
      '  - route:',
      '    - destination: {host: reviews, subset: v1}',
      '      weight: 80',
      '    - destination: {host: reviews, subset: v2}',
      '      weight: 20',
      '---',
      '# a comment only',
      '---',
      '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}',
      '',
    ].join('\n');
    const { manifests, errors } = parseManifests(text, 'reviews.yaml');
    expect(errors).toEqual([]);
    expect(manifests.map((m) => [m.object.kind, m.source.line])).toEqual([
      ['VirtualService', 1],
      ['Namespace', 16],
    ]);
    expect(manifests[0].lineOf(['spec', 'http', 0, 'route', 1, 'weight'])).toBe(12);
    expect(manifests[0].lineOf(['spec', 'http', 0, 'route', 1])).toBe(11);
    // A path that does not exist falls back to its nearest existing ancestor.
    expect(manifests[0].lineOf(['spec', 'http', 0, 'timeout'])).toBe(8);
  });

  it('reports a broken document with its line and keeps the good ones', () => {
    const text = [
      'kind: Namespace',
      'apiVersion: v1',
      'metadata: {name: a}',
      '---',
      'kind: A',
      'kind: B',
      '---',
      '- a list',
    ].join('\n');
    const { manifests, errors } = parseManifests(text, 'mixed.yaml');
    expect(manifests).toHaveLength(1);
    expect(errors.map((e) => e.source.line)).toEqual([6, 8]);
    expect(errors[0].message).toBe('duplicated mapping key');
    expect(errors[1].message).toBe('a manifest must be a mapping with apiVersion, kind and metadata');
  });

  it('keeps timestamps and version-like values as strings (YAML 1.2 core schema)', () => {
    const text =
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  creationTimestamp: 2024-01-02T03:04:05Z\n  labels: {v: "1.0", on: yes}\n';
    const [m] = parseManifests(text, 'ns.yaml').manifests;
    expect(m.object.metadata).toEqual({
      name: 'a',
      creationTimestamp: '2024-01-02T03:04:05Z',
      labels: { v: '1.0', on: 'yes' },
    });
  });

  it('reads content on a --- line and stops a document at ...', () => {
    const text = [
      '--- {apiVersion: v1, kind: Namespace, metadata: {name: a}}',
      '...',
      '# trailing comment',
      '--- ',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: {name: b}',
    ].join('\n');
    const { manifests, errors } = parseManifests(text, 's.yaml');
    expect(errors).toEqual([]);
    expect(manifests.map((m) => [(m.object.metadata as { name: string }).name, m.source.line])).toEqual([
      ['a', 1],
      ['b', 5],
    ]);
    expect(manifests[1].lineOf(['metadata', 'name'])).toBe(7);
  });

  it('expands a kind: List', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n';
    const { manifests } = parseManifests(text, 'list.yaml');
    expect(manifests.map((m) => [m.object.kind, m.source.line])).toEqual([['Namespace', 4]]);
  });

  it('reads all of Bookinfo as Configs', () => {
    const file = join(corpus, 'bookinfo', 'platform', 'kube', 'bookinfo.yaml');
    const { manifests, errors } = parseManifests(readFileSync(file, 'utf8'), file);
    expect(errors).toEqual([]);
    const results = manifests.map((m) => configFromManifest(m));
    const kinds = results.map((r) => (r.ok ? r.config.kind : 'error'));
    // Deployments and ServiceAccounts are not kinds the mesh reads; they are reported, not lost.
    expect(kinds.filter((k) => k === 'Service')).toHaveLength(4);
    const rejected = results.filter((r) => !r.ok);
    expect(rejected.length).toBe(kinds.filter((k) => k === 'error').length);
  });
});

describe('configFromManifest', () => {
  it('defaults the namespace and keeps the source', () => {
    const { manifests } = parseManifests(
      'apiVersion: networking.istio.io/v1alpha3\nkind: Gateway\nmetadata: {name: gw}\nspec: {}\n',
      'gw.yaml',
    );
    const result = configFromManifest(manifests[0], { defaultNamespace: 'istio-system' });
    expect(result).toEqual({
      ok: true,
      config: expect.objectContaining({
        kind: 'Gateway',
        version: 'v1alpha3',
        namespace: 'istio-system',
        name: 'gw',
        source: { file: 'gw.yaml', line: 1 },
      }),
    });
  });

  it('carries the creation and deletion timestamps of a terminating object, and leaves them out when absent', () => {
    const terminating = configFromObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'reviews-v1-0',
        namespace: 'default',
        creationTimestamp: '2026-01-02T03:04:05Z',
        deletionTimestamp: '2026-01-02T04:00:00Z',
      },
      spec: { containers: [{ name: 'app' }] },
    });
    expect(terminating).toMatchObject({
      ok: true,
      config: { creationTimestamp: '2026-01-02T03:04:05Z', deletionTimestamp: '2026-01-02T04:00:00Z' },
    });
    const running = configFromObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} });
    expect(running.ok && Object.keys(running.config)).not.toContain('deletionTimestamp');
    expect(running.ok && Object.keys(running.config)).toContain('name');
  });

  it('names the resource, the field and the line of what is wrong', () => {
    const text = 'apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata:\n  name: Bad_Name\n';
    const { manifests } = parseManifests(text, 'bad.yaml');
    const result = configFromManifest(manifests[0]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map(formatIssue)).toEqual([
      'VirtualService Bad_Name bad.yaml:1: apiVersion: VirtualService does not have version "v2" (accepted: v1, v1beta1, v1alpha3)',
    ]);
    const named = configFromManifest(parseManifests(text.replace('/v2', '/v1'), 'bad.yaml').manifests[0]);
    expect(named.ok ? [] : named.issues.map(formatIssue)).toEqual([
      'VirtualService Bad_Name bad.yaml:4: metadata.name: "Bad_Name" is not a valid name (lower-case DNS-1123 subdomain)',
    ]);
  });
});

describe('formatPath', () => {
  it('writes indexes in brackets and quotes keys that are not identifiers', () => {
    expect(formatPath(['spec', 'http', 0, 'route', 1, 'weight'])).toBe('spec.http[0].route[1].weight');
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe(
      'metadata.labels["app.kubernetes.io/name"]',
    );
  });
});
