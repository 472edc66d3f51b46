import { formatIssue } from '@mesh/config-model';
import { validateAdmissionObject } from './admission-validator';

const virtualService = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews' },
  spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] },
};

describe('validateAdmissionObject', () => {
  it('accepts a valid object, naming it in the request namespace', () => {
    expect(validateAdmissionObject(virtualService, 'default')).toEqual({ errors: [], warnings: [] });
  });

  it('reports envelope errors with their field', () => {
    const { errors } = validateAdmissionObject({ ...virtualService, metadata: { name: 'Reviews_1' } }, 'default');
    expect(errors.map(formatIssue)).toEqual([
      'VirtualService Reviews_1: metadata.name: "Reviews_1" is not a valid name (lower-case DNS-1123 subdomain)',
    ]);
  });

  it('refuses top-level fields other than apiVersion, kind, metadata, spec and status, as Istio does', () => {
    const { errors } = validateAdmissionObject({ ...virtualService, specs: {} }, 'prod');
    expect(errors.map(formatIssue)).toEqual([
      'VirtualService prod/reviews: specs: unknown field "specs" (an Istio object has only apiVersion, kind, metadata, spec and status)',
    ]);
  });

  it('runs the per-kind rules of config-validation', () => {
    const spec = { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' }, weight: -1 }] }] };
    const { errors } = validateAdmissionObject({ ...virtualService, spec }, 'default');
    expect(errors.map((e) => e.path.join('.'))).toContain('spec.http.0.route.0.weight');
    expect(errors.every((e) => e.resource?.namespace === 'default')).toBe(true);
  });
});
