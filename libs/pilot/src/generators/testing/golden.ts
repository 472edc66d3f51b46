/**
 * Golden files for generated xDS: `libs/pilot/testdata/<scenario>.<type>.golden.json`, Envoy-style
 * JSON (each message's generated toJSON, Any payloads shown unpacked with their `@type`).
 * Written only when the test runs with REFRESH_GOLDEN=1; otherwise a missing or different golden
 * fails the test.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PILOT_TESTDATA } from './scenario';

export const REFRESH_GOLDEN = process.env.REFRESH_GOLDEN === '1';

export function goldenPath(name: string): string {
  return join(PILOT_TESTDATA, name);
}

/** The golden's current text and the text the test produced (compare them with toBe). */
export function compareGolden(name: string, actual: unknown): { expected: string; actual: string } {
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  const path = goldenPath(name);
  if (REFRESH_GOLDEN) writeFileSync(path, text);
  if (!existsSync(path)) {
    throw new Error(`golden file ${name} does not exist: run the test with REFRESH_GOLDEN=1 to write it`);
  }
  return { expected: readFileSync(path, 'utf8'), actual: text };
}
