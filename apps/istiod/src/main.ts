/**
 * istiod: the control plane in one process. Today: pilot (config and service discovery → xDS on
 * --grpc-addr, debug and monitoring ports) and galley's validating webhook (on --webhook-addr when
 * --tls-cert-file and --tls-key-file are given). Citadel (the CA) and the sidecar injector are not
 * in this build yet. Flags → start → serve until SIGTERM/SIGINT.
 */
import { createValidationWebhook, stderrLog, validateAdmissionObject, type ValidationWebhook } from '@mesh/galley';
import {
  controlPlaneFlags,
  parseListenAddress,
  serveUntilSignal,
  startControlPlane,
  startupLine,
  type ControlPlane,
  type ListenAddress,
} from '@mesh/pilot';
import { FlagError, formatFlagHelp, meshVersion, optionalStringFlag, parseFlags, stringFlag } from '@mesh/platform';
import { readFileSync } from 'node:fs';

function flagSpecs() {
  return {
    ...controlPlaneFlags(process.env),
    webhookAddr: stringFlag(
      'webhook-addr',
      ':15017',
      'HTTPS listen address of the validating webhook (POST /validate); needs --tls-cert-file and --tls-key-file',
    ),
    tlsCertFile: optionalStringFlag('tls-cert-file', 'PEM serving certificate chain of the webhook, leaf first'),
    tlsKeyFile: optionalStringFlag('tls-key-file', 'PEM private key of --tls-cert-file'),
  };
}

function usage(specs: ReturnType<typeof flagSpecs>): string {
  return `istiod ${meshVersion()}: the mesh's control plane

Serves Envoy xDS (ADS over gRPC) from Istio config and service discovery, and validates Istio
config as a Kubernetes admission webhook when given a serving certificate. Not in this build yet:
the CA (citadel: workload certificates over 15012) and the sidecar injection webhook (/inject).

Usage: istiod --config-dir DIR [flags]
       istiod --kubeconfig FILE [--tls-cert-file FILE --tls-key-file FILE] [flags]

Flags:
${formatFlagHelp(specs)}
`;
}

function readPem(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`--${flag}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The webhook's certificate files, both or neither. */
function webhookTls(certFile: string | undefined, keyFile: string | undefined) {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new FlagError('--tls-cert-file and --tls-key-file go together');
  }
  return { cert: readPem('tls-cert-file', certFile), key: readPem('tls-key-file', keyFile) };
}

async function startWebhook(tls: { cert: string; key: string }, address: ListenAddress) {
  const webhook = createValidationWebhook({
    tls,
    validate: validateAdmissionObject,
    host: address.host,
    port: address.port,
    log: stderrLog,
  });
  const bound = await webhook.listen().catch((error: unknown) => {
    throw new Error(`--webhook-addr: cannot listen: ${(error as Error).message}`, { cause: error });
  });
  return { webhook, address: { host: bound.address, port: bound.port } };
}

async function main(argv: string[]): Promise<number> {
  const specs = flagSpecs();
  const { flags, positional, help } = parseFlags(specs, argv);
  if (help) {
    process.stdout.write(usage(specs));
    return 0;
  }
  if (positional.length > 0) throw new FlagError(`unexpected argument "${positional[0]}"`);
  const webhookAddress = parseListenAddress('webhook-addr', flags.webhookAddr);
  const tls = webhookTls(flags.tlsCertFile, flags.tlsKeyFile);

  const pilot: ControlPlane = await startControlPlane({ name: 'istiod', flags });
  let webhook: ValidationWebhook | undefined;
  const addresses: Record<string, ListenAddress> = { ...pilot.addresses };
  if (tls) {
    try {
      const started = await startWebhook(tls, webhookAddress);
      webhook = started.webhook;
      addresses.webhook = started.address;
    } catch (error) {
      await pilot.close();
      throw error;
    }
  } else {
    pilot.logger.info('no --tls-cert-file/--tls-key-file: the validating webhook is off');
  }
  process.stdout.write(`${startupLine('istiod', addresses)}\n`);
  return serveUntilSignal(
    {
      ready: pilot.ready,
      async close() {
        await webhook?.close();
        await pilot.close();
      },
    },
    pilot.logger,
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`istiod: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof FlagError) process.stderr.write('Run "istiod --help" for the flags.\n');
    process.exitCode = error instanceof FlagError ? 2 : 1;
  },
);
