/**
 * galley: Istio's configuration validation webhook as a process of its own (istiod serves the
 * same webhook in-process). Flags → read the serving certificate → start → close on SIGTERM/SIGINT.
 */
import { createValidationWebhook, DEFAULT_WEBHOOK_PORT, stderrLog, validateAdmissionObject } from '@mesh/galley';
import {
  FlagError,
  formatFlagHelp,
  intFlag,
  meshVersion,
  optionalStringFlag,
  parseFlags,
  stringFlag,
} from '@mesh/platform';
import { readFileSync } from 'node:fs';

const flagSpecs = {
  webhookPort: intFlag('webhook-port', DEFAULT_WEBHOOK_PORT, 'HTTPS port of the validating webhook (POST /validate)'),
  webhookAddress: stringFlag('webhook-address', '0.0.0.0', 'address the webhook listens on'),
  tlsCertFile: optionalStringFlag('tls-cert-file', 'PEM file of the serving certificate chain, leaf first (required)'),
  tlsKeyFile: optionalStringFlag('tls-key-file', 'PEM file of the private key of --tls-cert-file (required)'),
};

function usage(): string {
  return `galley ${meshVersion()}: validates Istio configuration for the Kubernetes API server\n\nUsage: galley --tls-cert-file FILE --tls-key-file FILE [flags]\n\nFlags:\n${formatFlagHelp(flagSpecs)}\n`;
}

function readPem(flag: string, file: string | undefined): string {
  if (!file) throw new FlagError(`--${flag} is required`);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`--${flag}: cannot read ${file}: ${(error as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const { flags, positional, help } = parseFlags(flagSpecs, argv);
  if (help) {
    process.stdout.write(usage());
    return 0;
  }
  if (positional.length > 0) throw new FlagError(`unexpected argument "${positional[0]}"`);
  if (flags.webhookPort < 0 || flags.webhookPort > 65535) throw new FlagError('--webhook-port must be 0..65535');
  const cert = readPem('tls-cert-file', flags.tlsCertFile);
  const key = readPem('tls-key-file', flags.tlsKeyFile);

  const webhook = createValidationWebhook({
    tls: { cert, key },
    validate: validateAdmissionObject,
    port: flags.webhookPort,
    host: flags.webhookAddress,
    log: stderrLog,
  });
  const { address, port } = await webhook.listen();
  const host = address.includes(':') ? `[${address}]` : address;
  stderrLog.info(`validation webhook listening on https://${host}:${port}/validate`);

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      stderrLog.info(`${signal}: closing the webhook`);
      webhook.close().then(
        () => resolve(0),
        (error: unknown) => {
          stderrLog.error(`closing the webhook failed: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`galley: ${message}\n`);
    if (error instanceof FlagError) process.stderr.write(`\n${usage()}`);
    process.exitCode = error instanceof FlagError ? 2 : 1;
  },
);
