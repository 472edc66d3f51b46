import { boolFlag, FlagError, formatFlagHelp, intFlag, optionalStringFlag, parseFlags, stringFlag } from './flags';

const specs = {
  configDir: optionalStringFlag('config-dir', 'directory of Istio YAML'),
  grpcPort: intFlag('grpc-port', 15010, 'plaintext xDS port'),
  domain: stringFlag('domain', 'cluster.local', 'DNS suffix'),
  verbose: boolFlag('verbose', 'log more'),
};

describe('parseFlags', () => {
  it('applies defaults and reads both --name value and --name=value', () => {
    const { flags, positional, help } = parseFlags(specs, ['analyze', '--config-dir', 'cfg', '--grpc-port=16010', 'x']);
    expect(flags).toEqual({ configDir: 'cfg', grpcPort: 16010, domain: 'cluster.local', verbose: false });
    expect(positional).toEqual(['analyze', 'x']);
    expect(help).toBe(false);
  });

  it('treats boolean flags as switches and stops at --', () => {
    const { flags, positional } = parseFlags(specs, ['--verbose', '--', '--grpc-port', '1']);
    expect(flags.verbose).toBe(true);
    expect(flags.grpcPort).toBe(15010);
    expect(positional).toEqual(['--grpc-port', '1']);
  });

  it('names the flag in every error', () => {
    expect(() => parseFlags(specs, ['--nope'])).toThrow(new FlagError('unknown flag --nope'));
    expect(() => parseFlags(specs, ['--grpc-port', 'ten'])).toThrow('--grpc-port: "ten" is not an integer');
    expect(() => parseFlags(specs, ['--domain'])).toThrow('--domain needs a value');
    expect(() => parseFlags(specs, ['--verbose=yes'])).toThrow('--verbose takes no value');
  });

  it('recognises --help and -h', () => {
    expect(parseFlags(specs, ['-h']).help).toBe(true);
    expect(parseFlags(specs, ['--help']).help).toBe(true);
  });
});

describe('formatFlagHelp', () => {
  it('lists every flag with its value kind and default', () => {
    const text = formatFlagHelp(specs);
    expect(text).toMatch(/--config-dir <string>\s+directory of Istio YAML\n/);
    expect(text).toMatch(/--grpc-port <int>\s+plaintext xDS port \(default 15010\)/);
    expect(text).toMatch(/--verbose\s+log more\n/);
    expect(text.split('\n')).toHaveLength(5);
  });
});
