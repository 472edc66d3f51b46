/**
 * The control plane's log lines: one per entry on stderr, `<time> <level> <component> <message>
 * key=value ...`, below `minLevel` dropped. Implements the ADS server's XdsLogger, so the server
 * ("ads") and the controller ("pilot") write the same shape.
 */
import type { LogFields, XdsLogger } from '../xds-server';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

export function componentLogger(
  component: string,
  minLevel: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
): XdsLogger {
  const threshold = LOG_LEVELS.indexOf(minLevel);
  const log = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const parts = [new Date().toISOString(), level, component, message];
    for (const [key, value] of Object.entries(fields ?? {})) {
      if (value !== undefined) parts.push(`${key}=${JSON.stringify(value)}`);
    }
    write(parts.join(' ') + '\n');
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}
