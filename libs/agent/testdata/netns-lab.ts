/**
 * A two-namespace lab for the capture specs: a "pod" namespace (where capture is applied, the
 * proxy's listeners run and the app's clients connect from) and a "host" namespace acting as the
 * remote server, joined by a veth pair. Addresses are 10.250.0.0/24, 10.250.1.0/24 and
 * fd00:250::/64 inside the two namespaces only: no default route, nothing reaches a real network.
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for `ip netns`).
 */
import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Readable, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const POD_IP = '10.250.0.1';
export const HOST_IP = '10.250.0.2';
/** A second pair of addresses, for exclusion by CIDR. */
export const POD_IP_2 = '10.250.1.1';
export const HOST_IP_2 = '10.250.1.2';
export const POD_IP6 = 'fd00:250::1';
export const HOST_IP6 = 'fd00:250::2';

const listenerScript = fileURLToPath(new URL('./capture-listener.ts', import.meta.url));

export interface ListenerSpec {
  role: 'capture' | 'server' | 'app';
  host: string;
  port: number;
}

/** Why the real capture tests cannot run here (no `ip`, or netns not permitted), or undefined. */
export async function netnsUnavailableReason(): Promise<string | undefined> {
  const probe = `mesh-cap-probe-${randomBytes(3).toString('hex')}`;
  try {
    await exec('ip', ['netns', 'add', probe], { timeout: 5000 });
  } catch (error) {
    return `\`ip netns add\` is not permitted here (${(error as Error).message.trim()}); needs root with CAP_SYS_ADMIN`;
  }
  await exec('ip', ['netns', 'del', probe], { timeout: 5000 });
  return undefined;
}

/** Runs a command, rejecting with its stderr on failure; bounded by a timeout. */
export async function sh(file: string, args: readonly string[], timeoutMs = 5000): Promise<string> {
  try {
    const { stdout } = await exec(file, [...args], { timeout: timeoutMs });
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

export class NetnsLab {
  private readonly listeners: ChildProcessByStdio<Writable, Readable, Readable>[] = [];

  private constructor(
    /** Where capture is applied. */
    readonly pod: string,
    /** The remote server's namespace. */
    readonly host: string,
  ) {}

  static async create(): Promise<NetnsLab> {
    const id = randomBytes(3).toString('hex');
    const lab = new NetnsLab(`mesh-cap-${id}-pod`, `mesh-cap-${id}-host`);
    try {
      await sh('ip', ['netns', 'add', lab.pod]);
      await sh('ip', ['netns', 'add', lab.host]);
      // The veth ends are created inside the namespaces, so their names cannot clash with the host's.
      await sh('ip', [
        '-n',
        lab.pod,
        'link',
        'add',
        'vpod',
        'type',
        'veth',
        'peer',
        'name',
        'vhost',
        'netns',
        lab.host,
      ]);
      for (const [ns, dev, v4, v4b, v6] of [
        [lab.pod, 'vpod', POD_IP, POD_IP_2, POD_IP6],
        [lab.host, 'vhost', HOST_IP, HOST_IP_2, HOST_IP6],
      ]) {
        await sh('ip', ['-n', ns, 'addr', 'add', `${v4}/24`, 'dev', dev]);
        await sh('ip', ['-n', ns, 'addr', 'add', `${v4b}/24`, 'dev', dev]);
        await sh('ip', ['-n', ns, '-6', 'addr', 'add', `${v6}/64`, 'dev', dev, 'nodad']);
        await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        await sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
      }
    } catch (error) {
      await lab.destroy();
      throw error;
    }
    return lab;
  }

  /** Starts capture-listener.ts in a namespace; resolves once every listener is bound. */
  async startListeners(ns: string, specs: ListenerSpec[]): Promise<void> {
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, '--no-warnings', listenerScript, JSON.stringify(specs)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.listeners.push(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`listeners in ${ns} not ready after 10 s: ${stderr}`)), 10_000);
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.split('\n').includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`listeners in ${ns} exited (${code}): ${stderr}`));
      });
    });
  }

  /**
   * `curl` from a namespace, optionally as another user/group (setpriv, supplementary groups
   * cleared); resolves with the JSON body the listener answered.
   */
  async curl(ns: string, url: string, as?: { uid: number; gid: number }): Promise<Record<string, unknown>> {
    const asUser = as ? ['setpriv', `--reuid=${as.uid}`, `--regid=${as.gid}`, '--clear-groups'] : [];
    const body = await sh('ip', ['netns', 'exec', ns, ...asUser, 'curl', '-sS', '--max-time', '3', url]);
    return JSON.parse(body) as Record<string, unknown>;
  }

  /** `iptables-save` (or ip6tables-save) of the nat table in a namespace. */
  async natTable(ns: string, family: 4 | 6 = 4): Promise<string> {
    return sh('ip', ['netns', 'exec', ns, family === 4 ? 'iptables-save' : 'ip6tables-save', '-t', 'nat']);
  }

  /** Stops the listeners and deletes both namespaces (the veth pair goes with them). Never throws. */
  async destroy(): Promise<void> {
    await Promise.all(
      this.listeners.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin.end();
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      }),
    );
    for (const ns of [this.pod, this.host]) {
      await exec('ip', ['netns', 'del', ns], { timeout: 5000 }).catch(() => undefined);
    }
  }
}
