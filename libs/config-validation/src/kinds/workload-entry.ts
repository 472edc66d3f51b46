/**
 * WorkloadEntry (a non-Kubernetes workload: a VM, a bare-metal host) and WorkloadGroup (the
 * template VMs register from). ServiceEntry endpoints share the WorkloadEntry rules.
 */
import { fqdnProblem, isLowerDNS1123Subdomain } from '../rules/hosts';
import { checkHeaderName } from '../rules/headers';
import { checkLabels } from '../rules/labels';
import { isIPAddress, checkUnixAddress, UNIX_PREFIX } from '../rules/net';
import { checkPortName, checkRequiredPort } from '../rules/ports';
import type { Field } from '../walker';

export const WORKLOAD_ENTRY_FIELDS = [
  'address',
  'ports',
  'labels',
  'network',
  'locality',
  'weight',
  'serviceAccount',
] as const;
const WORKLOAD_GROUP_FIELDS = ['metadata', 'template', 'probe'] as const;
const PROBE_FIELDS = [
  'initialDelaySeconds',
  'timeoutSeconds',
  'periodSeconds',
  'successThreshold',
  'failureThreshold',
  'httpGet',
  'tcpSocket',
  'exec',
  'grpc',
] as const;

export interface WorkloadEntryRules {
  /** Host names are allowed as addresses (DNS resolution) as well as IPs. */
  readonly allowHostnames: boolean;
  /** The names of the ServiceEntry's ports, which endpoint ports must refer to. */
  readonly servicePorts?: ReadonlySet<string>;
  /** The address may only be unset when a network is given (reached through its gateway). */
  readonly requireAddress: boolean;
}

export function checkWorkloadEntry(field: Field, rules: WorkloadEntryRules): void {
  const entry = field.struct(WORKLOAD_ENTRY_FIELDS);
  if (!entry) return;
  const address = entry.field('address').string() ?? '';
  const network = entry.field('network').string() ?? '';
  entry.field('locality').string();
  entry.field('weight').uint32();
  const serviceAccount = entry.field('serviceAccount').string();
  if (serviceAccount && !isLowerDNS1123Subdomain(serviceAccount)) {
    entry
      .field('serviceAccount')
      .warn(`"${serviceAccount}" is not a valid service account name: no identity can match it`);
  }
  checkLabels(entry.field('labels'));

  const ports = entry.field('ports').entries() ?? [];
  if (address === '' && rules.requireAddress) {
    if (network === '') entry.field('address').error('address is required (or a network reached through its gateway)');
    else
      entry
        .field('address')
        .warn(`address is unset: the workload is reached through the gateway of network "${network}"`);
  }
  const unix = address.startsWith(UNIX_PREFIX);
  if (unix) {
    checkUnixAddress(entry.field('address'), address.slice(UNIX_PREFIX.length));
    if (ports.length > 0) entry.field('ports').error(`a unix socket endpoint (${address}) must not list ports`);
    if (rules.servicePorts && rules.servicePorts.size !== 1) {
      entry.field('address').error('a unix socket endpoint needs exactly one service port');
    }
  } else if (address !== '' && !isIPAddress(address)) {
    if (!rules.allowHostnames)
      entry.field('address').error(`"${address}" is not an IP address (STATIC resolution needs IPs or unix sockets)`);
    else if (fqdnProblem(address))
      entry.field('address').error(`"${address}" is neither a valid host name nor an IP address`);
  }
  for (const [name, portField] of ports) {
    if (rules.servicePorts && !rules.servicePorts.has(name)) {
      portField.error(
        `port "${name}" is not one of the ServiceEntry's port names (${[...rules.servicePorts].join(', ')})`,
      );
    }
    checkPortName(portField, name);
    checkRequiredPort(portField);
  }
}

export function validateWorkloadEntry(spec: Field): void {
  checkWorkloadEntry(spec, { allowHostnames: true, requireAddress: true });
}

export function validateWorkloadGroup(spec: Field): void {
  const group = spec.struct(WORKLOAD_GROUP_FIELDS);
  if (!group) return;
  const metadata = group.field('metadata').struct(['labels', 'annotations']);
  if (metadata) {
    checkLabels(metadata.field('labels'));
    metadata.field('annotations').stringMap();
  }
  // The template's address is filled in when a workload registers, so it is not required here.
  if (!group.has('template')) group.field('template').error('template is required');
  else checkWorkloadEntry(group.field('template'), { allowHostnames: true, requireAddress: false });
  checkProbe(group.field('probe'));
}

function checkProbe(field: Field): void {
  const probe = field.struct(PROBE_FIELDS);
  if (!probe) return;
  for (const name of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ] as const) {
    probe.field(name).nonNegativeInt32();
  }
  const method = probe.oneOf(['httpGet', 'tcpSocket', 'exec', 'grpc']);
  if (method === undefined) {
    probe.error('a probe needs one of httpGet, tcpSocket, exec or grpc');
    return;
  }
  if (method === 'httpGet') {
    const get = probe.field('httpGet').struct(['path', 'port', 'host', 'scheme', 'httpHeaders']);
    if (!get) return;
    get.field('path').string();
    get.field('host').string();
    checkRequiredPort(get.field('port'));
    const scheme = get.field('scheme').string();
    if (scheme && scheme !== 'HTTP' && scheme !== 'HTTPS')
      get.field('scheme').error('scheme must be "HTTP" or "HTTPS"');
    for (const item of get.field('httpHeaders').list() ?? []) {
      const header = item.struct(['name', 'value']);
      if (!header) continue;
      const name = header.requiredString('name', 'header name is required');
      if (name !== undefined) checkHeaderName(header.field('name'), name);
      header.field('value').string();
    }
  } else if (method === 'tcpSocket') {
    const socket = probe.field('tcpSocket').struct(['host', 'port']);
    socket?.field('host').string();
    if (socket) checkRequiredPort(socket.field('port'));
  } else if (method === 'exec') {
    const exec = probe.field('exec').struct(['command']);
    if (exec && exec.field('command').strings().length === 0) exec.field('command').error('exec.command is required');
  } else {
    const grpc = probe.field('grpc').struct(['port', 'service']);
    if (grpc) checkRequiredPort(grpc.field('port'));
    grpc?.field('service').string();
  }
}
