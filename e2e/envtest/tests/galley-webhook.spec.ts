/**
 * Galley's validating webhook (@mesh/galley) called by a real kube-apiserver: the webhook runs
 * in-process on 127.0.0.1 with the envtest webhook certificate, registered with the configuration
 * of deploy/validating-webhook.yaml, only clientConfig changed (a URL instead of the istiod Service,
 * and the envtest CA as caBundle, which istiod patches in at runtime).
 */
import {
  AdmissionregistrationV1Api,
  CustomObjectsApi,
  loadYaml,
  type KubernetesObject,
  type V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { createValidationWebhook, validateAdmissionObject, type ValidationWebhook } from '@mesh/galley';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyCrds } from '../harness/crds';
import { Envtest, workspaceRoot } from '../harness/envtest';
import { virtualService, withSpec } from '../harness/fixtures';
import { createNamespace, expectApiError, isApiError, statusMessage, warningTexts } from '../harness/kube';
import { waitFor } from '../harness/wait';

const NS = 'galley';
const vsTarget = { group: 'networking.istio.io', version: 'v1', namespace: NS, plural: 'virtualservices' };
/** Denials of this webhook, as the API server words them. */
const DENIED = 'admission webhook "validation.istio.io" denied the request: configuration is invalid: ';

let envtest: Envtest;
let webhook: ValidationWebhook;
let custom: CustomObjectsApi;
let admission: AdmissionregistrationV1Api;
/** The webhook's own log lines (it logs denials and problems, not what it allows). */
const webhookLog: string[] = [];
/** Every review the API server sent, as `OPERATION namespace/name allowed|denied`. */
const reviews: string[] = [];

const lookBehind = {
  hosts: ['ratings'],
  http: [{ match: [{ uri: { regex: '(?<=/api)/v1' } }], route: [{ destination: { host: 'ratings' } }] }],
};

/** deploy/validating-webhook.yaml, pointed at our webhook. */
function webhookConfiguration(port: number, operations?: string[]): V1ValidatingWebhookConfiguration {
  const file = join(workspaceRoot, 'deploy', 'validating-webhook.yaml');
  const configuration = loadYaml<V1ValidatingWebhookConfiguration>(readFileSync(file, 'utf8'));
  const caBundle = Buffer.from(envtest.caPem()).toString('base64');
  for (const hook of configuration.webhooks ?? []) {
    hook.clientConfig = { url: `https://127.0.0.1:${port}/validate`, caBundle };
    if (operations) for (const rule of hook.rules ?? []) rule.operations = operations;
  }
  return configuration;
}

beforeAll(async () => {
  envtest = await Envtest.start();
  await applyCrds(envtest.kubeConfig);
  await createNamespace(envtest.kubeConfig, NS);
  custom = envtest.kubeConfig.makeApiClient(CustomObjectsApi);
  admission = envtest.kubeConfig.makeApiClient(AdmissionregistrationV1Api);

  webhook = createValidationWebhook({
    tls: {
      cert: readFileSync(envtest.env.webhookCertFile, 'utf8'),
      key: readFileSync(envtest.env.webhookKeyFile, 'utf8'),
    },
    validate: validateAdmissionObject,
    host: '127.0.0.1',
    port: 0,
    log: {
      info: (line) => webhookLog.push(line),
      warn: (line) => webhookLog.push(`warn: ${line}`),
      error: (line) => webhookLog.push(`error: ${line}`),
    },
  });
  webhook.server.addHook('onSend', async (request, _reply, payload) => {
    reviews.push(describeReview(request.body, payload));
    return payload;
  });
  const { port } = await webhook.listen();
  await admission.createValidatingWebhookConfiguration({ body: webhookConfiguration(port) });
  // The API server picks the configuration up asynchronously: probe with a dry run until denied.
  await waitFor('the API server to call the webhook', async () => {
    try {
      const body = virtualService(NS, 'probe', lookBehind);
      await custom.createNamespacedCustomObject({ ...vsTarget, body, dryRun: 'All' });
      return false;
    } catch (error) {
      if (isApiError(error, 400) && statusMessage(error).startsWith(DENIED)) return true;
      throw error;
    }
  });
});

afterAll(async () => {
  await webhook?.close();
  await envtest?.stop();
});

it('admits a valid VirtualService (the API server asked the webhook)', async () => {
  const created = (await custom.createNamespacedCustomObject({
    ...vsTarget,
    body: virtualService(NS, 'valid'),
  })) as KubernetesObject;
  expect(created.metadata?.resourceVersion).toBeTruthy();
  expect(reviews.filter((r) => r.includes(`${NS}/valid `))).toEqual([`CREATE ${NS}/valid allowed`]);
});

it('denies an invalid VirtualService; the API server error carries the resource and field path', async () => {
  const error = await expectApiError(() =>
    custom.createNamespacedCustomObject({ ...vsTarget, body: virtualService(NS, 'bad-regex', lookBehind) }),
  );
  expect(error.code).toBe(400);
  expect(error.message).toMatch(
    new RegExp(`^${escape(DENIED)}VirtualService ${NS}/bad-regex: spec\\.http\\[0\\]\\.match\\[0\\]\\.uri\\.regex: .+`),
  );
  // Not stored.
  const lookup = await expectApiError(() => custom.getNamespacedCustomObject({ ...vsTarget, name: 'bad-regex' }));
  expect(lookup.code).toBe(404);
});

it('denies an UPDATE that makes a stored VirtualService invalid, and keeps the stored version', async () => {
  const created = (await custom.createNamespacedCustomObject({
    ...vsTarget,
    body: virtualService(NS, 'to-break'),
  })) as KubernetesObject;
  const error = await expectApiError(() =>
    custom.replaceNamespacedCustomObject({ ...vsTarget, name: 'to-break', body: withSpec(created, lookBehind) }),
  );
  expect(error.message).toContain(`${DENIED}VirtualService ${NS}/to-break: spec.http[0].match[0].uri.regex: `);
  const stored = (await custom.getNamespacedCustomObject({ ...vsTarget, name: 'to-break' })) as KubernetesObject;
  expect(stored.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
});

it('returns validation warnings as Warning headers of an accepted request', async () => {
  const spec = {
    hosts: ['reviews'],
    http: [
      {
        route: [
          { destination: { host: 'reviews', subset: 'v1' }, weight: 30 },
          { destination: { host: 'reviews', subset: 'v2' }, weight: 30 },
        ],
      },
    ],
  };
  const response = await custom.createNamespacedCustomObjectWithHttpInfo({
    ...vsTarget,
    body: virtualService(NS, 'warned', spec),
  });
  expect(response.httpStatusCode).toBe(201);
  expect(warningTexts(response.headers['warning'])).toEqual([
    `VirtualService ${NS}/warned: spec.http[0].route: weights sum to 60, not 100: traffic is split in proportion to them`,
  ]);
});

it('allows DELETE, also when the configuration sends DELETEs to the webhook', async () => {
  // As deployed (CREATE and UPDATE only), a delete does not involve the webhook.
  await custom.deleteNamespacedCustomObject({ ...vsTarget, name: 'valid' });

  // With DELETE added to the rules, the API server sends deletes (object null, oldObject set) and
  // the webhook must allow them, whatever the old object holds.
  const { port } = webhook.server.server.address() as { port: number };
  const current = await admission.readValidatingWebhookConfiguration({ name: 'istio-validator-istio-system' });
  const withDelete = webhookConfiguration(port, ['CREATE', 'UPDATE', 'DELETE']);
  withDelete.metadata = { ...withDelete.metadata, resourceVersion: current.metadata?.resourceVersion };
  await admission.replaceValidatingWebhookConfiguration({ name: 'istio-validator-istio-system', body: withDelete });

  let attempt = 0;
  await waitFor('a DELETE to reach the webhook', async () => {
    const name = `delete-me-${++attempt}`;
    await custom.createNamespacedCustomObject({ ...vsTarget, body: virtualService(NS, name) });
    await custom.deleteNamespacedCustomObject({ ...vsTarget, name }); // throws (fails the test) if refused
    return reviews.includes(`DELETE ${NS}/${name} allowed`);
  });
  expect(webhookLog.filter((l) => l.startsWith('error') || l.startsWith('warn'))).toEqual([]);
});

/** `CREATE galley/reviews allowed` from an AdmissionReview request and the webhook's answer. */
function describeReview(body: unknown, payload: unknown): string {
  const request = (body as { request?: { operation?: string; namespace?: string; name?: string } } | undefined)
    ?.request;
  let verdict = 'no AdmissionReview answer';
  if (typeof payload === 'string') {
    try {
      const allowed = (JSON.parse(payload) as { response?: { allowed?: boolean } }).response?.allowed;
      if (typeof allowed === 'boolean') verdict = allowed ? 'allowed' : 'denied';
    } catch {
      // not JSON: leave the verdict as unknown
    }
  }
  return `${request?.operation ?? '?'} ${request?.namespace ?? '?'}/${request?.name ?? '?'} ${verdict}`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
