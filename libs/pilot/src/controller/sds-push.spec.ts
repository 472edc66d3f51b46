/**
 * Gateway credentials end to end in-process, over real sockets: a watched config directory holding
 * a Gateway and its credential Secret, the control plane with the real generators, and a router
 * on a state-of-the-world ADS stream asking for `kubernetes://<credentialName>`. Rewriting the
 * Secret file pushes the new certificate, and only SDS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '@mesh/platform';
import { makeTestCertificates, type TestCertificates } from '@mesh/testing';
import { Listener, Secret, TypeUrl, unpackAnyAs, type DiscoveryRequest, type DiscoveryResponse } from '@mesh/xds';
import { TestAdsClient, type SotwStream } from '../xds-server/testing/ads-test-client';
import { controlPlaneFlags, startControlPlane, type ControlPlane } from './control-plane';

const ROUTER_ID = 'router~10.0.0.9~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local';
const node = { id: ROUTER_ID, metadata: { NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } } };

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ['*']
    tls: {mode: SIMPLE, credentialName: bookinfo-cred}
`;

const tlsSecret = (name: string, cert: string, key: string) => `apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: istio-system}
type: kubernetes.io/tls
data:
  tls.crt: ${Buffer.from(cert).toString('base64')}
  tls.key: ${Buffer.from(key).toString('base64')}
`;

function ack(response: DiscoveryResponse, names: string[] = []): DiscoveryRequest {
  return {
    typeUrl: response.typeUrl,
    versionInfo: response.versionInfo,
    responseNonce: response.nonce,
    resourceNames: names,
  };
}

function certificates(response: DiscoveryResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const any of response.resources ?? []) {
    const secret = unpackAnyAs(Secret, any);
    out[secret.name ?? ''] = Buffer.from(secret.tlsCertificate?.certificateChain?.inlineBytes ?? []).toString('utf8');
  }
  return out;
}

describe('SDS for a router (in-process control plane, real sockets)', () => {
  let dir: string;
  let plane: ControlPlane;
  let client: TestAdsClient;
  let stream: SotwStream;
  let first: TestCertificates;
  let second: TestCertificates;
  let lastSds: DiscoveryResponse;

  beforeAll(async () => {
    first = makeTestCertificates();
    second = makeTestCertificates();
    dir = mkdtempSync(join(tmpdir(), 'pilot-sds-'));
    writeFileSync(join(dir, 'gateway.yaml'), GATEWAY);
    writeFileSync(join(dir, 'cred.yaml'), tlsSecret('bookinfo-cred', first.serverCert, first.serverKey));
    const argv = ['--config-dir', dir, '--debounce-after', '20ms', '--log-level', 'error'];
    for (const flag of ['grpc-addr', 'http-addr', 'monitoring-addr']) argv.push(`--${flag}`, '127.0.0.1:0');
    const { flags } = parseFlags(controlPlaneFlags({}), argv);
    plane = await startControlPlane({ name: 'pilot', flags, env: {} });
    await plane.ready;
    client = new TestAdsClient(`127.0.0.1:${plane.addresses.xds.port}`);
  });

  afterAll(async () => {
    client?.close();
    await plane?.close();
    rmSync(dir, { recursive: true, force: true });
    first?.remove();
    second?.remove();
  });

  it('serves the listener naming kubernetes://bookinfo-cred, then the credential itself', async () => {
    stream = client.sotw();
    stream.send({ typeUrl: TypeUrl.Listener, node });
    const listeners = await stream.next();
    const listener = unpackAnyAs(Listener, listeners.resources?.[0] ?? {});
    expect(listener.name).toBe('0.0.0.0_443');
    expect(JSON.stringify(Listener.toJSON(listener))).toContain('kubernetes://bookinfo-cred');
    stream.send(ack(listeners));

    stream.send({ typeUrl: TypeUrl.Secret, resourceNames: ['kubernetes://bookinfo-cred'] });
    lastSds = await stream.next();
    expect(lastSds.typeUrl).toBe(TypeUrl.Secret);
    expect(certificates(lastSds)).toEqual({ 'kubernetes://bookinfo-cred': first.serverCert });
    stream.send(ack(lastSds, ['kubernetes://bookinfo-cred']));
  });

  it('pushes the new certificate when the Secret file changes, and nothing else', async () => {
    writeFileSync(join(dir, 'cred.yaml'), tlsSecret('bookinfo-cred', second.serverCert, second.serverKey));
    const pushed = await stream.next(5_000);
    expect(pushed.typeUrl).toBe(TypeUrl.Secret);
    expect(certificates(pushed)).toEqual({ 'kubernetes://bookinfo-cred': second.serverCert });
    expect(pushed.versionInfo).not.toBe(lastSds.versionInfo);
    stream.send(ack(pushed, ['kubernetes://bookinfo-cred']));
    expect(await stream.quiet(300)).toEqual([]); // the listener did not change: no LDS
    lastSds = pushed;
  });

  it('leaves a missing credential out until its Secret appears, then pushes it', async () => {
    const names = ['kubernetes://bookinfo-cred', 'kubernetes://later-cred'];
    stream.send({ ...ack(lastSds, names) });
    const answer = await stream.next();
    expect(Object.keys(certificates(answer))).toEqual(['kubernetes://bookinfo-cred']);
    stream.send(ack(answer, names));

    writeFileSync(join(dir, 'later.yaml'), tlsSecret('later-cred', first.serverCert, first.serverKey));
    const pushed = await stream.next(5_000);
    expect(pushed.typeUrl).toBe(TypeUrl.Secret);
    expect(certificates(pushed)).toEqual({ 'kubernetes://later-cred': first.serverCert });
    stream.send(ack(pushed, names));
  });

  it('shows the served credentials in /debug/config_dump with the private keys redacted', async () => {
    const debug = `http://127.0.0.1:${plane.addresses.debug.port}`;
    const response = await fetch(`${debug}/debug/config_dump?proxyID=${encodeURIComponent(ROUTER_ID)}`);
    expect(response.status).toBe(200);
    const dump = (await response.json()) as { configs: Array<Record<string, unknown>> };
    const secrets = dump.configs.find((c) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump') as
      { dynamic_active_secrets: Array<{ name: string; secret: Record<string, unknown> }> } | undefined;
    expect(secrets?.dynamic_active_secrets.map((s) => s.name).sort()).toEqual([
      'kubernetes://bookinfo-cred',
      'kubernetes://later-cred',
    ]);
    const text = JSON.stringify(secrets);
    expect(text).toContain(Buffer.from(second.serverCert).toString('base64'));
    expect(text).not.toContain(Buffer.from(second.serverKey).toString('base64'));
    expect(text).not.toContain(Buffer.from(first.serverKey).toString('base64'));
    expect(text).toContain(`"private_key":{"inline_bytes":"${Buffer.from('[redacted]').toString('base64')}"}`);
  });
});
