/**
 * The SDS generator against real PEM material (a throwaway CA and server certificate made by
 * openssl), Secrets written as a user writes them (YAML through config-model), and a PushContext
 * built by mesh-model.
 */
import { pushRequest, type Proxy, type PushContext, type PushRequest } from '@mesh/mesh-model';
import { makeTestCertificates, type TestCertificates } from '@mesh/testing';
import { messageNameOf, TypeUrl, unpackAnyAs } from '@mesh/xds';
import { Secret } from '@mesh/xds/generated/envoy/extensions/transport_sockets/tls/v3/secret';
import { buildConfigDump } from '../../controller/config-dump';
import { registerAllGenerators } from '../../generators-registration';
import { GeneratorRegistry, type GeneratedResources } from '../../xds-server/generator';
import { checkIndependentDecode } from '../testing/independent-decode';
import { loadScenario, proxyOf } from '../testing/scenario';
import { SecretGenerator } from './sds-generator';

let certs: TestCertificates;
beforeAll(() => {
  certs = makeTestCertificates();
});
afterAll(() => certs?.remove());

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A Secret manifest with base64 `data`, as kubectl writes it. */
function secretYaml(namespace: string, name: string, data: Record<string, string>, type = 'Opaque'): string {
  const lines = Object.entries(data).map(([key, value]) => `  ${JSON.stringify(key)}: ${b64(value)}`);
  return [
    'apiVersion: v1',
    'kind: Secret',
    `metadata: {name: ${name}, namespace: ${namespace}}`,
    `type: ${type}`,
    'data:',
    ...lines,
    '',
  ].join('\n');
}

const router = (namespace = 'istio-system'): Proxy =>
  proxyOf(namespace, 'istio-ingressgateway-1', '10.0.0.9', { type: 'router', labels: { istio: 'ingressgateway' } });

const asked = () => pushRequest({ reason: 'proxy', start: 0 });
const secretPush = (...keys: string[]): PushRequest =>
  pushRequest({ reason: 'secret', start: 0, configsUpdated: new Set(keys) });

interface Run {
  readonly result: GeneratedResources;
  readonly refused: Array<[string, string]>;
  readonly secrets: Map<string, Secret>;
}

function generate(
  push: PushContext,
  names: string[],
  options: {
    proxy?: Proxy;
    request?: PushRequest;
    generator?: SecretGenerator;
    refused?: Array<[string, string]>;
  } = {},
): Run {
  const refused = options.refused ?? [];
  const generator =
    options.generator ?? new SecretGenerator({ onRefused: (_proxy, name, reason) => refused.push([name, reason]) });
  const result = generator.generate(
    options.proxy ?? router(),
    { typeUrl: TypeUrl.Secret, resourceNames: new Set(names) },
    push,
    options.request ?? asked(),
  ) as GeneratedResources;
  const secrets = new Map(result.resources.map((r) => [r.name, unpackAnyAs(Secret, r.resource)]));
  return { result, refused, secrets };
}

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('SDS generator: credentials from Kubernetes Secrets', () => {
  it('serves a kubernetes.io/tls Secret (tls.crt, tls.key) as a tls_certificate with inline bytes', () => {
    const { push } = loadScenario({
      inline: [
        secretYaml(
          'istio-system',
          'bookinfo-cred',
          { 'tls.crt': certs.serverCert, 'tls.key': certs.serverKey },
          'kubernetes.io/tls',
        ),
      ],
    });
    const { secrets, refused } = generate(push, ['kubernetes://bookinfo-cred']);
    expect(refused).toEqual([]);
    const secret = secrets.get('kubernetes://bookinfo-cred');
    expect(secret?.name).toBe('kubernetes://bookinfo-cred');
    expect(text(secret?.tlsCertificate?.certificateChain?.inlineBytes)).toBe(certs.serverCert);
    expect(text(secret?.tlsCertificate?.privateKey?.inlineBytes)).toBe(certs.serverKey);
    expect(secret?.validationContext).toBeUndefined();
  });

  it('serves a generic Secret (cert, key, cacert): the certificate, and its CA as `-cacert`', () => {
    const { push } = loadScenario({
      inline: [
        secretYaml('istio-system', 'mtls-cred', { cert: certs.serverCert, key: certs.serverKey, cacert: certs.caCert }),
      ],
    });
    const { secrets, refused } = generate(push, ['kubernetes://mtls-cred', 'kubernetes://mtls-cred-cacert']);
    expect(refused).toEqual([]);
    expect(text(secrets.get('kubernetes://mtls-cred')?.tlsCertificate?.certificateChain?.inlineBytes)).toBe(
      certs.serverCert,
    );
    const ca = secrets.get('kubernetes://mtls-cred-cacert');
    expect(ca?.tlsCertificate).toBeUndefined();
    expect(text(ca?.validationContext?.trustedCa?.inlineBytes)).toBe(certs.caCert);
  });

  it('takes the CA from ca.crt of <name>, or from a Secret literally named <name>-cacert first (as istiod)', () => {
    const tls = { 'tls.crt': certs.serverCert, 'tls.key': certs.serverKey };
    const fromBase = loadScenario({ inline: [secretYaml('istio-system', 'cred', { ...tls, 'ca.crt': certs.caCert })] });
    expect(
      text(
        generate(fromBase.push, ['kubernetes://cred-cacert']).secrets.get('kubernetes://cred-cacert')?.validationContext
          ?.trustedCa?.inlineBytes,
      ),
    ).toBe(certs.caCert);

    // Both exist: the separate `-cacert` Secret wins (its CA is the server certificate here, to tell them apart).
    const both = loadScenario({
      inline: [
        secretYaml('istio-system', 'cred', { ...tls, 'ca.crt': certs.caCert }),
        secretYaml('istio-system', 'cred-cacert', { 'ca.crt': certs.serverCert }),
      ],
    });
    expect(
      text(
        generate(both.push, ['kubernetes://cred-cacert']).secrets.get('kubernetes://cred-cacert')?.validationContext
          ?.trustedCa?.inlineBytes,
      ),
    ).toBe(certs.serverCert);
  });

  it('refuses a Secret without the keys, naming the Secret and what it has, and reports it once', () => {
    const { push } = loadScenario({
      inline: [secretYaml('istio-system', 'half', { 'tls.crt': certs.serverCert, 'ca.crt': certs.caCert })],
    });
    const refused: Array<[string, string]> = [];
    const generator = new SecretGenerator({ onRefused: (_p, name, reason) => refused.push([name, reason]) });
    for (let i = 0; i < 3; i++) {
      const { result } = generate(push, ['kubernetes://half', 'kubernetes://missing'], { generator });
      expect(result.resources).toEqual([]);
    }
    expect(refused).toEqual([
      [
        'kubernetes://half',
        'Secret istio-system/half: needs data keys cert and key, or tls.crt and tls.key; found ca.crt, tls.crt',
      ],
      ['kubernetes://missing', 'Secret istio-system/missing not found'],
    ]);
    // The CA of the same Secret is fine: a half credential does not stop its -cacert.
    expect([...generate(push, ['kubernetes://half-cacert']).secrets.keys()]).toEqual(['kubernetes://half-cacert']);
  });

  it('refuses malformed PEM as a whole, naming the field (never a certificate without its key)', () => {
    const truncated = certs.serverCert.slice(0, certs.serverCert.length - 30);
    const { push } = loadScenario({
      inline: [
        secretYaml('istio-system', 'truncated', { 'tls.crt': truncated, 'tls.key': certs.serverKey }),
        secretYaml('istio-system', 'swapped', { 'tls.crt': certs.serverCert, 'tls.key': certs.serverCert }),
        secretYaml('istio-system', 'der', { 'tls.crt': 'not pem at all', 'tls.key': certs.serverKey }),
        secretYaml('istio-system', 'badca', { cacert: certs.serverKey }),
      ],
    });
    const names = ['truncated', 'swapped', 'der', 'badca-cacert'].map((n) => `kubernetes://${n}`);
    const { result, refused } = generate(push, names);
    expect(result.resources).toEqual([]);
    expect(refused).toEqual([
      [
        'kubernetes://truncated',
        'Secret istio-system/truncated: data.tls.crt has a PEM block that is not closed or not well formed',
      ],
      ['kubernetes://swapped', 'Secret istio-system/swapped: data.tls.key holds no PRIVATE KEY block'],
      ['kubernetes://der', 'Secret istio-system/der: data.tls.crt is not PEM (no -----BEGIN line)'],
      ['kubernetes://badca-cacert', 'Secret istio-system/badca: data.cacert holds no CERTIFICATE block'],
    ]);
  });

  it("serves only the proxy's own namespace: kubernetes://<ns>/<name> elsewhere is refused", () => {
    const { push } = loadScenario({
      inline: [
        secretYaml('istio-system', 'cred', { cert: certs.serverCert, key: certs.serverKey }),
        secretYaml('team-a', 'cred', { cert: certs.serverCert, key: certs.serverKey }),
      ],
    });
    const { secrets, refused } = generate(push, ['kubernetes://istio-system/cred', 'kubernetes://team-a/cred']);
    expect([...secrets.keys()]).toEqual(['kubernetes://istio-system/cred']);
    expect(refused).toEqual([
      [
        'kubernetes://team-a/cred',
        "Secret team-a/cred is in another namespace than the proxy (istio-system); only the proxy's own namespace is served",
      ],
    ]);
    // A router in team-a gets its own namespace's `cred` for the short form.
    expect([...generate(push, ['kubernetes://cred'], { proxy: router('team-a') }).secrets.keys()]).toEqual([
      'kubernetes://cred',
    ]);
  });

  it('refuses names that are not kubernetes:// credentials, and answers a wildcard with nothing', () => {
    const { push } = loadScenario({ inline: [] });
    const { result, refused } = generate(push, ['default', 'kubernetes-gateway://ns/x', 'kubernetes://a/b/c']);
    expect(result.resources).toEqual([]);
    expect(refused.map(([name, reason]) => `${name}: ${reason.split(' (')[0].split(':')[0]}`)).toEqual([
      'default: not a kubernetes',
      'kubernetes-gateway://ns/x: not a kubernetes',
      'kubernetes://a/b/c: malformed name',
    ]);
    expect(generate(push, []).result.resources).toEqual([]);
  });

  it('on a Secret push regenerates only names that read a changed Secret; other pushes leave SDS alone', () => {
    const { push } = loadScenario({
      inline: [
        secretYaml('istio-system', 'a', { cert: certs.serverCert, key: certs.serverKey, cacert: certs.caCert }),
        secretYaml('istio-system', 'b', { cert: certs.serverCert, key: certs.serverKey }),
      ],
    });
    const names = ['kubernetes://a', 'kubernetes://a-cacert', 'kubernetes://b'];
    const onA = generate(push, names, { request: secretPush('Secret/istio-system/a') }).result;
    expect(onA.partial).toBe(true);
    expect(onA.resources.map((r) => r.name)).toEqual(['kubernetes://a', 'kubernetes://a-cacert']);
    // A separate `a-cacert` Secret changing affects both names of `a` (either may read it).
    expect(
      generate(push, names, { request: secretPush('Secret/istio-system/a-cacert') }).result.resources.map(
        (r) => r.name,
      ),
    ).toEqual(['kubernetes://a', 'kubernetes://a-cacert']);
    expect(generate(push, names, { request: secretPush('Secret/team-a/a') }).result).toEqual({
      resources: [],
      noChange: true,
    });
    expect(generate(push, names, { request: secretPush('VirtualService/istio-system/vs') }).result).toEqual({
      resources: [],
      noChange: true,
    });
    // An unnamed full push, or the proxy asking, gets everything.
    const all = generate(push, names, { request: pushRequest({ reason: 'global', start: 0 }) }).result;
    expect(all.partial).toBeUndefined();
    expect(all.resources).toHaveLength(3);
    expect(generate(push, names).result.resources).toHaveLength(3);
  });

  it('is registered for Envoy-style proxies only, and sidecars get their namespace credentials too', () => {
    const registry = registerAllGenerators(new GeneratorRegistry<PushContext>());
    expect(registry.typeUrls('envoy')).toContain(TypeUrl.Secret);
    expect(registry.typeUrls('grpc')).not.toContain(TypeUrl.Secret);
    // DestinationRule credentialName (a rule with a workloadSelector) is fetched by the sidecar itself.
    const { push } = loadScenario({
      inline: [secretYaml('default', 'client-cred', { cert: certs.serverCert, key: certs.serverKey })],
    });
    const sidecar = proxyOf('default', 'productpage-v1-abc', '10.1.1.1', { labels: { app: 'productpage' } });
    expect([...generate(push, ['kubernetes://client-cred'], { proxy: sidecar }).secrets.keys()]).toEqual([
      'kubernetes://client-cred',
    ]);
  });

  it('writes Secrets an independent protobuf decoder reads the same, and config_dump redacts the key', () => {
    const { push } = loadScenario({
      inline: [
        secretYaml('istio-system', 'cred', { cert: certs.serverCert, key: certs.serverKey, cacert: certs.caCert }),
      ],
    });
    const { result } = generate(push, ['kubernetes://cred', 'kubernetes://cred-cacert']);
    expect(result.resources).toHaveLength(2);
    for (const { resource } of result.resources) {
      checkIndependentDecode(messageNameOf(resource.typeUrl ?? ''), resource.value ?? new Uint8Array());
    }

    const dump = buildConfigDump('v1', [
      { typeUrl: TypeUrl.Secret, watched: { typeUrl: TypeUrl.Secret, resourceNames: new Set() }, generated: result },
    ]);
    const dumped = JSON.stringify(dump);
    expect(dump.configs.map((c) => c['@type'])).toEqual(['type.googleapis.com/envoy.admin.v3.SecretsConfigDump']);
    expect(dumped).toContain(b64(certs.serverCert)); // the certificate chain is public
    expect(dumped).toContain(b64(certs.caCert));
    expect(dumped).not.toContain(b64(certs.serverKey));
    expect(dumped).toContain(`"private_key":{"inline_bytes":"${b64('[redacted]')}"}`);
  });
});
