/**
 * Gateway: the ports a gateway proxy opens (selected by labels), the hosts each serves and how it
 * terminates or passes through TLS.
 */
import type { Config } from '@mesh/config-model';
import { isDNS1123Label, namespacedHostProblems } from '../rules/hosts';
import { checkSelectorLabels } from '../rules/labels';
import { checkIPAddress, checkUnixAddress, UNIX_PREFIX } from '../rules/net';
import { checkPortName, checkPortNumber, checkProtocol, isHTTPProtocol, isTLSProtocol } from '../rules/ports';
import { checkServerTLS } from '../rules/tls';
import type { Field } from '../walker';

const GATEWAY_FIELDS = ['servers', 'selector'] as const;
const SERVER_FIELDS = ['port', 'bind', 'hosts', 'tls', 'defaultEndpoint', 'name'] as const;
const PORT_FIELDS = ['number', 'protocol', 'name', 'targetPort'] as const;

export function validateGateway(spec: Field, config: Config): void {
  if (!isDNS1123Label(config.name)) {
    spec.issues.add(
      'error',
      ['metadata', 'name'],
      `"${config.name}" is not a valid Gateway name (DNS-1123 label, no dots)`,
    );
  }
  const gateway = spec.struct(GATEWAY_FIELDS);
  if (!gateway) return;
  if (gateway.has('selector')) {
    checkSelectorLabels(gateway.field('selector'), 'the gateway applies to every gateway workload');
  }
  const servers = gateway.field('servers').list() ?? [];
  if (servers.length === 0) {
    gateway.field('servers').error('a Gateway needs at least one server');
    return;
  }
  const portNames = new Map<string, number>();
  servers.forEach((server, index) => {
    const name = checkServer(server);
    if (name === undefined) return;
    const first = portNames.get(name);
    if (first !== undefined) {
      server
        .at('port')
        .at('name')
        .error(`port name "${name}" is already used by servers[${first}]: port names must be unique`);
    } else portNames.set(name, index);
  });
}

/** Checks one server; returns its port name for the uniqueness check. */
function checkServer(field: Field): string | undefined {
  const server = field.struct(SERVER_FIELDS);
  if (!server) return undefined;
  server.field('name').string();
  server.field('defaultEndpoint').string();
  const hosts = server.field('hosts').strings();
  if (hosts.length === 0)
    server.field('hosts').error('a server needs at least one host (e.g. "*" or "ns/*.example.com")');
  for (const { value, field: host } of hosts) {
    for (const problem of namespacedHostProblems(value, 'gateway')) host.error(problem);
  }

  const bind = server.field('bind').string() ?? '';
  const unixBind = bind.startsWith(UNIX_PREFIX);
  if (unixBind) checkUnixAddress(server.field('bind'), bind.slice(UNIX_PREFIX.length));
  else if (bind !== '') checkIPAddress(server.field('bind'), bind);

  const port = server.required('port', 'port is required').struct(PORT_FIELDS);
  const tlsField = server.field('tls');
  const tls = checkServerTLS(tlsField);
  if (!port) return undefined;
  const numberField = port.field('number');
  const number = numberField.present ? numberField.integer() : 0;
  if (unixBind) {
    if (number !== 0 && number !== undefined) numberField.error('port number must be 0 when binding a unix socket');
  } else if (!numberField.present) numberField.error('port number is required');
  else checkPortNumber(numberField);
  if (port.has('targetPort')) port.field('targetPort').error('targetPort has no effect on Gateways');
  const name = port.requiredString('name', 'port name is required');
  if (name !== undefined) checkPortName(port.field('name'), name);
  const protocolField = port.field('protocol');
  const protocol = checkProtocol(protocolField, false);
  if (protocol === undefined) return name;

  if (isTLSProtocol(protocol) && !tlsField.present) {
    tlsField.error(`a ${protocol} server needs tls settings (mode and certificates)`);
  } else if (!isTLSProtocol(protocol) && tls) {
    const redirectOnly = tls.mode === 'PASSTHROUGH' && !tls.hasCertificates;
    if (!isHTTPProtocol(protocol)) {
      tlsField.error(`a ${protocol} server cannot have tls settings: use protocol HTTPS or TLS`);
    } else if (!redirectOnly) {
      tlsField.error('a plain-text HTTP server can only set tls.httpsRedirect: use protocol HTTPS to terminate TLS');
    }
  }
  if (tls?.httpsRedirect && !isHTTPProtocol(protocol)) {
    tlsField.at('httpsRedirect').warn('httpsRedirect only has an effect on HTTP servers');
  }
  return name;
}
