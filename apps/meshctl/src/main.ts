/**
 * meshctl: the mesh's command line. Subcommands are registered in ./commands; this file only
 * parses the command line and dispatches.
 */
import { FlagError } from '@mesh/platform';
import { commands, usage } from './commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`meshctl: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`meshctl: ${message}\n`);
    process.exitCode = error instanceof FlagError ? 2 : 1;
  },
);
