/**
 * The gateway's flags and what they turn into: the xDS node identity it announces, the ports it
 * binds for itself (admin, status) and the control plane it dials. Gateway server ports are not
 * flags: they come from the Gateway resources that select this proxy's labels.
 */
import { FlagError, intFlag, optionalStringFlag, stringFlag, type FlagValues } from '@mesh/platform';

export const DEFAULT_DISCOVERY_ADDRESS = '127.0.0.1:15010';

export function gatewayFlagSpecs() {
  return {
    discoveryAddress: optionalStringFlag(
      'discovery-address',
      `control plane's plaintext xDS address, host:port (default ${DEFAULT_DISCOVERY_ADDRESS})`,
    ),
    xdsAddress: optionalStringFlag('xds-address', 'the same as --discovery-address'),
    xdsMode: stringFlag('xds-mode', 'sotw', 'xDS protocol variant: sotw (state of the world) or delta'),
    id: optionalStringFlag(
      'id',
      'full xDS node ID (router~<ip>~<name>.<namespace>~<namespace>.svc.<domain>); default: built from --ip, --name, --namespace, --domain',
    ),
    ip: stringFlag('ip', '127.0.0.1', "the proxy's IP address, as announced in the node ID"),
    name: stringFlag('name', 'istio-ingressgateway', 'workload (pod) name, as announced in the node ID'),
    namespace: stringFlag('namespace', 'istio-system', "the proxy's namespace"),
    domain: stringFlag('domain', 'cluster.local', 'DNS domain suffix'),
    cluster: optionalStringFlag('cluster', 'xDS node cluster (default <name>.<namespace>)'),
    labels: stringFlag('labels', 'istio=ingressgateway', 'workload labels k=v,... (Gateway selectors match them)'),
    adminPort: intFlag(
      'admin-port',
      15000,
      'admin endpoint port on 127.0.0.1 (/ready, /stats, /config_dump...); 0 = any',
    ),
    statusPort: intFlag('status-port', 15021, 'health port on 0.0.0.0 (/healthz/ready); 0 = any'),
    prometheusPort: intFlag(
      'prometheus-port',
      15090,
      "Prometheus scrape port on 0.0.0.0 (/stats/prometheus: Istio's standard metrics and Envoy's stats); 0 = any",
    ),
    accessLogFile: optionalStringFlag(
      'access-log-file',
      'write one access log line per request here (/dev/stdout works)',
    ),
  };
}

export type GatewayFlagValues = FlagValues<ReturnType<typeof gatewayFlagSpecs>>;

/** `k=v,k2=v2` → labels; a label without `=` or with an empty key is a flag error. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new FlagError(`--labels: "${item}" is not key=value`);
    labels[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return labels;
}

/** host:port of the control plane; --discovery-address and --xds-address are one setting. */
export function discoveryAddress(flags: GatewayFlagValues): string {
  if (flags.discoveryAddress !== undefined && flags.xdsAddress !== undefined) {
    throw new FlagError('--discovery-address and --xds-address are the same setting: give one');
  }
  const address = flags.discoveryAddress ?? flags.xdsAddress ?? DEFAULT_DISCOVERY_ADDRESS;
  const colon = address.lastIndexOf(':');
  const port = address.slice(colon + 1);
  if (colon <= 0 || !/^\d+$/.test(port) || +port < 1 || +port > 65535) {
    throw new FlagError(`--discovery-address: "${address}" is not host:port`);
  }
  return address;
}

export function checkPort(flag: string, port: number): number {
  if (port < 0 || port > 65535) throw new FlagError(`--${flag}: ${port} is not a port (0-65535)`);
  return port;
}

export function xdsMode(flags: GatewayFlagValues): 'sotw' | 'delta' {
  if (flags.xdsMode !== 'sotw' && flags.xdsMode !== 'delta') {
    throw new FlagError(`--xds-mode: "${flags.xdsMode}" is neither sotw nor delta`);
  }
  return flags.xdsMode;
}
