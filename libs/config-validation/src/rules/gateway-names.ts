/**
 * References to Gateways from VirtualServices: `mesh` (the sidecars), `<namespace>/<name>`, or a
 * bare name in the VirtualService's namespace.
 */
import type { Field } from '../walker';
import { fqdnProblem, isDNS1123Label } from './hosts';

export const MESH_GATEWAY = 'mesh';

export function checkGatewayNames(entries: Array<{ value: string; field: Field }>): void {
  for (const { value, field } of entries) {
    if (value === MESH_GATEWAY) continue;
    const slash = value.indexOf('/');
    if (slash === -1) {
      if (value.includes('.')) {
        const [name, namespace] = value.split('.');
        field.warn(`"${value}" uses the legacy name.namespace form; prefer namespace/name: "${namespace}/${name}"`);
      }
      const problem = fqdnProblem(value);
      if (problem) field.error(`invalid gateway name: ${problem}`);
      continue;
    }
    const namespace = value.slice(0, slash);
    const name = value.slice(slash + 1);
    if (namespace === '' || name === '') {
      field.error(`"${value}": namespace and gateway name must not be empty`);
      continue;
    }
    if (!isDNS1123Label(namespace)) field.error(`"${namespace}" in "${value}" is not a valid namespace`);
    if (!isDNS1123Label(name)) field.error(`"${name}" in "${value}" is not a valid gateway name`);
  }
}
