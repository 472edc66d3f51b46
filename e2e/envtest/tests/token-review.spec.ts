/**
 * Service-account tokens against a real kube-apiserver: TokenRequest issues a bound token and
 * TokenReview authenticates it, as citadel will do for the tokens workloads send with their CSRs.
 */
import { AuthenticationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { Envtest } from '../harness/envtest';
import { createNamespace } from '../harness/kube';

const NS = 'citadel';
const AUDIENCE = 'istio-ca';

let envtest: Envtest;
let core: CoreV1Api;
let authentication: AuthenticationV1Api;

beforeAll(async () => {
  envtest = await Envtest.start();
  core = envtest.kubeConfig.makeApiClient(CoreV1Api);
  authentication = envtest.kubeConfig.makeApiClient(AuthenticationV1Api);
  await createNamespace(envtest.kubeConfig, NS);
});

afterAll(async () => {
  await envtest?.stop();
});

async function tokenFor(serviceAccount: string): Promise<string> {
  await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: serviceAccount } } });
  const request = await core.createNamespacedServiceAccountToken({
    namespace: NS,
    name: serviceAccount,
    body: { spec: { audiences: [AUDIENCE], expirationSeconds: 600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error('TokenRequest returned no token');
  return token;
}

async function review(token: string, audiences = [AUDIENCE]) {
  const answer = await authentication.createTokenReview({ body: { spec: { token, audiences } } });
  return answer.status ?? {};
}

it('authenticates a service-account token for its audience, and only for it', async () => {
  const token = await tokenFor('workload');

  const valid = await review(token);
  expect(valid.authenticated).toBe(true);
  expect(valid.audiences).toEqual([AUDIENCE]);
  expect(valid.user?.username).toBe(`system:serviceaccount:${NS}:workload`);
  expect(valid.user?.groups).toEqual(
    expect.arrayContaining(['system:serviceaccounts', `system:serviceaccounts:${NS}`]),
  );

  expect((await review(token, ['another-audience'])).authenticated).not.toBe(true);
  const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  expect((await review(tampered)).authenticated).not.toBe(true);
});

it('refuses a token whose service account has been deleted', async () => {
  const token = await tokenFor('revoked');
  await core.deleteNamespacedServiceAccount({ namespace: NS, name: 'revoked' });
  // Reviewed for the first time after the deletion. (A token reviewed before would stay
  // authenticated for up to 10 s: the API server caches successful token reviews that long.)
  const after = await review(token);
  expect(after.authenticated).not.toBe(true);
  expect(after.error).toBeTruthy();
});
