/**
 * The local mesh's child processes, owned by one supervisor: it starts them (each in its own
 * process group, so a terminal's Ctrl-C reaches only the launcher, which then stops them in
 * order, once), writes everything they print to `<logDir>/<name>.log`, shows their warnings and
 * errors on the console, waits for the lines that say they are ready, notices when one dies, and
 * stops them all: SIGTERM, then SIGKILL after a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface ChildExit {
  readonly name: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: WriteStream;
  readonly exited: Promise<ChildExit>;
  /** Recent lines, for the message when it dies. */
  readonly tail: string[];
  /** Line watchers (waitForLine) still waiting. */
  readonly watchers: Set<(line: string) => void>;
}

export interface SupervisorOptions {
  readonly logDir: string;
  /** Every child line on the console, not only warnings and errors. */
  readonly verbose?: boolean;
  readonly print: (line: string) => void;
}

const TAIL_LINES = 20;
/** `2026-11-23T16:02:45.365Z warn ...`: the log line shape of istiod and the gateway. */
const LOG_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z (\w+) /;

export class Supervisor {
  private readonly children: Managed[] = [];
  private stopping = false;
  private unexpectedExit: ((exit: ChildExit, tail: readonly string[]) => void) | undefined;

  private readonly options: SupervisorOptions;

  constructor(options: SupervisorOptions) {
    this.options = options;
  }

  /** Called once for the first child that exits while nobody asked it to. */
  onUnexpectedExit(handler: (exit: ChildExit, tail: readonly string[]) => void): void {
    this.unexpectedExit = handler;
  }

  /** Starts `node <args>`; the returned pid is printed by the caller. */
  start(name: string, args: readonly string[]): number {
    // A start-up step that was already under way when the launcher began to stop must not leave
    // a process behind.
    if (this.stopping) throw new Error(`not starting ${name}: stopping`);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const log = createWriteStream(join(this.options.logDir, `${name}.log`), { flags: 'a' });
    const managed: Managed = {
      name,
      child,
      log,
      tail: [],
      watchers: new Set(),
      exited: new Promise((resolve) => {
        // 'close', not 'exit': by then its output has been read, so the last lines are in the tail.
        child.once('close', (code, signal) => resolve({ name, pid: child.pid ?? -1, code, signal }));
      }),
    };
    child.once('error', (error) => this.options.print(`[${name}] cannot start: ${error.message}`));
    this.pipeLines(managed, child.stdout!, false);
    this.pipeLines(managed, child.stderr!, true);
    void managed.exited.then((exit) => {
      log.end();
      if (!this.stopping && this.unexpectedExit) {
        const handler = this.unexpectedExit;
        this.unexpectedExit = undefined;
        handler(exit, managed.tail);
      }
    });
    this.children.push(managed);
    return child.pid ?? -1;
  }

  /** Resolves with the first line of `name` matching `pattern`; rejects if it exits or `timeoutMs` passes. */
  waitForLine(name: string, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const managed = this.children.find((c) => c.name === name);
    if (!managed) return Promise.reject(new Error(`no process named ${name}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        managed.watchers.delete(watch);
      };
      const watch = (line: string) => {
        const match = pattern.exec(line);
        if (match) {
          done();
          resolve(match);
        }
      };
      managed.watchers.add(watch);
      void managed.exited.then((exit) => {
        if (!managed.watchers.has(watch)) return;
        done();
        reject(new Error(`${name} exited (${describeExit(exit)}) before printing ${pattern}`));
      });
    });
  }

  /** The recent lines of a child (for error messages). */
  recentLines(name: string): readonly string[] {
    return this.children.find((c) => c.name === name)?.tail ?? [];
  }

  /**
   * Stops every child, the last started first (the gateway before what it depends on): SIGTERM,
   * SIGKILL after `graceMs`. Resolves with how each one ended.
   */
  async stopAll(graceMs = 10_000): Promise<ChildExit[]> {
    this.stopping = true;
    const exits: ChildExit[] = [];
    for (const managed of [...this.children].reverse()) exits.push(await this.stopOne(managed, graceMs));
    return exits.reverse();
  }

  private async stopOne(managed: Managed, graceMs: number): Promise<ChildExit> {
    const { child } = managed;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.options.print(`[${managed.name}] still running ${graceMs} ms after SIGTERM: SIGKILL`);
        child.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([managed.exited, killed]);
    clearTimeout(timer);
    return managed.exited;
  }

  /** Last resort when the launcher itself exits: no child may outlive it. */
  killAllNow(): void {
    for (const { child } of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  private pipeLines(managed: Managed, stream: Readable, isStderr: boolean): void {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      managed.log.write(text);
      pending += text;
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        this.line(managed, line, isStderr);
      }
    });
  }

  private line(managed: Managed, line: string, isStderr: boolean): void {
    managed.tail.push(line);
    if (managed.tail.length > TAIL_LINES) managed.tail.shift();
    for (const watch of [...managed.watchers]) watch(line);
    const level = LOG_LINE.exec(line)?.[1];
    // Warnings and errors always; other stderr output that is not a log line (a crash's stack
    // trace) too; the rest only when verbose.
    const show = this.options.verbose || level === 'warn' || level === 'error' || (isStderr && level === undefined);
    if (show && line.trim() !== '') this.options.print(`[${managed.name}] ${line}`);
  }
}

export function describeExit(exit: Pick<ChildExit, 'code' | 'signal'>): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
