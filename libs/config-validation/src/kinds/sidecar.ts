/**
 * Sidecar: narrows what a sidecar proxy listens on (ingress) and which services it can reach
 * (egress hosts in `namespace/host` form), and how unknown outbound traffic is treated.
 */
import type { Config } from '@mesh/config-model';
import { checkDestination } from '../rules/destination';
import { fqdnProblem, namespacedHostProblems, wildcardDomainProblem } from '../rules/hosts';
import { checkSelectorLabels } from '../rules/labels';
import { checkIPAddress, checkUnixAddress, UNIX_PREFIX } from '../rules/net';
import { checkPortName, checkPortNumber, checkProtocol, isHTTPProtocol, parseProtocol } from '../rules/ports';
import { checkServerTLS } from '../rules/tls';
import { checkConnectionPool } from '../rules/traffic-policy';
import type { Field, Struct } from '../walker';

const SIDECAR_FIELDS = [
  'workloadSelector',
  'ingress',
  'egress',
  'outboundTrafficPolicy',
  'inboundConnectionPool',
] as const;
const INGRESS_FIELDS = ['port', 'bind', 'captureMode', 'defaultEndpoint', 'tls', 'connectionPool'] as const;
const EGRESS_FIELDS = ['port', 'bind', 'captureMode', 'hosts'] as const;
const PORT_FIELDS = ['number', 'protocol', 'name', 'targetPort'] as const;
const CAPTURE_MODES = ['DEFAULT', 'IPTABLES', 'NONE'] as const;
const LOOPBACK_OR_ANY = ['127.0.0.1', '0.0.0.0', '::1', '::'];

export function validateSidecar(spec: Field, config: Config): void {
  const sidecar = spec.struct(SIDECAR_FIELDS);
  if (!sidecar) return;
  const selector = sidecar.field('workloadSelector').struct(['labels']);
  if (selector) checkSelectorLabels(selector.field('labels'), 'the Sidecar applies to every workload in the namespace');
  const ingress = sidecar.field('ingress').list() ?? [];
  const egress = sidecar.field('egress').list() ?? [];
  if (
    ingress.length === 0 &&
    egress.length === 0 &&
    !sidecar.has('outboundTrafficPolicy') &&
    !sidecar.has('inboundConnectionPool')
  ) {
    sidecar.error(
      'a Sidecar must configure at least one of ingress, egress, outboundTrafficPolicy or inboundConnectionPool',
    );
    return;
  }
  checkIngress(ingress);
  checkConnectionPool(sidecar.field('inboundConnectionPool'));
  checkEgress(egress, config.namespace);
  checkOutboundTrafficPolicy(sidecar.field('outboundTrafficPolicy'));
}

function checkIngress(listeners: Field[]): void {
  const ports = new Set<number>();
  for (const item of listeners) {
    const listener = item.struct(INGRESS_FIELDS);
    if (!listener) continue;
    const port = listener.required('port', 'port is required for ingress listeners').struct(PORT_FIELDS);
    listener.field('captureMode').enumOf(CAPTURE_MODES);
    const bind = listener.field('bind').string();
    if (bind) checkIPAddress(listener.field('bind'), bind);
    if (port) {
      const number = checkPort(port);
      if (number !== undefined) {
        if (ports.has(number))
          port.field('number').error(`ingress port ${number} is already used: ports must be unique`);
        ports.add(number);
      }
      const pool = listener.field('connectionPool');
      const protocol = port.field('protocol').value;
      if (pool.at('http').present && typeof protocol === 'string' && !isHTTPProtocol(parseProtocol(protocol))) {
        pool.at('http').warn(`the port's protocol is ${protocol}, not HTTP: only the tcp settings apply`);
      }
    }
    checkDefaultEndpoint(listener.field('defaultEndpoint'));
    const tlsField = listener.field('tls');
    if (tlsField.present) {
      // Sidecar ingress terminates TLS with files only: these server TLS features are not available.
      if (tlsField.at('subjectAltNames').present) {
        tlsField.at('subjectAltNames').error('subjectAltNames is not supported in sidecar ingress tls');
      }
      if (tlsField.at('httpsRedirect').value === true) {
        tlsField.at('httpsRedirect').error('httpsRedirect is not supported in sidecar ingress tls');
      }
      if (tlsField.at('credentialName').present) {
        tlsField.at('credentialName').error('credentialName is not supported in sidecar ingress tls');
      }
      const facts = checkServerTLS(tlsField);
      if (facts && (facts.mode === 'ISTIO_MUTUAL' || facts.mode === 'AUTO_PASSTHROUGH')) {
        tlsField.at('mode').error(`mode ${facts.mode} cannot be used in sidecar ingress tls`);
      }
    }
    checkConnectionPool(listener.field('connectionPool'));
  }
}

/** `defaultEndpoint`: where inbound traffic goes: 127.0.0.1:port, 0.0.0.0:port, [::1]:port, [::]:port or unix://path. */
function checkDefaultEndpoint(field: Field): void {
  const endpoint = field.string();
  if (!endpoint) return;
  if (endpoint.startsWith(UNIX_PREFIX)) {
    checkUnixAddress(field, endpoint.slice(UNIX_PREFIX.length));
    return;
  }
  const match = /^(?:\[([^\]]*)\]|([^:]*)):([^:]*)$/.exec(endpoint);
  if (!match) {
    field.error(`"${endpoint}" must be 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port> or unix://<path>`);
    return;
  }
  const host = match[1] ?? match[2];
  if (host !== '' && !LOOPBACK_OR_ANY.includes(host)) {
    field.error(`"${endpoint}": defaultEndpoint must be on 127.0.0.1, 0.0.0.0, [::1], [::] or a unix socket`);
  }
  const port = Number(match[3]);
  if (!/^\d+$/.test(match[3]) || port < 1 || port > 65535)
    field.error(`"${endpoint}": port must be a number between 1 and 65535`);
}

/**
 * Name, protocol and number of a Sidecar port; returns the number. Egress listeners on a unix
 * socket use port number 0, which `unixSocket` allows.
 */
function checkPort(port: Struct<string>, unixSocket = false): number | undefined {
  const name = port.at('name').string();
  if (name) checkPortName(port.at('name'), name);
  checkProtocol(port.at('protocol'), true);
  if (port.at('targetPort').present) port.at('targetPort').error('targetPort has no effect on Sidecars');
  if (unixSocket) return undefined;
  if (!port.at('number').present) {
    port.at('number').error('port number is required');
    return undefined;
  }
  return checkPortNumber(port.at('number'));
}

function checkEgress(listeners: Field[], namespace: string): void {
  const ports = new Set<number>();
  const sockets = new Set<string>();
  listeners.forEach((item, index) => {
    const listener = item.struct(EGRESS_FIELDS);
    if (!listener) return;
    const bind = listener.field('bind').string() ?? '';
    const captureMode = listener.field('captureMode').enumOf(CAPTURE_MODES);
    if (!listener.has('port')) {
      if (index !== listeners.length - 1) {
        listener.error('only the last egress listener may omit port (it catches all other traffic)');
      }
    } else {
      const port = listener.field('port').struct(PORT_FIELDS);
      const numberField = listener.field('port').at('number');
      const number = numberField.present ? numberField.integer() : 0;
      if (port && number === 0) {
        // Port 0 listens on a unix domain socket.
        checkPort(port, true);
        if (!bind.startsWith(UNIX_PREFIX)) listener.field('bind').error('a port of 0 needs a unix:// bind address');
        else checkUnixAddress(listener.field('bind'), bind.slice(UNIX_PREFIX.length));
        if (captureMode && captureMode !== 'DEFAULT' && captureMode !== 'NONE') {
          listener.field('captureMode').error('unix socket listeners need captureMode DEFAULT or NONE');
        }
        if (sockets.has(bind))
          listener.field('bind').error(`unix socket ${bind} is already used by another egress listener`);
        sockets.add(bind);
      } else if (port) {
        const checked = checkPort(port);
        if (bind) checkIPAddress(listener.field('bind'), bind);
        if (checked !== undefined) {
          if (ports.has(checked)) numberField.error(`egress port ${checked} is already used: ports must be unique`);
          ports.add(checked);
        }
      }
    }
    checkEgressHosts(listener.field('hosts'), namespace);
  });
}

function checkEgressHosts(field: Field, namespace: string): void {
  const hosts = field.strings();
  if (hosts.length === 0) {
    field.error('an egress listener needs at least one host (e.g. "./*", "istio-system/*")');
    return;
  }
  const byNamespace = new Map<string, Set<string>>();
  for (const { value, field: host } of hosts) {
    const problems = namespacedHostProblems(value, 'sidecar');
    for (const problem of problems) host.error(problem);
    if (problems.length > 0) continue;
    const slash = value.indexOf('/');
    const ns = value.slice(0, slash) === '.' ? namespace : value.slice(0, slash);
    const name = value.slice(slash + 1);
    const seen = byNamespace.get(ns) ?? new Set<string>();
    if (seen.has(name) || seen.has('*') || (name === '*' && seen.size > 0))
      host.warn(`duplicate egress host "${value}"`);
    seen.add(name);
    byNamespace.set(ns, seen);
  }
  if (byNamespace.get('*')?.has('*') && byNamespace.size > 1) {
    field.warn('"*/*" already selects every host: the other entries are redundant');
  }
}

function checkOutboundTrafficPolicy(field: Field): void {
  const policy = field.struct(['mode', 'egressProxy']);
  if (!policy) return;
  const mode = policy.field('mode').enumOf(['REGISTRY_ONLY', 'ALLOW_ANY']) ?? 'REGISTRY_ONLY';
  if (!policy.has('egressProxy')) return;
  if (mode !== 'ALLOW_ANY') {
    policy.field('egressProxy').error('egressProxy can only be set with mode ALLOW_ANY');
    return;
  }
  const hostField = policy.field('egressProxy').at('host');
  const host = typeof hostField.value === 'string' ? hostField.value : undefined;
  if (host && !wildcardDomainProblem(host) && fqdnProblem(host))
    hostField.error('egressProxy host must not be a wildcard');
  if (!policy.field('egressProxy').at('port').present)
    policy.field('egressProxy').at('port').error('egressProxy port is required');
  checkDestination(policy.field('egressProxy'));
}
