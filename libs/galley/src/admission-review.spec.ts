import { parseAdmissionReview } from './admission-review';

const valid = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' },
    resource: { group: 'networking.istio.io', version: 'v1', resource: 'virtualservices' },
    name: 'reviews',
    namespace: 'default',
    operation: 'CREATE',
    object: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews' } },
    oldObject: null,
    dryRun: false,
  },
};

function withRequest(changes: Record<string, unknown>): unknown {
  return { ...valid, request: { ...valid.request, ...changes } };
}

describe('parseAdmissionReview', () => {
  it('reads an admission.k8s.io/v1 review into a typed request', () => {
    const parsed = parseAdmissionReview(valid);
    expect(parsed).toEqual({
      ok: true,
      request: {
        uid: valid.request.uid,
        kind: valid.request.kind,
        resource: valid.request.resource,
        name: 'reviews',
        namespace: 'default',
        operation: 'CREATE',
        object: valid.request.object,
        dryRun: false,
      },
    });
  });

  it('accepts a DELETE without object and a cluster-scoped request without namespace', () => {
    const parsed = parseAdmissionReview(withRequest({ operation: 'DELETE', object: null, namespace: undefined }));
    expect(parsed.ok && parsed.request).toMatchObject({ operation: 'DELETE', namespace: '' });
    expect(parsed.ok && 'object' in parsed.request).toBe(false);
  });

  it.each([
    ['a JSON array', [valid], '', 'body must be a JSON object (an AdmissionReview)'],
    ['a string', 'hello', '', 'body must be a JSON object (an AdmissionReview)'],
    ['v1beta1', { ...valid, apiVersion: 'admission.k8s.io/v1beta1' }, 'apiVersion', 'must be "admission.k8s.io/v1"'],
    ['another kind', { ...valid, kind: 'Pod' }, 'kind', 'must be "AdmissionReview" (got "Pod")'],
    ['no request', { ...valid, request: undefined }, 'request', 'is required and must be an object'],
    ['no uid', withRequest({ uid: undefined }), 'request.uid', 'is required'],
    ['an empty uid', withRequest({ uid: '' }), 'request.uid', 'is required'],
    ['an unknown operation', withRequest({ operation: 'PATCH' }), 'request.operation', 'must be one of'],
    ['no kind', withRequest({ kind: undefined }), 'request.kind', 'must be an object with group, version and kind'],
    ['a kind without group', withRequest({ kind: { version: 'v1', kind: 'X' } }), 'request.kind', 'group and version'],
    ['a bad resource', withRequest({ resource: 'virtualservices' }), 'request.resource', 'must be an object'],
    ['a numeric namespace', withRequest({ namespace: 7 }), 'request.namespace', 'must be a string'],
    ['an object that is a list', withRequest({ object: [] }), 'request.object', 'must be an object'],
    ['a string dryRun', withRequest({ dryRun: 'true' }), 'request.dryRun', 'must be a boolean'],
  ])('refuses %s, naming the field', (_name, body, field, message) => {
    const parsed = parseAdmissionReview(body);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.field).toBe(field);
    expect(parsed.message).toContain(message);
  });
});
