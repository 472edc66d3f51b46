/**
 * IST0130 and IST0131: rules of a VirtualService that can never be used. Rules are tried in order
 * and the first match wins, so a rule after a catch-all rule (one without `match`) is never used;
 * a match equal to an earlier one never wins (IST0131, Info), and a rule all of whose matches are
 * such repeats is never used (IST0130). Applied to `http`, `tls` and `tcp` rules alike. Rules are
 * named as Istio names them: `"name"` when the HTTP rule has one, else `#index`.
 *
 * Unlike Istio, an HTTP rule that delegates is neither a catch-all nor the first owner of its
 * matches: it takes only what its delegate's routes (with their own conditions) match, so a later
 * rule is reachable whenever the delegate has no catch-all, which a per-object check cannot tell.
 */
import type { Analyzer } from '../analyzer';
import { VirtualServiceIneffectiveMatch, VirtualServiceUnreachableRule } from '../message-types';

export const virtualServiceRulesAnalyzer: Analyzer = {
  name: 'virtualservice.rules',
  description: 'Checks for VirtualService rules and matches that can never be used',
  inputs: ['VirtualService'],
  reports: [VirtualServiceUnreachableRule, VirtualServiceIneffectiveMatch],
  analyze(context) {
    for (const vs of context.list('VirtualService')) {
      for (const section of ['http', 'tls', 'tcp'] as const) {
        const rules: readonly { name?: string; match?: readonly object[]; delegate?: object }[] =
          vs.spec[section] ?? [];
        let catchAll: number | undefined;
        const seen = new Map<string, number>();
        rules.forEach((rule, index) => {
          const ruleName = nameOf(rule, index);
          const path = ['spec', section, index];
          const matches = rule.match ?? [];
          if (catchAll !== undefined) {
            const reason =
              matches.length === 0 ? 'only the last rule can have no matches' : 'route without matches defined before';
            context.report(VirtualServiceUnreachableRule, vs, [ruleName, reason], path);
            return;
          }
          if (rule.delegate) return;
          if (matches.length === 0) {
            catchAll = index;
            return;
          }
          let repeats = 0;
          matches.forEach((match, m) => {
            const key = canonical(match, true);
            const first = seen.get(key);
            if (first === undefined) {
              seen.set(key, index);
              return;
            }
            repeats++;
            context.report(
              VirtualServiceIneffectiveMatch,
              vs,
              [ruleName, nameOf(match, m), nameOf(rules[first], first)],
              [...path, 'match', m],
            );
          });
          if (repeats === matches.length) {
            context.report(VirtualServiceUnreachableRule, vs, [ruleName, 'all matches used by prior rules'], path);
          }
        });
      }
    }
  },
};

function nameOf(item: { name?: string }, index: number): string {
  return typeof item.name === 'string' && item.name !== '' ? JSON.stringify(item.name) : `#${index}`;
}

/** A form of a match that ignores key order and the match's own name, to compare matches. */
function canonical(value: unknown, top = false): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([key]) => !(top && key === 'name'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
