/**
 * The harness itself: start.sh's servers are real (the version a client sees), and stop() leaves
 * no process and no directory behind.
 */
import { VersionApi } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Envtest } from '../harness/envtest';

/** Command lines of the processes in a process group (pgrep exits 1 when there are none). */
function processGroup(pgid: number): string[] {
  try {
    const pids = execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    return pids.flatMap((pid) => {
      try {
        return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!];
      } catch {
        return []; // exited meanwhile
      }
    });
  } catch {
    return [];
  }
}

let envtest: Envtest | undefined;

afterAll(async () => {
  await envtest?.stop();
});

it('runs a real kube-apiserver and stops it, and etcd, without leaving anything behind', async () => {
  envtest = await Envtest.start();
  const version = await envtest.kubeConfig.makeApiClient(VersionApi).getCode();
  expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);

  const pgid = envtest.pid;
  const running = processGroup(pgid).map((command) => command.split('/').pop());
  expect(running).toEqual(expect.arrayContaining(['bash', 'etcd', 'kube-apiserver']));
  const dir = envtest.env.dir;
  expect(existsSync(dir)).toBe(true);

  await envtest.stop();
  expect(processGroup(pgid)).toEqual([]);
  expect(existsSync(dir)).toBe(false);
});
