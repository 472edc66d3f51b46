import type { ConfigIssue } from '@mesh/config-model';
import type { AdmissionRequest } from './admission-review';
import { reviewAdmission, type AdmissionValidation, type AdmissionValidator } from './admission';

const virtualService = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews' },
  spec: { hosts: ['reviews'] },
};

function request(changes: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'uid-1',
    kind: { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' },
    namespace: 'default',
    operation: 'CREATE',
    object: virtualService,
    dryRun: false,
    ...changes,
  };
}

/** A validator that records its calls and answers what the test says. */
function validator(answer: AdmissionValidation): AdmissionValidator & { calls: Array<[unknown, string]> } {
  const calls: Array<[unknown, string]> = [];
  const validate = (object: Record<string, unknown>, namespace: string) => {
    calls.push([object, namespace]);
    return answer;
  };
  return Object.assign(validate, { calls });
}

const weightError: ConfigIssue = {
  severity: 'error',
  path: ['spec', 'http', 0, 'route', 1, 'weight'],
  message: 'total weight of the route is 90, must be 100',
};

describe('reviewAdmission', () => {
  it('allows a valid object, passing it and the request namespace to the validator', () => {
    const validate = validator({ errors: [], warnings: [] });
    const decision = reviewAdmission(request(), validate);
    expect(decision.response).toEqual({ uid: 'uid-1', allowed: true });
    expect(decision.outcome).toBe('allowed');
    expect(validate.calls).toEqual([[virtualService, 'default']]);
  });

  it('denies with every error, the resource and the field path, as Istio words it', () => {
    const second: ConfigIssue = { severity: 'error', path: ['spec', 'hosts', 0], message: 'must not be empty' };
    const decision = reviewAdmission(request(), validator({ errors: [weightError, second], warnings: [] }));
    expect(decision.outcome).toBe('denied');
    expect(decision.response).toEqual({
      uid: 'uid-1',
      allowed: false,
      status: {
        status: 'Failure',
        code: 400,
        reason: 'BadRequest',
        message:
          'configuration is invalid: VirtualService default/reviews: spec.http[0].route[1].weight: total weight of the route is 90, must be 100; ' +
          'VirtualService default/reviews: spec.hosts[0]: must not be empty',
        details: {
          name: 'reviews',
          group: 'networking.istio.io',
          kind: 'VirtualService',
          causes: [
            {
              reason: 'FieldValueInvalid',
              field: 'spec.http[0].route[1].weight',
              message: 'total weight of the route is 90, must be 100',
            },
            { reason: 'FieldValueInvalid', field: 'spec.hosts[0]', message: 'must not be empty' },
          ],
        },
      },
    });
    expect(decision.summary).toContain('denied VirtualService default/reviews (CREATE, uid uid-1)');
  });

  it('keeps a resource the validator named, adding the namespace it could not know', () => {
    const named: ConfigIssue = { ...weightError, resource: { kind: 'VirtualService', namespace: '', name: 'reviews' } };
    const decision = reviewAdmission(request(), validator({ errors: [named], warnings: [] }));
    expect(decision.response.status?.message).toMatch(/^configuration is invalid: VirtualService default\/reviews: /);
  });

  it('returns warnings on allowed and denied objects, without a severity prefix', () => {
    const warning: ConfigIssue = { severity: 'warning', path: ['spec', 'exportTo'], message: 'exported nowhere' };
    const allowed = reviewAdmission(request(), validator({ errors: [], warnings: [warning] }));
    expect(allowed.response).toEqual({
      uid: 'uid-1',
      allowed: true,
      warnings: ['VirtualService default/reviews: spec.exportTo: exported nowhere'],
    });
    const denied = reviewAdmission(request(), validator({ errors: [weightError], warnings: [warning] }));
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.warnings).toEqual(['VirtualService default/reviews: spec.exportTo: exported nowhere']);
  });

  it('allows DELETE and CONNECT without calling the validator', () => {
    const validate = validator({ errors: [weightError], warnings: [] });
    for (const operation of ['DELETE', 'CONNECT'] as const) {
      const decision = reviewAdmission(request({ operation, object: undefined, oldObject: virtualService }), validate);
      expect(decision.response).toEqual({ uid: 'uid-1', allowed: true });
      expect(decision.outcome).toBe('skipped');
    }
    expect(validate.calls).toEqual([]);
  });

  it('allows kinds the mesh does not validate', () => {
    const validate = validator({ errors: [weightError], warnings: [] });
    const kinds = [
      { group: 'networking.istio.io', version: 'v1alpha3', kind: 'EnvoyFilter' },
      { group: '', version: 'v1', kind: 'Service' },
      { group: 'networking.istio.io', version: 'v2', kind: 'VirtualService' },
    ];
    for (const kind of kinds) {
      expect(reviewAdmission(request({ kind }), validate).response).toEqual({ uid: 'uid-1', allowed: true });
    }
    expect(validate.calls).toEqual([]);
  });

  it('validates every version the registry lists', () => {
    const validate = validator({ errors: [weightError], warnings: [] });
    for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
      const kind = { group: 'networking.istio.io', version, kind: 'VirtualService' };
      expect(reviewAdmission(request({ kind }), validate).response.allowed).toBe(false);
    }
    expect(validate.calls).toHaveLength(3);
  });

  it('denies a CREATE that carries no object', () => {
    const decision = reviewAdmission(
      request({ object: undefined, name: 'reviews' }),
      validator({ errors: [], warnings: [] }),
    );
    expect(decision.response.allowed).toBe(false);
    expect(decision.response.status?.message).toBe(
      'configuration is invalid: VirtualService default/reviews: request.object is required for CREATE',
    );
  });

  it('turns a validator that throws into a denial with code 500 instead of a crash', () => {
    const decision = reviewAdmission(request(), () => {
      throw new Error('boom');
    });
    expect(decision.outcome).toBe('failed');
    expect(decision.response).toMatchObject({
      uid: 'uid-1',
      allowed: false,
      status: {
        code: 500,
        reason: 'InternalError',
        message: 'internal error validating VirtualService default/reviews: boom',
      },
    });
  });
});
