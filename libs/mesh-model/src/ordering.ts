/**
 * The order Istio gives objects when several compete (two Services with one hostname, two
 * Sidecars selecting one workload, two policies at one level): oldest first by
 * creationTimestamp, then name, then namespace, so the result never depends on arrival order.
 * Objects without a timestamp (read from files) sort before timestamped ones, among themselves by
 * name and namespace.
 */

export interface Ordered {
  readonly creationTimestamp?: string;
  readonly name: string;
  readonly namespace: string;
}

/** Comparator: oldest first, then name, then namespace. */
export function byCreation(a: Ordered, b: Ordered): number {
  const ta = timestampOf(a.creationTimestamp);
  const tb = timestampOf(b.creationTimestamp);
  if (ta !== tb) return ta - tb;
  return compareText(a.name, b.name) || compareText(a.namespace, b.namespace);
}

/** A sorted copy; the input is left alone. */
export function sortedByCreation<T extends Ordered>(items: Iterable<T>): T[] {
  return [...items].sort(byCreation);
}

function timestampOf(text: string | undefined): number {
  if (!text) return Number.NEGATIVE_INFINITY;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/** Plain code-unit order: stable across locales, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
