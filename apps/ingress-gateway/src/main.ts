/**
 * ingress-gateway: the mesh's edge proxy in router mode. Flags → xDS client + proxy engine →
 * serve until SIGTERM/SIGINT. The ports it serves traffic on come from the Gateway resources
 * whose selector matches its --labels.
 */
import { FlagError, formatFlagHelp, meshVersion, parseFlags } from '@mesh/platform';
import { checkPort, discoveryAddress, gatewayFlagSpecs, parseLabels, xdsMode } from './flags';
import { startGateway, type RunningGateway } from './gateway';
import { routerIdentity } from './node-identity';

function usage(specs: ReturnType<typeof gatewayFlagSpecs>): string {
  return `ingress-gateway ${meshVersion()}: the mesh's edge proxy

Takes its whole configuration over xDS from the control plane as a router (Istio's gateway
proxy): the servers of every Gateway whose selector matches --labels become listeners, routed by
the VirtualServices bound to those Gateways. Admin on 127.0.0.1:--admin-port (/ready, /stats,
/clusters, /listeners, /config_dump, /stats/prometheus), readiness on --status-port
(/healthz/ready), Istio's standard metrics for Prometheus on --prometheus-port (/stats/prometheus).
Not in this build yet: TLS termination and passthrough, HTTP/2, retries and circuit breakers
(a configuration that needs them is rejected, NACKed, and logged with the field it names).

Usage: ingress-gateway [--discovery-address HOST:PORT] [--labels k=v,...] [flags]

Flags:
${formatFlagHelp(specs)}
`;
}

function log(level: 'info' | 'warn' | 'error', message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
}

/** Closes on the first SIGTERM/SIGINT (exit 0); a second signal exits 1 at once. */
function serveUntilSignal(gateway: RunningGateway): Promise<number> {
  return new Promise((resolve) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (closing) {
        log('warn', `${signal} again: exiting without waiting`);
        process.exit(1);
      }
      closing = true;
      log('info', `${signal}: shutting down`);
      gateway.close().then(
        () => resolve(0),
        (error: unknown) => {
          log('error', `shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function main(argv: string[]): Promise<number> {
  const specs = gatewayFlagSpecs();
  const { flags, positional, help } = parseFlags(specs, argv);
  if (help) {
    process.stdout.write(usage(specs));
    return 0;
  }
  if (positional.length > 0) throw new FlagError(`unexpected argument "${positional[0]}"`);
  const node = routerIdentity({ ...flags, labels: parseLabels(flags.labels) });
  const xds = discoveryAddress(flags);
  const gateway = await startGateway({
    discoveryAddress: xds,
    mode: xdsMode(flags),
    node,
    adminPort: checkPort('admin-port', flags.adminPort),
    statusPort: checkPort('status-port', flags.statusPort),
    prometheusPort: checkPort('prometheus-port', flags.prometheusPort),
    accessLogFile: flags.accessLogFile,
    log,
    announce: (line) => process.stdout.write(`ingress-gateway: ${line}\n`),
  });
  process.stdout.write(
    `ingress-gateway: admin=127.0.0.1:${gateway.adminPort} status=0.0.0.0:${gateway.statusPort} ` +
      `prometheus=0.0.0.0:${gateway.prometheusPort} xds=${xds}\n`,
  );
  return serveUntilSignal(gateway);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ingress-gateway: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof FlagError) process.stderr.write('Run "ingress-gateway --help" for the flags.\n');
    process.exit(error instanceof FlagError ? 2 : 1);
  },
);
