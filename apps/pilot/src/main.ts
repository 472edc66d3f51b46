/**
 * pilot: the discovery half of istiod on its own: config and service discovery in, xDS out.
 * Flags → startControlPlane (libs/pilot) → serve until SIGTERM/SIGINT.
 */
import { controlPlaneFlags, serveUntilSignal, startControlPlane, startupLine } from '@mesh/pilot';
import { FlagError, formatFlagHelp, meshVersion, parseFlags } from '@mesh/platform';

function usage(flags: ReturnType<typeof controlPlaneFlags>): string {
  return `pilot ${meshVersion()}: serves Envoy xDS (ADS over gRPC) from Istio config and service discovery

Usage: pilot --config-dir DIR [flags]
       pilot --kubeconfig FILE [flags]

Flags:
${formatFlagHelp(flags)}
`;
}

async function main(argv: string[]): Promise<number> {
  const specs = controlPlaneFlags(process.env);
  const { flags, positional, help } = parseFlags(specs, argv);
  if (help) {
    process.stdout.write(usage(specs));
    return 0;
  }
  if (positional.length > 0) throw new FlagError(`unexpected argument "${positional[0]}"`);
  const pilot = await startControlPlane({ name: 'pilot', flags });
  process.stdout.write(`${startupLine('pilot', pilot.addresses)}\n`);
  return serveUntilSignal(pilot, pilot.logger);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`pilot: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof FlagError) process.stderr.write('Run "pilot --help" for the flags.\n');
    process.exitCode = error instanceof FlagError ? 2 : 1;
  },
);
