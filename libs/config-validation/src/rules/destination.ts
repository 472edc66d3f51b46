/**
 * `Destination`: where a route (or a mirror, or a Sidecar's egress proxy) sends traffic: a host
 * in the registry, an optional subset of a DestinationRule, an optional port.
 */
import type { Field } from '../walker';
import { isDNS1123Label, wildcardDomainProblem } from './hosts';
import { checkRequiredPort } from './ports';

export const DESTINATION_FIELDS = ['host', 'subset', 'port'] as const;

export function checkDestination(field: Field): void {
  const destination = field.struct(DESTINATION_FIELDS);
  if (!destination) return;
  const host = destination.requiredString('host', 'destination host is required');
  if (host === '*') destination.field('host').error('"*" is not a valid destination host');
  else if (host !== undefined) {
    const problem = wildcardDomainProblem(host);
    if (problem) destination.field('host').error(problem);
  }
  const subset = destination.field('subset').string();
  if (subset && !isDNS1123Label(subset)) {
    destination.field('subset').error(`"${subset}" is not a valid subset name (DNS-1123 label)`);
  }
  const port = destination.field('port').struct(['number']);
  if (port) checkRequiredPort(port.field('number'));
}
