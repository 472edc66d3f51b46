import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from './supervisor.ts';

/** A child that prints `line`, logs a warning, and then idles; `ignoreTerm` makes it ignore SIGTERM. */
function childArgs(line: string, ignoreTerm = false): string[] {
  const script = [
    ignoreTerm ? "process.on('SIGTERM', () => {});" : '',
    `console.log(${JSON.stringify(line)});`,
    "console.error('2026-11-23T16:00:00.000Z warn something odd');",
    "console.error('2026-11-23T16:00:00.000Z info all fine');",
    'setInterval(() => {}, 1000);',
  ].join('\n');
  return ['-e', script];
}

describe('Supervisor', () => {
  let logDir: string;
  let printed: string[];
  let supervisor: Supervisor;

  beforeEach(() => {
    logDir = mkdtempSync(join(tmpdir(), 'supervisor-'));
    printed = [];
    supervisor = new Supervisor({ logDir, print: (line) => printed.push(line) });
  });
  afterEach(() => {
    supervisor.killAllNow();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('waits for a ready line, logs everything to a file and shows only warnings on the console', async () => {
    supervisor.start('one', childArgs('one: ready on 1234'));
    const match = await supervisor.waitForLine('one', /^one: ready on (\d+)$/, 5_000);
    expect(match[1]).toBe('1234');
    await supervisor.waitForLine('one', /info all fine$/, 5_000); // stderr, printed last
    const exits = await supervisor.stopAll(5_000);
    expect(exits.map(({ name, code, signal }) => ({ name, code, signal }))).toEqual([
      { name: 'one', code: null, signal: 'SIGTERM' },
    ]);
    expect(printed).toEqual(['[one] 2026-11-23T16:00:00.000Z warn something odd']);
    const log = readFileSync(join(logDir, 'one.log'), 'utf8');
    expect(log).toContain('one: ready on 1234');
    expect(log).toContain('info all fine');
  });

  it('reports the first child that exits on its own, with its last lines', async () => {
    const reported = new Promise<{ name: string; tail: readonly string[] }>((resolve) =>
      supervisor.onUnexpectedExit((exit, tail) => resolve({ name: exit.name, tail })),
    );
    supervisor.start('stays', childArgs('stays: up'));
    supervisor.start('quits', ['-e', "console.log('about to go'); process.exit(3)"]);
    const { name, tail } = await reported;
    expect(name).toBe('quits');
    expect(tail).toEqual(['about to go']);
    await expect(supervisor.waitForLine('quits', /never/, 5_000)).rejects.toThrow(/quits exited \(exit code 3\)/);
  });

  it('SIGKILLs a child that ignores SIGTERM after the grace period, and starts nothing once stopping', async () => {
    supervisor.start('stubborn', childArgs('stubborn: up', true));
    await supervisor.waitForLine('stubborn', /^stubborn: up$/, 5_000);
    const [exit] = await supervisor.stopAll(300);
    expect(exit.signal).toBe('SIGKILL');
    expect(printed).toContain('[stubborn] still running 300 ms after SIGTERM: SIGKILL');
    expect(() => supervisor.start('late', childArgs('late'))).toThrow('not starting late: stopping');
  });

  it('gives up waiting for a line after the deadline', async () => {
    supervisor.start('quiet', childArgs('quiet: up'));
    await expect(supervisor.waitForLine('quiet', /never printed/, 200)).rejects.toThrow(
      'quiet did not print /never printed/ within 200 ms',
    );
  });
});
