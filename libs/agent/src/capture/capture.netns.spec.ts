/**
 * Transparent capture for real: the generated rules applied by `runCaptureCommand` with the real
 * iptables-restore inside a network namespace the test creates, the proxy's listeners (a Node
 * process calling originalDestination on every accepted socket) on 15001/15006, and unmodified
 * clients (curl) connecting to ordinary addresses. Skipped, with the reason, only where network
 * namespaces are not permitted.
 */
import {
  HOST_IP,
  HOST_IP_2,
  HOST_IP6,
  NetnsLab,
  POD_IP,
  POD_IP_2,
  netnsUnavailableReason,
  sh,
} from '../../testdata/netns-lab';
import { runCaptureCommand } from './capture-command';

const unavailable = await netnsUnavailableReason();
if (unavailable) console.warn(`capture netns tests skipped: ${unavailable}`);
const describeWithNetns = unavailable ? describe.skip : describe;

const PROXY = { uid: 1337, gid: 1337 };
const APP_USER = { uid: 1000, gid: 1000 };

async function capture(lab: NetnsLab, args: string[]): Promise<void> {
  const stderr: string[] = [];
  const code = await runCaptureCommand(['--network-namespace', lab.pod, ...args], {
    stdout: () => undefined,
    stderr: (text) => stderr.push(text),
  });
  if (code !== 0) throw new Error(`proxy iptables ${args.join(' ')} exited ${code}: ${stderr.join('\n')}`);
}

describeWithNetns('transparent capture in a network namespace', () => {
  let lab: NetnsLab;

  beforeAll(async () => {
    lab = await NetnsLab.create();
    // The user's own nat rules, which clean-up must leave alone.
    await sh('ip', ['netns', 'exec', lab.pod, 'iptables', '-t', 'nat', '-N', 'MESH_KEEP']);
    await sh('ip', [
      'netns',
      'exec',
      lab.pod,
      'iptables',
      '-t',
      'nat',
      '-A',
      'OUTPUT',
      '-d',
      '10.250.9.9/32',
      '-j',
      'MESH_KEEP',
    ]);
    await Promise.all([
      lab.startListeners(lab.host, [
        { role: 'server', host: '::', port: 8080 },
        { role: 'server', host: '::', port: 8081 },
        { role: 'capture', host: '::', port: 7000 },
      ]),
      lab.startListeners(lab.pod, [
        // The proxy: outbound capture on a dual-stack socket (IPv4 peers arrive v4-mapped),
        // inbound capture on an IPv4 one, so both of the addon's IPv4 paths are exercised.
        { role: 'capture', host: '::', port: 15001 },
        { role: 'capture', host: '0.0.0.0', port: 15006 },
        // The app.
        { role: 'app', host: '::', port: 80 },
        { role: 'app', host: '::', port: 9000 },
        { role: 'app', host: '::', port: 15020 },
      ]),
    ]);
    await capture(lab, ['-x', '10.250.1.0/24', '-o', '8081', '--dual-stack']);
  }, 20_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('redirects an unmodified client to 15001 and recovers the original IPv4 destination', async () => {
    await expect(lab.curl(lab.pod, `http://${HOST_IP}:8080/`)).resolves.toEqual({
      role: 'capture',
      listener: 15001,
      original: { address: HOST_IP, port: 8080, family: 'IPv4' },
    });
  });

  it('recovers an original IPv6 destination (IP6T_SO_ORIGINAL_DST)', async () => {
    await expect(lab.curl(lab.pod, `http://[${HOST_IP6}]:8080/`, APP_USER)).resolves.toEqual({
      role: 'capture',
      listener: 15001,
      original: { address: HOST_IP6, port: 8080, family: 'IPv6' },
    });
  });

  it('does not capture the proxy user (UID 1337)', async () => {
    await expect(lab.curl(lab.pod, `http://${HOST_IP}:8080/`, PROXY)).resolves.toEqual({
      role: 'server',
      listener: 8080,
    });
  });

  it('does not capture the proxy group (GID 1337) whatever the user', async () => {
    await expect(lab.curl(lab.pod, `http://${HOST_IP}:8080/`, { uid: 1000, gid: 1337 })).resolves.toEqual({
      role: 'server',
      listener: 8080,
    });
  });

  it('does not capture an excluded CIDR or an excluded outbound port', async () => {
    await expect(lab.curl(lab.pod, `http://${HOST_IP_2}:8080/`)).resolves.toEqual({ role: 'server', listener: 8080 });
    await expect(lab.curl(lab.pod, `http://${HOST_IP}:8081/`)).resolves.toEqual({ role: 'server', listener: 8081 });
  });

  it('does not capture traffic to 127.0.0.1', async () => {
    await expect(lab.curl(lab.pod, 'http://127.0.0.1:9000/')).resolves.toEqual({ role: 'app', listener: 9000 });
  });

  it('lets the app call itself by its pod IP directly', async () => {
    await expect(lab.curl(lab.pod, `http://${POD_IP}:9000/`, APP_USER)).resolves.toEqual({
      role: 'app',
      listener: 9000,
    });
  });

  it('sends the proxy calling its own pod IP to the inbound side (15006)', async () => {
    await expect(lab.curl(lab.pod, `http://${POD_IP}:9000/`, PROXY)).resolves.toEqual({
      role: 'capture',
      listener: 15006,
      original: { address: POD_IP, port: 9000, family: 'IPv4' },
    });
  });

  it('redirects inbound connections to 15006 and recovers the port the caller dialled', async () => {
    await expect(lab.curl(lab.host, `http://${POD_IP}:80/`)).resolves.toEqual({
      role: 'capture',
      listener: 15006,
      original: { address: POD_IP, port: 80, family: 'IPv4' },
    });
    await expect(lab.curl(lab.host, `http://${POD_IP_2}:80/`)).resolves.toEqual({
      role: 'capture',
      listener: 15006,
      original: { address: POD_IP_2, port: 80, family: 'IPv4' },
    });
  });

  it('leaves the excluded inbound ports (15020 by default) to the app', async () => {
    await expect(lab.curl(lab.host, `http://${POD_IP}:15020/`)).resolves.toEqual({ role: 'app', listener: 15020 });
  });

  it('reports a connection that was not redirected as addressed to the listener itself', async () => {
    // Connection tracking is on in this namespace (the nat rules need it), so it knows the
    // connection; it was not rewritten, so the original destination is the local address.
    await expect(lab.curl(lab.pod, 'http://127.0.0.1:15001/')).resolves.toEqual({
      role: 'capture',
      listener: 15001,
      original: { address: '127.0.0.1', port: 15001, family: 'IPv4' },
    });
  });

  it('fails with ENOENT where connection tracking never saw the connection', async () => {
    // The host namespace has no nat rules, so (on kernels since 4.10, which register conntrack
    // hooks per namespace on demand) nothing tracks connections there.
    await expect(lab.curl(lab.pod, `http://${HOST_IP}:7000/`, PROXY)).resolves.toEqual({
      role: 'capture',
      listener: 7000,
      error: 'ENOENT',
    });
  });

  it('replaces the rules when applied again, with other settings', async () => {
    await capture(lab, ['-x', '10.250.1.0/24', '-o', '8081,8080', '--dual-stack']);
    await expect(lab.curl(lab.pod, `http://${HOST_IP}:8080/`)).resolves.toEqual({ role: 'server', listener: 8080 });
    const nat = await lab.natTable(lab.pod);
    expect(nat.match(/^:ISTIO_OUTPUT /gm)).toHaveLength(1);
    expect(nat.match(/^-A OUTPUT -p tcp -j ISTIO_OUTPUT$/gm)).toHaveLength(1);
    await capture(lab, ['-x', '10.250.1.0/24', '-o', '8081', '--dual-stack']);
    await expect(lab.curl(lab.pod, `http://${HOST_IP}:8080/`)).resolves.toMatchObject({
      role: 'capture',
      listener: 15001,
    });
  });

  it('clean-up removes every ISTIO_* chain and jump, keeps the rest, and stops capture', async () => {
    await capture(lab, ['--cleanup']);
    const nat4 = await lab.natTable(lab.pod);
    const nat6 = await lab.natTable(lab.pod, 6);
    expect(nat4).not.toContain('ISTIO_');
    expect(nat6).not.toContain('ISTIO_');
    expect(nat4).toMatch(/^:MESH_KEEP - /m);
    expect(nat4).toMatch(/^-A OUTPUT -d 10\.250\.9\.9\/32 -j MESH_KEEP$/m);
    await expect(lab.curl(lab.pod, `http://${HOST_IP}:8080/`)).resolves.toEqual({ role: 'server', listener: 8080 });
    await expect(lab.curl(lab.host, `http://${POD_IP}:80/`)).resolves.toEqual({ role: 'app', listener: 80 });
    // A second clean-up finds nothing to do and succeeds.
    await capture(lab, ['--cleanup']);
  });
});
