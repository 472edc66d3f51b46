/**
 * The few log calls the ADS server makes. @mesh/platform has no logger yet; the app can pass its
 * own, and tests pass one that records. Fields are flat key/values (proxy, type, nonce, ...).
 */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface XdsLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** One line per entry on stderr: `<time> <level> ads <message> key=value ...`; below `minLevel` is dropped. */
export function stderrLogger(minLevel: Level = 'info'): XdsLogger {
  const threshold = LEVELS.indexOf(minLevel);
  const write = (level: Level, message: string, fields?: LogFields): void => {
    if (LEVELS.indexOf(level) < threshold) return;
    const parts = [new Date().toISOString(), level, 'ads', message];
    for (const [key, value] of Object.entries(fields ?? {})) {
      if (value !== undefined) parts.push(`${key}=${JSON.stringify(value)}`);
    }
    process.stderr.write(parts.join(' ') + '\n');
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
