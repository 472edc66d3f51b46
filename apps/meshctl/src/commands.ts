import { formatFlagHelp, meshVersion, parseFlags, type FlagSpecs } from '@mesh/platform';
import { analyzeCommand } from './commands/analyze';
import type { Command } from './commands/command';
import { proxyConfigCommand } from './commands/proxy-config';
import { proxyStatusCommand } from './commands/proxy-status';
import { validateCommand } from './commands/validate';

export type { Command };

const versionFlags = {} satisfies FlagSpecs;

const version: Command = {
  name: 'version',
  summary: 'print the version of meshctl and the Node.js runtime',
  async run(argv) {
    const { help } = parseFlags(versionFlags, argv);
    if (help) {
      process.stdout.write(`Usage: meshctl version\n\n${formatFlagHelp(versionFlags)}\n`);
      return 0;
    }
    process.stdout.write(`meshctl ${meshVersion()} (node ${process.versions.node})\n`);
    return 0;
  },
};

export const commands: readonly Command[] = [
  version,
  validateCommand,
  analyzeCommand,
  proxyStatusCommand,
  proxyConfigCommand,
];

export function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return `meshctl: the command line of the mesh\n\nUsage: meshctl <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun "meshctl <command> --help" for a command's flags.\n`;
}
