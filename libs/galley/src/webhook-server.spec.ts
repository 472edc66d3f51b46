/**
 * The webhook over real HTTPS: a throwaway CA and server certificate made with openssl, the server
 * on a free port, and Node's https client trusting only that CA, sending what the API server sends.
 */
import { parseManifests } from '@mesh/config-model';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { validateAdmissionObject } from './admission-validator';
import { createValidationWebhook, type ValidationWebhook, type WebhookLog } from './webhook-server';
import { makeTestCertificates, type TestCertificates } from '@mesh/testing';

const bookinfo = join(process.cwd(), '..', 'shared', 'istio-corpus', 'samples', 'bookinfo', 'networking');

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  json(): Record<string, unknown>;
}

let certs: TestCertificates;
let webhook: ValidationWebhook;
let port: number;
const logLines: string[] = [];
const log: WebhookLog = {
  info: (message) => logLines.push(`info ${message}`),
  warn: (message) => logLines.push(`warn ${message}`),
  error: (message) => logLines.push(`error ${message}`),
};

function send(
  path: string,
  body: string | Buffer,
  options: { contentType?: string; method?: string; trustCa?: boolean } = {},
): Promise<Reply> {
  const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(body) };
  if (options.contentType !== '') headers['content-type'] = options.contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path,
        method: options.method ?? 'POST',
        headers,
        ca: options.trustCa === false ? undefined : certs.caCert,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function review(operation: string, object: Record<string, unknown> | null, uid = `uid-${operation.toLowerCase()}`) {
  const [group, version] = String(object?.apiVersion ?? 'networking.istio.io/v1').split('/');
  const kind = String(object?.kind ?? 'VirtualService');
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group, version, kind },
      resource: { group, version, resource: `${kind.toLowerCase()}s` },
      name: 'reviews',
      namespace: 'default',
      operation,
      userInfo: { username: 'kubernetes-admin' },
      object: operation === 'DELETE' ? null : object,
      oldObject: operation === 'DELETE' ? object : null,
      dryRun: false,
    },
  };
}

function corpusObject(file: string): Record<string, unknown> {
  const path = join(bookinfo, file);
  const { manifests, errors } = parseManifests(readFileSync(path, 'utf8'), path);
  expect(errors).toEqual([]);
  return manifests[0].object;
}

/** Bookinfo's 80/20 split with the second weight changed. */
function reviewsWithSecondWeight(weight: number): Record<string, unknown> {
  const object = structuredClone(corpusObject('virtual-service-reviews-80-20.yaml'));
  const spec = object.spec as { http: Array<{ route: Array<{ weight: number }> }> };
  expect(spec.http[0].route.map((r) => r.weight)).toEqual([80, 20]);
  spec.http[0].route[1].weight = weight;
  return object;
}

beforeAll(async () => {
  certs = makeTestCertificates();
  webhook = createValidationWebhook({
    tls: { cert: certs.serverCert, key: certs.serverKey },
    validate: validateAdmissionObject,
    port: 0,
    host: '127.0.0.1',
    log,
  });
  port = (await webhook.listen()).port;
});

afterAll(async () => {
  await webhook?.close();
  certs?.remove();
});

beforeEach(() => {
  logLines.length = 0;
});

describe('validation webhook over HTTPS', () => {
  it('allows Bookinfo virtual-service-reviews-80-20.yaml', async () => {
    const reply = await send(
      '/validate',
      JSON.stringify(review('CREATE', corpusObject('virtual-service-reviews-80-20.yaml'))),
    );
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^application\/json/);
    expect(reply.json()).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'uid-create', allowed: true },
    });
    expect(logLines).toEqual([]);
  });

  it('denies a negative weight, naming the resource and the field path', async () => {
    const reply = await send('/validate', JSON.stringify(review('UPDATE', reviewsWithSecondWeight(-10), 'uid-neg')));
    expect(reply.status).toBe(200);
    const response = reply.json().response as Record<string, unknown>;
    expect(response).toMatchObject({ uid: 'uid-neg', allowed: false, status: { code: 400, status: 'Failure' } });
    const status = response.status as { message: string; details: { causes: Array<{ field: string }> } };
    expect(status.message).toMatch(
      /^configuration is invalid: VirtualService default\/reviews: spec\.http\[0\]\.route\[1\]\.weight: /,
    );
    expect(status.details.causes.map((c) => c.field)).toEqual(['spec.http[0].route[1].weight']);
    expect(logLines).toEqual([
      expect.stringMatching(/^info denied VirtualService default\/reviews \(UPDATE, uid uid-neg\)/),
    ]);
  });

  it('allows weights that add up to 90 with a warning naming the field (Istio splits in proportion)', async () => {
    const reply = await send('/validate', JSON.stringify(review('CREATE', reviewsWithSecondWeight(10), 'uid-90')));
    const response = reply.json().response as { uid: string; allowed: boolean; warnings: string[] };
    expect(response).toMatchObject({ uid: 'uid-90', allowed: true });
    expect(response.warnings).toEqual([
      expect.stringMatching(/^VirtualService default\/reviews: spec\.http\[0\]\.route: .*90/),
    ]);
  });

  it('denies a route whose regex RE2 rejects, naming the field', async () => {
    const object = structuredClone(corpusObject('virtual-service-reviews-jason-v2-v3.yaml'));
    const match = (object.spec as { http: Array<{ match: Array<Record<string, unknown>> }> }).http[0].match[0];
    match.uri = { regex: '/api/(?=v1)' };
    const reply = await send('/validate', JSON.stringify(review('CREATE', object, 'uid-regex')));
    const response = reply.json().response as { allowed: boolean; status: { message: string } };
    expect(response.allowed).toBe(false);
    expect(response.status.message).toContain('spec.http[0].match[0].uri.regex');
  });

  it('allows a DELETE, even of an object that would not validate', async () => {
    const reply = await send('/validate', JSON.stringify(review('DELETE', reviewsWithSecondWeight(-10))));
    expect(reply.status).toBe(200);
    expect(reply.json().response).toEqual({ uid: 'uid-delete', allowed: true });
  });

  it('allows kinds the mesh does not validate', async () => {
    const envoyFilter = { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name: 'f' } };
    const reply = await send('/validate', JSON.stringify(review('CREATE', envoyFilter, 'uid-ef')));
    expect(reply.json().response).toEqual({ uid: 'uid-ef', allowed: true });
  });

  it.each([
    ['a body that is not JSON', '{"apiVersion": "admission.k8s.io/v1", kind', /JSON/],
    ['JSON that is not an AdmissionReview', '[1, 2, 3]', /^not an AdmissionReview: body must be a JSON object/],
    [
      'an admission.k8s.io/v1beta1 review',
      JSON.stringify({ ...review('CREATE', null), apiVersion: 'admission.k8s.io/v1beta1' }),
      /^not an AdmissionReview: apiVersion: must be "admission.k8s.io\/v1"/,
    ],
    [
      'a review without request.uid',
      JSON.stringify({ ...review('CREATE', null), request: { ...review('CREATE', null).request, uid: undefined } }),
      /^not an AdmissionReview: request\.uid: is required$/,
    ],
    ['an empty body', '', /^no body found$/],
  ])('answers %s with 400, a JSON error and one log line', async (_name, body, message) => {
    const reply = await send('/validate', body);
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({ code: 400, error: 'Bad Request', message: expect.stringMatching(message) });
    expect(logLines).toEqual([expect.stringMatching(/^warn POST \/validate from 127\.0\.0\.1: 400 /)]);
  });

  it('answers a content type other than application/json with 415', async () => {
    const body = JSON.stringify(review('CREATE', corpusObject('virtual-service-reviews-80-20.yaml')));
    for (const contentType of ['text/plain', 'application/yaml', '']) {
      const reply = await send('/validate', body, { contentType });
      expect([contentType, reply.status]).toEqual([contentType, 415]);
      expect(reply.json()).toMatchObject({ code: 415, message: 'invalid Content-Type, want application/json' });
    }
    expect(logLines).toHaveLength(3);
  });

  it('accepts application/json with a charset parameter', async () => {
    const body = JSON.stringify(review('CREATE', corpusObject('virtual-service-reviews-80-20.yaml')));
    const reply = await send('/validate', body, { contentType: 'application/json; charset=utf-8' });
    expect(reply.json().response).toEqual({ uid: 'uid-create', allowed: true });
  });

  it('refuses a body over 6 MiB with 413', async () => {
    const huge = JSON.stringify({ ...review('CREATE', null), padding: 'x'.repeat(6 * 1024 * 1024) });
    const reply = await send('/validate', huge);
    expect(reply.status).toBe(413);
    expect(reply.json()).toMatchObject({ code: 413, message: 'request body is larger than 6291456 bytes' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const reply = await send('/inject', '{}');
    expect(reply.status).toBe(404);
    expect(reply.json()).toMatchObject({ code: 404, message: 'no route POST /inject' });
  });

  it('keeps answering after the bad requests: /ready and a valid review', async () => {
    const ready = await send('/ready', '', { method: 'GET', contentType: '' });
    expect([ready.status, ready.body]).toEqual([200, 'ok\n']);
    const reply = await send(
      '/validate/',
      JSON.stringify(review('CREATE', corpusObject('virtual-service-all-v1.yaml'))),
    );
    expect(reply.json().response).toEqual({ uid: 'uid-create', allowed: true });
  });

  it('is real TLS: a client that does not trust the CA is refused', async () => {
    await expect(send('/ready', '', { method: 'GET', contentType: '', trustCa: false })).rejects.toMatchObject({
      code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/),
    });
  });
});
