import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config';
import { configFromManifest } from './from-manifest';
import {
  labelSelectorMatches,
  type LabelSelector,
  type LabelSelectorOperator,
  policySelectsWorkload,
  selectorMatches,
  serviceSelectorMatches,
  workloadSelectorOf,
} from './labels';
import { parseManifests } from './manifest';
import { isConfigOfKind } from './types/spec-of';

function configs(text: string): Config[] {
  return parseManifests(text, 'test.yaml').manifests.map((m) => {
    const result = configFromManifest(m);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.config;
  });
}

const reviewsV1 = { app: 'reviews', version: 'v1' };

describe('selectorMatches (Istio selectors)', () => {
  it('needs every listed label with the same value', () => {
    expect(selectorMatches({ app: 'reviews' }, reviewsV1)).toBe(true);
    expect(selectorMatches({ app: 'reviews', version: 'v1' }, reviewsV1)).toBe(true);
    expect(selectorMatches({ app: 'reviews', version: 'v2' }, reviewsV1)).toBe(false);
    expect(selectorMatches({ app: 'reviews', tier: 'backend' }, reviewsV1)).toBe(false);
  });

  it('selects every workload when empty or absent', () => {
    expect(selectorMatches(undefined, reviewsV1)).toBe(true);
    expect(selectorMatches({}, {})).toBe(true);
  });

  it('does not treat inherited object properties as labels', () => {
    expect(selectorMatches({ toString: 'x' }, {})).toBe(false);
  });
});

describe('labelSelectorMatches (Kubernetes LabelSelector)', () => {
  const labels = { app: 'reviews', version: 'v1', tier: 'backend' };
  const expr = (operator: LabelSelectorOperator, key: string, values?: string[]): LabelSelector => ({
    matchExpressions: [{ key, operator, ...(values ? { values } : {}) }],
  });

  it('selects nothing when absent and everything when empty', () => {
    expect(labelSelectorMatches(undefined, labels)).toBe(false);
    expect(labelSelectorMatches(null, labels)).toBe(false);
    expect(labelSelectorMatches({}, labels)).toBe(true);
  });

  it.each([
    [expr('In', 'version', ['v1', 'v2']), true],
    [expr('In', 'version', ['v2', 'v3']), false],
    [expr('In', 'zone', ['a']), false],
    [expr('NotIn', 'version', ['v2']), true],
    [expr('NotIn', 'version', ['v1']), false],
    [expr('NotIn', 'zone', ['a']), true],
    [expr('Exists', 'tier'), true],
    [expr('Exists', 'zone'), false],
    [expr('DoesNotExist', 'zone'), true],
    [expr('DoesNotExist', 'tier'), false],
  ])('%j → %s', (selector, expected) => {
    expect(labelSelectorMatches(selector, labels)).toBe(expected);
  });

  it('ANDs matchLabels and every expression', () => {
    const selector: LabelSelector = {
      matchLabels: { app: 'reviews' },
      matchExpressions: [
        { key: 'version', operator: 'In', values: ['v1', 'v2'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };
    expect(labelSelectorMatches(selector, labels)).toBe(true);
    expect(labelSelectorMatches(selector, { ...labels, canary: 'true' })).toBe(false);
    expect(labelSelectorMatches(selector, { ...labels, app: 'ratings' })).toBe(false);
  });

  it('never widens a selection on an operator it does not know', () => {
    const bad = { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] } as unknown as LabelSelector;
    expect(labelSelectorMatches(bad, labels)).toBe(false);
  });
});

describe('serviceSelectorMatches', () => {
  it('picks the pods of Bookinfo services and none for a selector-less service', () => {
    const file = join(
      process.cwd(),
      '..',
      'shared',
      'istio-corpus',
      'samples',
      'bookinfo',
      'platform',
      'kube',
      'bookinfo.yaml',
    );
    // Deployments and ServiceAccounts are not kinds the mesh reads: keep what converts.
    const all = parseManifests(readFileSync(file, 'utf8'), file).manifests.flatMap((m) => {
      const result = configFromManifest(m);
      return result.ok ? [result.config] : [];
    });
    const reviews = all.find((c) => c.name === 'reviews' && isConfigOfKind(c, 'Service'));
    if (!reviews || !isConfigOfKind(reviews, 'Service')) throw new Error('no reviews Service');
    expect(serviceSelectorMatches(reviews.spec.selector, { app: 'reviews', version: 'v3' })).toBe(true);
    expect(serviceSelectorMatches(reviews.spec.selector, { app: 'ratings', version: 'v1' })).toBe(false);
    expect(serviceSelectorMatches(undefined, reviewsV1)).toBe(false);
    expect(serviceSelectorMatches({}, reviewsV1)).toBe(false);
  });
});

describe('workloadSelectorOf', () => {
  const all = configs(
    [
      'apiVersion: networking.istio.io/v1',
      'kind: Gateway',
      'metadata: {name: gw, namespace: istio-system}',
      'spec: {selector: {istio: ingressgateway}}',
      '---',
      'apiVersion: networking.istio.io/v1',
      'kind: Sidecar',
      'metadata: {name: sc, namespace: prod}',
      'spec: {workloadSelector: {labels: {app: ratings}}}',
      '---',
      'apiVersion: networking.istio.io/v1',
      'kind: DestinationRule',
      'metadata: {name: dr, namespace: prod}',
      'spec: {host: reviews, workloadSelector: {matchLabels: {app: productpage}}}',
      '---',
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: {name: ap, namespace: prod}',
      'spec: {selector: {matchLabels: {app: httpbin}}}',
      '---',
      'apiVersion: telemetry.istio.io/v1',
      'kind: Telemetry',
      'metadata: {name: t, namespace: prod}',
      'spec: {}',
      '---',
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata: {name: vs, namespace: prod}',
      'spec: {hosts: [reviews]}',
      '---',
      'apiVersion: security.istio.io/v1',
      'kind: PeerAuthentication',
      'metadata: {name: broken, namespace: prod}',
      'spec: {selector: {matchLabels: {app: [not, a, string]}}}',
    ].join('\n'),
  );

  it('reads the selector where each kind keeps it', () => {
    expect(all.map((c) => [c.kind, workloadSelectorOf(c)]).slice(0, 6)).toEqual([
      ['Gateway', { istio: 'ingressgateway' }],
      ['Sidecar', { app: 'ratings' }],
      ['DestinationRule', { app: 'productpage' }],
      ['AuthorizationPolicy', { app: 'httpbin' }],
      ['Telemetry', undefined],
      ['VirtualService', undefined],
    ]);
  });

  it('makes a malformed label value match nothing rather than everything', () => {
    const broken = all[6];
    expect(selectorMatches(workloadSelectorOf(broken), { app: 'not,a,string' })).toBe(false);
    expect(selectorMatches(workloadSelectorOf(broken), {})).toBe(false);
  });
});

describe('policySelectsWorkload', () => {
  const policies = configs(
    [
      'apiVersion: security.istio.io/v1',
      'kind: PeerAuthentication',
      'metadata: {name: default, namespace: istio-system}',
      'spec: {mtls: {mode: STRICT}}',
      '---',
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: {name: httpbin-only, namespace: foo}',
      'spec: {selector: {matchLabels: {app: httpbin}}}',
      '---',
      'apiVersion: security.istio.io/v1',
      'kind: RequestAuthentication',
      'metadata: {name: on-gateway, namespace: foo}',
      'spec: {targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}}',
      '---',
      'apiVersion: networking.istio.io/v1',
      'kind: Sidecar',
      'metadata: {name: default, namespace: foo}',
      'spec: {}',
    ].join('\n'),
  );
  const [meshWide, httpbinOnly, onGateway, sidecar] = policies;
  const httpbin = { namespace: 'foo', labels: { app: 'httpbin' } };
  const curl = { namespace: 'bar', labels: { app: 'curl' } };

  it('applies root-namespace policies to the whole mesh', () => {
    expect(policySelectsWorkload(meshWide, httpbin, 'istio-system')).toBe(true);
    expect(policySelectsWorkload(meshWide, curl, 'istio-system')).toBe(true);
    // With another root namespace it is an ordinary namespace policy.
    expect(policySelectsWorkload(meshWide, curl, 'mesh-root')).toBe(false);
  });

  it('applies namespace policies to matching workloads of their namespace only', () => {
    expect(policySelectsWorkload(httpbinOnly, httpbin, 'istio-system')).toBe(true);
    expect(policySelectsWorkload(httpbinOnly, { namespace: 'foo', labels: { app: 'curl' } }, 'istio-system')).toBe(
      false,
    );
    expect(policySelectsWorkload(httpbinOnly, { namespace: 'bar', labels: { app: 'httpbin' } }, 'istio-system')).toBe(
      false,
    );
  });

  it('does not apply targetRef policies or non-policy kinds by labels', () => {
    expect(policySelectsWorkload(onGateway, httpbin, 'istio-system')).toBe(false);
    expect(policySelectsWorkload(sidecar, httpbin, 'istio-system')).toBe(false);
  });
});
