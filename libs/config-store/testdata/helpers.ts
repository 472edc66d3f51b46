/**
 * Test helpers: bounded waiting, an event recorder and a small stand-in validator.
 */
import { describeConfig, type Config, type ConfigIssue } from '@mesh/config-model';
import type { ConfigEvent, ConfigStore, ConfigValidator } from '../src/store';

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Records a store's events as `add VirtualService default/reviews` lines. */
export function recordEvents(store: ConfigStore): { events: ConfigEvent[]; lines: () => string[] } {
  const events: ConfigEvent[] = [];
  store.subscribe((event) => events.push(event));
  return { events, lines: () => events.map((e) => `${e.type} ${describeConfig(e.config)}`) };
}

/**
 * A stand-in for config-validation's validateConfig (same shape): a VirtualService needs at least
 * one host, and every route weight must be a number from 0 to 100.
 */
export const testValidator: ConfigValidator = (config: Config) => {
  const errors: ConfigIssue[] = [];
  if (config.kind === 'VirtualService') {
    const spec = config.spec as { hosts?: unknown; http?: Array<{ route?: Array<{ weight?: unknown }> }> };
    if (!Array.isArray(spec.hosts) || spec.hosts.length === 0) {
      errors.push({ severity: 'error', path: ['spec', 'hosts'], message: 'at least one host is required' });
    }
    (spec.http ?? []).forEach((http, i) =>
      (http.route ?? []).forEach((route, j) => {
        const weight = route.weight;
        if (weight !== undefined && (typeof weight !== 'number' || weight < 0 || weight > 100)) {
          errors.push({
            severity: 'error',
            path: ['spec', 'http', i, 'route', j, 'weight'],
            message: `weight must be a number from 0 to 100, got ${JSON.stringify(weight)}`,
          });
        }
      }),
    );
  }
  return { errors, warnings: [] };
};
