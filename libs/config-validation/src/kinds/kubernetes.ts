/**
 * Kubernetes kinds the mesh reads for discovery. Kubernetes validates them itself, so only what
 * the mesh depends on is checked here (ports, names, protocols by port name), and unknown fields
 * are not reported: these objects carry many fields the mesh ignores.
 */
import type { Config } from '@mesh/config-model';
import { isLowerDNS1123Label } from '../rules/hosts';
import { isIPAddress } from '../rules/net';
import { PROTOCOL_NAMES, protocolFromPortName } from '../rules/ports';
import { Field } from '../walker';

const IANA_SERVICE_NAME = /^(?=.*[a-z])[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

export function validateKubernetes(spec: Field, config: Config): void {
  const extra = new Field(config.extra ?? {}, [], spec.issues);
  switch (config.kind) {
    case 'Service':
      checkService(spec);
      break;
    case 'EndpointSlice':
      checkEndpointSlice(extra);
      break;
    case 'Pod':
      checkPod(spec);
      break;
    case 'Secret':
    case 'ConfigMap': {
      const data = extra.at('data').stringMap() ?? [];
      extra.at('stringData').stringMap();
      if (config.kind === 'Secret') {
        for (const { value, field } of data) {
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, '')))
            field.error('Secret data values must be base64-encoded');
        }
      }
      break;
    }
    default:
      break;
  }
}

function checkService(spec: Field): void {
  spec.at('selector').stringMap();
  const type = spec.at('type').enumOf(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
  if (type === 'ExternalName' && !spec.at('externalName').string()) {
    spec.at('externalName').error('a Service of type ExternalName needs externalName');
  }
  const ports = spec.at('ports').list() ?? [];
  const names = new Set<string>();
  for (const port of ports) {
    if (!port.present || typeof port.value !== 'object' || Array.isArray(port.value)) {
      port.error('a Service port must be a mapping');
      continue;
    }
    const number = port.at('port').present ? port.at('port').integerIn(1, 65535) : undefined;
    if (!port.at('port').present) port.at('port').error('port is required');
    const name = port.at('name').string();
    if (name === undefined || name === '') {
      if (ports.length > 1) port.at('name').error('every port of a Service with several ports needs a name');
    } else {
      if (!isLowerDNS1123Label(name))
        port.at('name').error(`"${name}" is not a valid port name (lower-case DNS-1123 label)`);
      if (names.has(name)) port.at('name').error(`duplicate port name "${name}"`);
      names.add(name);
    }
    port.at('protocol').enumOf(['TCP', 'UDP', 'SCTP']);
    checkTargetPort(port.at('targetPort'));
    const appProtocol = port.at('appProtocol').string();
    if (!appProtocol && number !== undefined && (name === undefined || !protocolFromPortName(name))) {
      port
        .at('name')
        .warn(
          `port ${number} does not declare its protocol: name it <protocol>[-<suffix>] (${PROTOCOL_NAMES}) or set appProtocol, otherwise the mesh sniffs it`,
        );
    }
  }
}

function checkTargetPort(field: Field): void {
  if (!field.present) return;
  if (typeof field.value === 'string') {
    if (field.value.length > 15 || !IANA_SERVICE_NAME.test(field.value)) {
      field.error(`"${field.value}" is not a valid named port (at most 15 lower-case letters, digits and "-")`);
    }
    return;
  }
  field.integerIn(1, 65535);
}

function checkEndpointSlice(slice: Field): void {
  const addressType = slice.at('addressType').enumOf(['IPv4', 'IPv6', 'FQDN']);
  if (!slice.at('addressType').present) slice.at('addressType').error('addressType is required');
  for (const endpoint of slice.at('endpoints').list() ?? []) {
    const addresses = endpoint.at('addresses').strings();
    if (addresses.length === 0) endpoint.at('addresses').error('an endpoint needs at least one address');
    for (const { value, field } of addresses) {
      if ((addressType === 'IPv4' || addressType === 'IPv6') && !isIPAddress(value)) {
        field.error(`"${value}" is not an ${addressType} address`);
      }
    }
  }
  for (const port of slice.at('ports').list() ?? []) {
    if (port.at('port').present) port.at('port').integerIn(1, 65535);
    port.at('name').string();
    port.at('protocol').enumOf(['TCP', 'UDP', 'SCTP']);
  }
}

function checkPod(spec: Field): void {
  for (const key of ['containers', 'initContainers'] as const) {
    for (const container of spec.at(key).list() ?? []) {
      for (const port of container.at('ports').list() ?? []) {
        if (!port.at('containerPort').present) port.at('containerPort').error('containerPort is required');
        else port.at('containerPort').integerIn(1, 65535);
      }
    }
  }
}
