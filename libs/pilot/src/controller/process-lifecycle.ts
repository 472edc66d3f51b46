/**
 * The end of a control-plane process's life: wait until it is ready (or failed to become ready),
 * then until SIGTERM or SIGINT, and close gracefully. Exit code 0 after a clean shutdown, 1 when
 * start-up failed; a second signal during shutdown exits 1 at once.
 */
import type { XdsLogger } from '../xds-server';

export interface Closeable {
  /** Resolves when serving (rejects when start-up failed). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function serveUntilSignal(service: Closeable, logger: XdsLogger): Promise<number> {
  return new Promise<number>((resolve) => {
    let shuttingDown = false;
    const shutDown = (code: number, why: string) => {
      if (shuttingDown) return;
      shuttingDown = true;
      logger.info(`${why}: shutting down`);
      service.close().then(
        () => resolve(code),
        (error: unknown) => {
          logger.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) });
          resolve(1);
        },
      );
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (shuttingDown) {
        logger.warn(`${signal} again: exiting without waiting`);
        process.exit(1);
      }
      shutDown(0, signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    service.ready.catch((error: unknown) => {
      logger.error('start-up failed', { error: error instanceof Error ? error.message : String(error) });
      shutDown(1, 'start-up failed');
    });
  });
}
