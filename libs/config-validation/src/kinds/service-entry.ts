/**
 * ServiceEntry: a service the platform registry does not know (an external API, a VM service),
 * its hosts and addresses, ports, and how its endpoints are found (resolution).
 */
import type { Config } from '@mesh/config-model';
import { checkExportTo } from '../rules/export-to';
import { fqdnProblem, isPartialWildcard, wildcardDomainProblem } from '../rules/hosts';
import { checkSelectorLabels } from '../rules/labels';
import { checkIPOrCIDR } from '../rules/net';
import {
  checkPortName,
  checkPortNumber,
  checkProtocol,
  checkRequiredPort,
  isHTTPProtocol,
  isTLSProtocol,
  type Protocol,
} from '../rules/ports';
import type { Field } from '../walker';
import { checkWorkloadEntry } from './workload-entry';

const SERVICE_ENTRY_FIELDS = [
  'hosts',
  'addresses',
  'ports',
  'location',
  'resolution',
  'endpoints',
  'workloadSelector',
  'exportTo',
  'subjectAltNames',
] as const;
const SERVICE_PORT_FIELDS = ['number', 'protocol', 'name', 'targetPort'] as const;
const RESOLUTIONS = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'] as const;

export function validateServiceEntry(spec: Field, config: Config): void {
  const entry = spec.struct(SERVICE_ENTRY_FIELDS);
  if (!entry) return;
  const resolution = entry.field('resolution').enumOf(RESOLUTIONS) ?? (entry.has('resolution') ? undefined : 'NONE');
  entry.field('location').enumOf(['MESH_EXTERNAL', 'MESH_INTERNAL']);
  entry.field('subjectAltNames').strings();

  const hosts = entry.field('hosts').strings();
  if (hosts.length === 0) entry.field('hosts').error('a ServiceEntry needs at least one host');
  for (const { value, field } of hosts) {
    if (value === '*') {
      field.error('"*" is not allowed as a ServiceEntry host');
      continue;
    }
    const problem = wildcardDomainProblem(value);
    if (problem) field.error(problem);
    else if (isPartialWildcard(value)) field.warn(`partial wildcard "${value}" is not supported; use a "*." prefix`);
  }

  const addresses = entry.field('addresses').strings();
  let hasCIDR = false;
  for (const { value, field } of addresses) {
    hasCIDR ||= value.includes('/');
    checkIPOrCIDR(field, value);
  }
  if (hasCIDR && resolution !== 'NONE' && resolution !== 'STATIC' && resolution !== undefined) {
    entry
      .field('addresses')
      .error(`CIDR addresses are only allowed with resolution NONE or STATIC (got ${resolution})`);
  }

  const { names: portNames, protocols } = checkServicePorts(entry.field('ports'), resolution);
  const selector = entry.field('workloadSelector');
  const endpointsField = entry.field('endpoints');
  const endpoints = endpointsField.list() ?? [];
  if (selector.present) {
    const labels = selector.struct(['labels']);
    if (labels) checkSelectorLabels(labels.field('labels'), 'the ServiceEntry selects every workload in the namespace');
    if (endpointsField.present) entry.error('only one of workloadSelector and endpoints may be set');
  }

  if (resolution === 'NONE') {
    if (endpoints.length > 0) endpointsField.error('endpoints must not be set with resolution NONE');
    if (selector.present) selector.warn('workloadSelector has no effect with resolution NONE');
  } else if (resolution === 'STATIC') {
    if (endpoints.length === 0 && !selector.present) {
      entry
        .field('resolution')
        .warn('STATIC resolution without endpoints or a workloadSelector has no endpoints to send traffic to');
    }
    for (const endpoint of endpoints)
      checkWorkloadEntry(endpoint, { allowHostnames: false, servicePorts: portNames, requireAddress: true });
  } else if (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') {
    if (endpoints.length === 0) {
      for (const { value, field } of hosts) {
        if (value !== '*' && !wildcardDomainProblem(value) && fqdnProblem(value)) {
          field.error(
            `with resolution ${resolution} and no endpoints, hosts are resolved by DNS and must be fully qualified names (no wildcards)`,
          );
        }
      }
    }
    if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) {
      endpointsField.error('resolution DNS_ROUND_ROBIN allows at most one endpoint');
    }
    for (const endpoint of endpoints)
      checkWorkloadEntry(endpoint, { allowHostnames: true, servicePorts: portNames, requireAddress: true });
    if (selector.present) selector.warn(`workloadSelector has no effect with resolution ${resolution}`);
  }

  // With plain TCP the proxy cannot tell which host a connection is for, unless resolution is NONE.
  if (resolution !== 'NONE' && hosts.length > 1 && protocols.some((p) => !isHTTPProtocol(p) && !isTLSProtocol(p))) {
    entry
      .field('hosts')
      .error(
        'several hosts need HTTP or TLS ports (the proxy tells hosts apart by Host header or SNI), unless resolution is NONE',
      );
  }
  checkExportTo(entry.field('exportTo'), config.namespace, { allowNone: true });
}

/** Ports: names and numbers unique; returns the names (endpoints refer to them) and protocols. */
function checkServicePorts(
  field: Field,
  resolution: string | undefined,
): { names: Set<string>; protocols: Array<Protocol | undefined> } {
  const names = new Set<string>();
  const numbers = new Set<number>();
  const protocols: Array<Protocol | undefined> = [];
  for (const item of field.list() ?? []) {
    const port = item.struct(SERVICE_PORT_FIELDS);
    if (!port) continue;
    const number = checkRequiredPort(port.field('number'));
    const name = port.requiredString('name', 'port name is required');
    if (name !== undefined) {
      checkPortName(port.field('name'), name);
      if (names.has(name)) port.field('name').error(`port name "${name}" is already defined`);
      names.add(name);
    }
    if (number !== undefined) {
      if (numbers.has(number)) port.field('number').error(`port ${number} is already defined`);
      numbers.add(number);
    }
    protocols.push(checkProtocol(port.field('protocol'), true));
    if (port.has('targetPort')) {
      checkPortNumber(port.field('targetPort'));
      if (resolution === 'NONE') port.field('targetPort').warn('targetPort has no effect with resolution NONE');
    }
  }
  return { names, protocols };
}
