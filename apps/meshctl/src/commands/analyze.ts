/**
 * `meshctl analyze -f DIR|FILE [-f ...] [-o json] [--kubeconfig FILE] [--namespace NS]`: the
 * cross-resource analysis of @mesh/config-analysis over files, a live cluster, or a cluster with the
 * files applied on top. Messages and exit codes follow `istioctl analyze`: one line per finding
 * (`Error [IST0101] (VirtualService default/reviews reviews.yaml:12) ...`), a check-mark line on
 * stderr when there is none, exit 79 when any finding is an Error, 65 when files could not be
 * parsed (and nothing worse was found). Unlike istioctl, `-o json` exits 79 on errors too.
 */
import {
  analysisInputFromFiles,
  analyze,
  analyzerInputs,
  formatMessage,
  formatMessagesJson,
  hasMessagesAtLeast,
  issueMessages,
  withDefaultIngressGateway,
  type AnalysisInput,
  type Message,
} from '@mesh/config-analysis';
import { configKey, formatLocation } from '@mesh/config-model';
import {
  FlagError,
  formatFlagHelp,
  intFlag,
  optionalStringFlag,
  parseFlags,
  stringFlag,
  type FlagSpecs,
} from '@mesh/platform';
import { expandAliases, outputFormat, takeRepeated } from './arguments';
import { readClusterConfigs } from './cluster-configs';
import type { Command } from './command';
import { readConfigFiles } from './config-files';

/** istioctl's exit codes: findings at Error level, and input that could not be parsed. */
export const EXIT_ISSUES_FOUND = 79;
export const EXIT_PARSE_ERRORS = 65;

const flags = {
  filename: optionalStringFlag(
    'filename',
    'a file or directory (read recursively: *.yaml, *.yml, *.json) to analyze; repeatable; -f',
  ),
  output: stringFlag('output', 'log', 'output format: log or json; -o'),
  kubeconfig: optionalStringFlag(
    'kubeconfig',
    'analyze the cluster of this kubeconfig, with the files (if any) applied on top',
  ),
  namespace: optionalStringFlag(
    'namespace',
    'report only on this namespace; also the namespace of file objects that name none (default "default"); -n',
  ),
  timeout: intFlag('timeout', 30, 'seconds to wait for the cluster to be listed'),
} satisfies FlagSpecs;

const USAGE = 'Usage: meshctl analyze [-f FILE|DIR ...] [--kubeconfig FILE] [-n NAMESPACE] [-o json]';

export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'analyze Istio configuration across resources and print IST codes (exit 79 on errors)',
  async run(argv) {
    const { values, rest } = takeRepeated(
      expandAliases(argv, { f: 'filename', o: 'output', n: 'namespace' }),
      'filename',
    );
    const parsed = parseFlags(flags, rest);
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n\n${formatFlagHelp(flags)}\n`);
      return 0;
    }
    const targets = [...values, ...parsed.positional];
    const { kubeconfig, namespace, timeout } = parsed.flags;
    if (targets.length === 0 && kubeconfig === undefined) {
      throw new FlagError('give files or directories with -f, or a cluster with --kubeconfig');
    }
    const format = outputFormat(parsed.flags.output);

    const fileInput = analysisInputFromFiles(readConfigFiles(targets), { defaultNamespace: namespace ?? 'default' });
    let input: AnalysisInput = fileInput;
    if (kubeconfig !== undefined) {
      const cluster = await readClusterConfigs(kubeconfig, analyzerInputs(), timeout * 1000);
      // The files are applied on top of the cluster: an object in both is the file's version.
      const fromFiles = new Set(fileInput.configs.map(configKey));
      input = {
        ...fileInput,
        configs: [...cluster.configs.filter((c) => !fromFiles.has(configKey(c))), ...fileInput.configs],
        messages: [...(fileInput.messages ?? []), ...issueMessages(cluster.issues)],
      };
    } else {
      input = withDefaultIngressGateway(fileInput);
    }

    const messages = onlyNamespace(analyze(input), namespace);
    for (const error of fileInput.parseErrors) {
      process.stderr.write(`error: ${formatLocation(error.source)}: ${error.message}\n`);
    }
    if (format === 'json') process.stdout.write(`${formatMessagesJson(messages)}\n`);
    else for (const message of messages) process.stdout.write(`${formatMessage(message)}\n`);

    const parseFailures = new Set(fileInput.parseErrors.map((e) => e.source.file)).size;
    if (messages.length === 0) {
      const target = targets.length > 0 ? targets.join(', ') : namespace ? `namespace: ${namespace}` : 'all namespaces';
      const unparsed =
        parseFailures > 0 ? ` (but ${parseFailures} file${parseFailures === 1 ? '' : 's'} could not be parsed)` : '';
      process.stderr.write(`\u2714 No validation issues found when analyzing ${target}${unparsed}.\n`);
    }
    if (hasMessagesAtLeast(messages, 'Error')) return EXIT_ISSUES_FOUND;
    return parseFailures > 0 ? EXIT_PARSE_ERRORS : 0;
  },
};

/** With --namespace, only messages about that namespace's resources (and the Namespace itself). */
function onlyNamespace(messages: readonly Message[], namespace: string | undefined): Message[] {
  if (namespace === undefined) return [...messages];
  return messages.filter(
    (m) =>
      !m.resource ||
      m.resource.namespace === namespace ||
      (m.resource.kind === 'Namespace' && m.resource.name === namespace),
  );
}
